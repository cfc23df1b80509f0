#!/usr/bin/env python3
"""PyTorch side of Cnn's parity tests (run with Debian's python3-torch 1.13).

  torch_parity.py record --out DIR [--nets lenet5 resnet18 ...]
      For each network: build it as torchvision (or the tutorial) does, give batch norm random
      affine parameters and running statistics, and write
        DIR/<net>.weights.safetensors   the state_dict, which the C# test loads into the Cnn class;
        DIR/<net>.<mode>.safetensors    on a fixed batch, computed in float64 and stored as float32:
          input, labels, output, loss, grad.<name> for every parameter, buffer.<name> after the
          forward pass, and sgd.<name> / adam.<name>: the parameters after one SGD-with-momentum
          step and after one Adam step from the loaded weights and the recorded gradients.
      Modes: "eval", and "train" for networks with batch norm (train mode with dropout off,
      which PyTorch allows per module; without batch norm the two modes compute the same).

  torch_parity.py param-groups --state FILE --grads FILE --out FILE
      Steps the parameters in --state with SGD (momentum 0.9), Adam and AdamW, each with two param
      groups: conv1/conv2 at lr 0.02 and weight decay 1e-2, the rest at the optimizer's lr and
      weight decay 1e-4, from the gradients "step<k>.<name>" in --grads. A parameter without a
      gradient at a step has none (requires_grad off: frozen), so it and its state stay untouched.
      Writes <optimizer>.<name> after the last step, computed in float64.

  torch_parity.py forward --net NAME --weights FILE --input FILE --out FILE
      Loads a safetensors file written by Cnn into the PyTorch network with strict=True and
      writes its eval-mode output for the input tensor in FILE: the other direction.

safetensors is written and read by hand (8-byte little-endian header length, JSON header,
raw little-endian data), so only torch and numpy are needed.
"""
import argparse
import json
import os
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

SEED = 1234

# Optimizer steps and error measures are elementwise, so large tensors are handled in chunks of
# this many values: the same result, without double copies of VGG-16's 103M-value classifier weight.
OPTIMIZER_CHUNK = 1 << 22


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.avg_pool2d(F.relu(self.conv1(x)), 2)
        x = F.avg_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class CifarAlexNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, 4, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2),
            nn.Conv2d(64, 192, 4, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2),
            nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(),
            nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),
            nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2))
        self.classifier = nn.Sequential(
            nn.Dropout(0.5), nn.Linear(1024, 512), nn.ReLU(),
            nn.Dropout(0.5), nn.Linear(512, 256), nn.ReLU(),
            nn.Linear(256, 10))

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class SmoothNet(nn.Module):
    """SiLU and GELU (exact, erf form) between convolutions, batch norm and linear layers."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.fc1 = nn.Linear(64, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.bn1(F.silu(self.conv1(x)))
        x = F.adaptive_avg_pool2d(F.gelu(self.conv2(x)), 2)
        return self.fc2(F.gelu(self.fc1(torch.flatten(x, 1))))


class WindowsNet(nn.Module):
    """Non-square kernels, strides, paddings and dilations (Inception-v3's (1, 7) and (7, 1)), and
    AvgPool2d with ceil_mode, whose last windows overhang the padding, with and without count_include_pad."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, (1, 7), padding=(0, 3))
        self.conv2 = nn.Conv2d(8, 8, (7, 1), padding=(3, 0))
        self.conv3 = nn.Conv2d(8, 12, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2))
        self.fc = nn.Linear(96, 10)

    def forward(self, x):
        x = F.relu(self.conv2(F.relu(self.conv1(x))))
        x = F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False)
        x = F.max_pool2d(F.relu(self.conv3(x)), (2, 3), (1, 2), (1, 1), ceil_mode=True)
        x = F.avg_pool2d(x, (3, 2), (2, 1), (1, 0), ceil_mode=True)
        return self.fc(torch.flatten(x, 1))


# name: (constructor, input shape, batch). Batch norm in training mode normalises each channel over
# batch x height x width values; at 32x32 the last stages of ResNet and GoogLeNet are 1x1, and two
# values per channel make the result so ill-conditioned that float32 cannot follow float64. At
# 64x64 with a batch of 4 each channel has at least 16 values. Even so, GoogLeNet's sixty batch norms
# in training mode amplify rounding: PyTorch's own float32 result differs from its float64 one by
# more than the parity tolerances. So each record also holds f32error.<tensor>: the relative error of
# PyTorch in float32, and the C# test accepts Cnn's float32 error up to a small multiple of it.
# GoogLeNet keeps PyTorch's default
# layer initialisation (init_weights=False): torchvision's truncated normal of std 0.01 makes its
# gradients vanish to 1e-13 at conv1, where float32 rounding dominates them.
NETS = {
    "lenet5": (LeNet5, (1, 28, 28), 2),
    "cifar_alexnet": (CifarAlexNet, (3, 32, 32), 2),
    "resnet18": (lambda: torchvision.models.resnet18(num_classes=10), (3, 64, 64), 4),
    "googlenet": (lambda: torchvision.models.GoogLeNet(num_classes=10, aux_logits=False, init_weights=False), (3, 64, 64), 4),
    "vgg16": (lambda: torchvision.models.vgg16(num_classes=10), (3, 32, 32), 2),
    "smooth": (SmoothNet, (3, 16, 16), 4),
    "windows": (WindowsNet, (3, 16, 13), 4),
}


def save_safetensors(path, tensors, metadata=None):
    """Writes float tensors as F32 and int64 as I64, one tensor at a time (never the whole file in memory)."""
    def stored(t):
        t = t.detach().cpu().contiguous()
        return (t, "I64") if t.dtype == torch.int64 else (t.float(), "F32")

    header, offset = {}, 0
    for name in sorted(tensors):
        t = tensors[name]
        size = t.numel() * 8 if t.dtype == torch.int64 else t.numel() * 4
        header[name] = {"dtype": "I64" if t.dtype == torch.int64 else "F32", "shape": list(t.shape), "data_offsets": [offset, offset + size]}
        offset += size
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for name in sorted(tensors):
            t, _ = stored(tensors[name])
            f.write(memoryview(t.numpy()).cast("B"))
    os.replace(tmp, path)


def load_safetensors(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        base = 8 + n
        tensors = {}
        for name, info in header.items():
            if name == "__metadata__":
                continue
            begin, end = info["data_offsets"]
            f.seek(base + begin)
            dtype = {"F32": np.float32, "F64": np.float64, "I64": np.int64}[info["dtype"]]
            array = np.frombuffer(f.read(end - begin), dtype=dtype).reshape(info["shape"])
            tensors[name] = torch.from_numpy(array.copy())
        return tensors


def relative_error(single, double):
    """max|a - b| / max|b|, as the C# test measures it, as a one-element tensor (chunk by chunk, so
    that no double copy of a large gradient is made)."""
    single, double = single.detach().reshape(-1), double.detach().reshape(-1)
    scale = error = 0.0
    for start in range(0, double.numel(), OPTIMIZER_CHUNK):
        end = min(start + OPTIMIZER_CHUNK, double.numel())
        scale = max(scale, double[start:end].abs().max().item())
        error = max(error, (single[start:end].double() - double[start:end]).abs().max().item())
    return torch.tensor([error / scale if scale > 0 else error])


def build(name):
    torch.manual_seed(SEED)
    model = NETS[name][0]()
    generator = torch.Generator().manual_seed(SEED + 1)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                m.weight.copy_(torch.rand(m.weight.shape, generator=generator) + 0.5)
                m.bias.copy_(torch.rand(m.bias.shape, generator=generator) * 0.4 - 0.2)
                m.running_mean.copy_(torch.rand(m.running_mean.shape, generator=generator) * 0.4 - 0.2)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=generator) + 0.5)
                m.num_batches_tracked.fill_(3)
    return model


def set_mode(model, mode):
    model.train(mode == "train")
    for m in model.modules():
        if isinstance(m, nn.Dropout):
            m.eval()


OPTIMIZERS = (("sgd", lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=1e-4)),
              ("adam", lambda ps: torch.optim.Adam(ps, lr=1e-3)))


def step_in_chunks(make, value, grad):
    """One step of a fresh optimizer from (value, grad), in the gradient's precision, chunk by chunk, returned as float32."""
    result = torch.empty(value.shape, dtype=torch.float32)
    flat_value, flat_grad, flat_result = value.detach().reshape(-1), grad.reshape(-1), result.view(-1)
    for start in range(0, flat_value.numel(), OPTIMIZER_CHUNK):
        end = min(start + OPTIMIZER_CHUNK, flat_value.numel())
        copy = flat_value[start:end].to(flat_grad.dtype, copy=True).requires_grad_(True)
        copy.grad = flat_grad[start:end].clone()
        make([copy]).step()
        flat_result[start:end] = copy.detach().float()
    return result


def record(name, out):
    """Peaks at about 3.5 GB (VGG-16, in the float64 backward pass with the float32 gradients kept)."""
    model = build(name)
    shape, batch = NETS[name][1], NETS[name][2]
    save_safetensors(os.path.join(out, f"{name}.weights.safetensors"), model.state_dict(), {"format": "pt", "architecture": name})
    has_bn = any(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    del model
    generator = torch.Generator().manual_seed(SEED + 2)
    x = torch.randn((batch,) + shape, generator=generator, dtype=torch.float32)
    y = torch.randint(0, 10, (batch,), generator=generator)
    for mode in (["eval", "train"] if has_bn else ["eval"]):
        # The step in float32 first, keeping only its output and gradients, for float32's own error
        # against float64 below.
        single = build(name)
        set_mode(single, mode)
        out_single = single(x)
        F.cross_entropy(out_single, y).backward()
        single_grads = {pname: p.grad for pname, p in single.named_parameters()}
        out_single = out_single.detach()  # its graph would keep the float32 weights alive
        del single

        model = build(name).double()
        set_mode(model, mode)
        out_t = model(x.double())
        loss = F.cross_entropy(out_t, y)
        loss.backward()
        result = {"input": x, "labels": y.float(), "output": out_t.detach().float(), "loss": loss.detach().reshape(1).float(),
                  "f32error.output": relative_error(out_single, out_t)}
        for bname, b in model.named_buffers():
            result["buffer." + bname] = b.detach().clone()
        params = dict(model.named_parameters())
        for pname, grad in single_grads.items():
            result["f32error.grad." + pname] = relative_error(grad, params[pname].grad)
        del single_grads, out_single

        # The float64 values equal the float32 weights they were made from, so only the gradients
        # stay; then parameter by parameter, its gradient and the two optimizer steps from it are
        # kept as float32, and its float64 gradient and float32 value are let go.
        for p in params.values():
            p.data = torch.empty(0, dtype=p.dtype)
        values = dict(build(name).named_parameters())
        for pname, p in params.items():
            for kind, make in OPTIMIZERS:
                result[f"{kind}.{pname}"] = step_in_chunks(make, values[pname], p.grad)
            result["grad." + pname] = p.grad.float()
            p.grad = None
            values[pname].data = torch.empty(0)
        del model, params, values, out_t
        save_safetensors(os.path.join(out, f"{name}.{mode}.safetensors"), result)
        print(f"{name} {mode}: loss {loss.item():.6f}", flush=True)
        del result


def forward(name, weights, input_path, out):
    model = NETS[name][0]()
    model.load_state_dict(load_safetensors(weights), strict=True)
    set_mode(model, "eval")
    x = load_safetensors(input_path)["input"].float()
    with torch.no_grad():
        save_safetensors(out, {"output": model(x)})


def param_groups(state_path, grads_path, out):
    state, grads = load_safetensors(state_path), load_safetensors(grads_path)
    steps = max(int(key.split(".")[0][len("step"):]) for key in grads)
    results = {}
    for name in ("sgd", "adam", "adamw"):
        params = {n: nn.Parameter(t.double().clone()) for n, t in state.items()}
        conv = [p for n, p in params.items() if n.split(".")[0] in ("conv1", "conv2")]
        rest = [p for n, p in params.items() if n.split(".")[0] not in ("conv1", "conv2")]
        groups = [{"params": rest}, {"params": conv, "lr": 0.02, "weight_decay": 1e-2}]
        if name == "sgd":
            optimizer = torch.optim.SGD(groups, lr=0.1, momentum=0.9, weight_decay=1e-4)
        elif name == "adam":
            optimizer = torch.optim.Adam(groups, lr=1e-2, weight_decay=1e-4)
        else:
            optimizer = torch.optim.AdamW(groups, lr=1e-2, weight_decay=1e-4)
        for k in range(1, steps + 1):
            for n, p in params.items():
                key = f"step{k}.{n}"
                p.grad = grads[key].double() if key in grads else None
            optimizer.step()
        for n, p in params.items():
            results[f"{name}.{n}"] = p.detach()
    save_safetensors(out, results)


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("record")
    r.add_argument("--out", required=True)
    r.add_argument("--nets", nargs="*", default=list(NETS))
    f = sub.add_parser("forward")
    f.add_argument("--net", required=True)
    f.add_argument("--weights", required=True)
    f.add_argument("--input", required=True)
    f.add_argument("--out", required=True)
    g = sub.add_parser("param-groups")
    g.add_argument("--state", required=True)
    g.add_argument("--grads", required=True)
    g.add_argument("--out", required=True)
    args = parser.parse_args()
    torch.set_num_threads(2)
    if args.command == "record":
        os.makedirs(args.out, exist_ok=True)
        for name in args.nets:
            record(name, args.out)
    elif args.command == "param-groups":
        param_groups(args.state, args.grads, args.out)
    else:
        forward(args.net, args.weights, args.input, args.out)


if __name__ == "__main__":
    main()
