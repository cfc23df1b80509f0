#!/usr/bin/python3
"""The PyTorch side of benchmarks/compare/run.sh.

The networks, optimizers, losses, batch sizes and timing loops are those of the reference script
the targets were measured with (shared/reference/torch_cpu_bench.py); this copy belongs to the
project so that the comparison does not depend on files outside it. Run it with Debian's
interpreter, which sees python3-torch, and OpenBLAS on the library path:

  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp OMP_NUM_THREADS=2 \
      /usr/bin/python3 torch_bench.py bench --threads 2 --repeats 5
  ... torch_bench.py gemm  --threads 2 --repeats 5
  ... torch_bench.py train --threads 2 --epochs 1 --nets mnist_cnn
  ... torch_bench.py export --nets mnist_cnn resnet18 --out DIR   (ONNX models for the ort side)

Every measured quantity is printed as a line 'JSON {...}' with "side": "torch", in the schema that
Cnn.Compare's report reads (median, min, max, n, all over the timed repeats).
"""
import argparse
import gzip
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


# --------------------------------------------------------------------------
# networks (as in the reference script)
# --------------------------------------------------------------------------
def mnist_cnn():
    # PyTorch-tutorial MNIST CNN (conv->pool->relu twice, 2 FC), Cnn's samples/FashionMnist MnistNet
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(),
        nn.Conv2d(32, 64, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(),
        nn.Flatten(),
        nn.Linear(3136, 128), nn.ReLU(),
        nn.Linear(128, 10), nn.LogSoftmax(dim=1),
    )


def lenet5():
    # Cnn.Models.LeNet5
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
    )


def alexnet_cifar():
    # Cnn.Models.CifarAlexNet
    return nn.Sequential(
        nn.Conv2d(3, 64, 4, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(64, 192, 4, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),
        nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Flatten(),
        nn.Dropout(0.5), nn.Linear(1024, 512), nn.ReLU(),
        nn.Dropout(0.5), nn.Linear(512, 256), nn.ReLU(),
        nn.Linear(256, 10),
    )


def resnet18():
    # Cnn.Models.ResNet18
    import torchvision
    return torchvision.models.resnet18()


NETS = {
    # name: (ctor, input shape CHW, loss, optimizer factory)
    "mnist_cnn": (mnist_cnn, (1, 28, 28), "nll", lambda p: torch.optim.Adam(p, lr=1e-3)),
    "lenet5": (lenet5, (1, 28, 28), "ce", lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9)),
    "alexnet_cifar": (alexnet_cifar, (3, 32, 32), "ce", lambda p: torch.optim.SGD(p, lr=0.008)),
    "resnet18": (resnet18, (3, 224, 224), "ce", lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9)),
}
# What runs without --nets: ResNet-18 needs its own batch sizes and step counts (run.sh passes them).
DEFAULT_NETS = ["mnist_cnn", "lenet5", "alexnet_cifar"]


def loss_fn(kind, out, y):
    return F.nll_loss(out, y) if kind == "nll" else F.cross_entropy(out, y)


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def loaded_libs():
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                p = line.split()[-1]
                if any(k in p for k in ("blas", "lapack", "dnnl", "mkl", "gomp")):
                    libs.add(os.path.realpath(p))
    except OSError:
        pass
    return sorted(libs)


def env_report():
    print(f"python {sys.version.split()[0]}  torch {torch.__version__}  numpy {np.__version__}")
    print(f"torch threads={torch.get_num_threads()} interop={torch.get_num_interop_threads()}"
          f"  mkldnn={torch.backends.mkldnn.is_available()}")
    print("loaded libs:", ", ".join(loaded_libs()))
    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "LD_LIBRARY_PATH"):
        if k in os.environ:
            print(f"  {k}={os.environ[k]}")
    emit({"metric": "environment", "torch": torch.__version__, "numpy": np.__version__,
          "threads": torch.get_num_threads(), "libs": loaded_libs()})
    blas = blas_report()
    print("BLAS:", "; ".join(f"{b.get('internal_api')} {b.get('version')} {b.get('threading_layer')}, "
                              f"kernel {b.get('architecture')}, {b.get('num_threads')} threads" for b in blas) or "unknown")
    emit({"metric": "blas", "threadpools": blas,
          "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"), "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE")})


def blas_report():
    """The BLAS libraries loaded, with the kernel (architecture) OpenBLAS chose, from threadpoolctl
    (Debian's python3-threadpoolctl); empty without it."""
    try:
        import threadpoolctl
    except ImportError:
        print("threadpoolctl is missing (apt-get install python3-threadpoolctl): the BLAS kernel is not recorded")
        return []
    keys = ("user_api", "internal_api", "version", "threading_layer", "architecture", "num_threads", "filepath")
    return [{k: p[k] for k in keys if k in p} for p in threadpoolctl.threadpool_info() if p.get("user_api") == "blas"]


def stats(xs):
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs),
            "n": len(xs), "all": [round(x, 4) for x in xs]}


def emit(rec):
    print("JSON " + json.dumps({"side": "torch", **rec}), flush=True)


def fmt(s, unit, prec=1):
    spread = (s["max"] - s["min"]) / s["median"] * 100 if s["median"] else 0.0
    return (f"median {s['median']:.{prec}f} {unit}  [min {s['min']:.{prec}f}, "
            f"max {s['max']:.{prec}f}, spread {spread:.1f}%, n={s['n']}]")


def forward_flops(model, chw):
    """2 * (conv MACs + linear MACs) for one image (biases, pools, activations ignored)."""
    macs = [0]

    def hook(mod, inp, out):
        if isinstance(mod, nn.Conv2d):
            kh, kw = mod.kernel_size
            macs[0] += out.numel() * (mod.in_channels // mod.groups) * kh * kw
        elif isinstance(mod, nn.Linear):
            macs[0] += out.numel() * mod.in_features

    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *chw))
    for h in hs:
        h.remove()
    return 2 * macs[0]


def peak_rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError("/proc/self/status has no VmHWM line")


# --------------------------------------------------------------------------
# 1. synthetic throughput / latency (the reference script's bench mode)
# --------------------------------------------------------------------------
def bench(args):
    torch.manual_seed(0)
    for name in args.nets:
        ctor, chw, lkind, optf = NETS[name]
        model = ctor()
        flops = forward_flops(model, chw)
        print(f"\n=== {name}: input {chw}, forward {flops/1e6:.2f} MFLOP/image")
        emit({"net": name, "metric": "fwd_flops_per_image", "value": flops})

        # ---- training throughput, batch 64
        bs = args.train_batch
        x = torch.randn(bs, *chw)
        y = torch.randint(0, 10, (bs,))
        model.train()
        opt = optf(model.parameters())

        def step():
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(lkind, model(x), y)
            loss.backward()
            opt.step()
            return loss

        for _ in range(args.warmup):
            step()
        ips = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            for _ in range(args.train_steps):
                step()
            ips.append(bs * args.train_steps / (time.perf_counter() - t0))
        s = stats(ips)
        print(f"train  bs={bs} ({args.train_steps} steps/repeat): {fmt(s, 'img/s')}")
        emit({"net": name, "metric": "train_img_per_s", "batch": bs, "threads": torch.get_num_threads(), **s})

        # ---- inference throughput, batch 256
        model.eval()
        bsi = args.infer_batch
        xi = torch.randn(bsi, *chw)
        with torch.no_grad():
            for _ in range(args.warmup):
                model(xi)
            ips = []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                for _ in range(args.infer_iters):
                    model(xi)
                ips.append(bsi * args.infer_iters / (time.perf_counter() - t0))
        s = stats(ips)
        print(f"infer  bs={bsi} ({args.infer_iters} iters/repeat): {fmt(s, 'img/s')}")
        emit({"net": name, "metric": "infer_img_per_s", "batch": bsi, "threads": torch.get_num_threads(), **s})

        # ---- batch-1 latency
        x1 = torch.randn(1, *chw)
        with torch.no_grad():
            for _ in range(50):
                model(x1)
            meds, p90s = [], []
            for _ in range(args.repeats):
                ts = []
                for _ in range(args.latency_iters):
                    t0 = time.perf_counter()
                    model(x1)
                    ts.append((time.perf_counter() - t0) * 1e6)
                ts.sort()
                meds.append(statistics.median(ts))
                p90s.append(ts[int(0.9 * len(ts))])
        s = stats(meds)
        print(f"latency bs=1 (median of {args.latency_iters} calls per repeat): {fmt(s, 'us')}"
              f"  p90(median over repeats) {statistics.median(p90s):.1f} us")
        emit({"net": name, "metric": "latency_bs1_us", "threads": torch.get_num_threads(),
              **s, "p90_median": statistics.median(p90s)})


# --------------------------------------------------------------------------
# 2. GEMM ceiling: numpy.dot and torch.mm on OpenBLAS
# --------------------------------------------------------------------------
def gemm(args):
    n = args.gemm_n
    flop = 2.0 * n ** 3
    a = torch.randn(n, n)
    b = torch.randn(n, n)
    an, bn = a.numpy().copy(), b.numpy().copy()
    # torch.set_num_threads() sets the OpenMP thread count of this process; the OpenMP build of
    # OpenBLAS (libopenblas0-openmp) follows it, for torch and numpy alike.
    for th in sorted({1, args.threads}):
        torch.set_num_threads(th)
        for lib, fn in (("torch_mm", lambda: torch.mm(a, b)), ("numpy_dot", lambda: np.dot(an, bn))):
            fn()  # warm-up
            g = []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                fn()
                g.append(flop / (time.perf_counter() - t0) / 1e9)
            s = stats(g)
            print(f"{lib} {n}x{n} fp32, threads={th}: {fmt(s, 'GFLOP/s', 2)}")
            emit({"metric": lib + "_gflops", "n": n, "threads": th, **s})
    torch.set_num_threads(args.threads)


# --------------------------------------------------------------------------
# 3. real Fashion-MNIST training, and the process's peak resident memory
# --------------------------------------------------------------------------
def load_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = int.from_bytes(data[0:4], "big") & 0xFF
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_fmnist(root):
    def imgs(p):
        x = load_idx(os.path.join(root, p)).astype(np.float32) / 255.0
        x = (x - 0.2860) / 0.3530
        return torch.from_numpy(x).unsqueeze(1).contiguous()

    def labs(p):
        return torch.from_numpy(load_idx(os.path.join(root, p)).astype(np.int64))

    return (imgs("train-images-idx3-ubyte.gz"), labs("train-labels-idx1-ubyte.gz"),
            imgs("t10k-images-idx3-ubyte.gz"), labs("t10k-labels-idx1-ubyte.gz"))


def evaluate(model, xt, yt, bs):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(xt), bs):
            correct += (model(xt[i:i + bs]).argmax(1) == yt[i:i + bs]).sum().item()
    return correct / len(xt)


def train(args):
    t0 = time.perf_counter()
    xtr, ytr, xte, yte = load_fmnist(args.data)
    print(f"loaded Fashion-MNIST train {tuple(xtr.shape)} test {tuple(xte.shape)} in {time.perf_counter()-t0:.2f}s")
    for name in args.nets:
        ctor, chw, lkind, optf = NETS[name]
        torch.manual_seed(1000)
        model = ctor()
        opt = optf(model.parameters())
        bs = args.train_batch
        for ep in range(args.epochs):
            model.train()
            perm = torch.randperm(len(xtr))
            t0 = time.perf_counter()
            tot, nb = 0.0, 0
            for i in range(0, len(xtr), bs):
                idx = perm[i:i + bs]
                xb, yb = xtr[idx], ytr[idx]
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(lkind, model(xb), yb)
                loss.backward()
                opt.step()
                tot += loss.item()
                nb += 1
            dt = time.perf_counter() - t0
            print(f"{name} epoch {ep+1}: {dt:.2f} s/epoch ({len(xtr)/dt:.0f} img/s), mean train loss {tot/nb:.4f}", flush=True)
            emit({"net": name, "metric": "fmnist_epoch", "epoch": ep + 1, "epoch_s": dt,
                  "train_loss": tot / nb, "threads": torch.get_num_threads()})
        print(f"{name}: test acc {evaluate(model, xte, yte, bs) * 100:.2f}%")
    rss = peak_rss_mib()
    print(f"peak RSS (VmHWM) {rss:.1f} MiB")
    emit({"net": "+".join(args.nets), "metric": "train_peak_rss_mib", "epochs": args.epochs, "value": rss})


def memory(args):
    """One torchvision network at 3x224x224: a few training steps (SGD momentum) or no_grad eval passes, then VmHWM."""
    import torchvision
    if len(args.nets) != 1 or args.nets[0] not in ("resnet18", "vgg16"):
        raise SystemExit("memory takes one network: --nets resnet18 or --nets vgg16")
    name = args.nets[0]
    torch.manual_seed(0)
    model = {"resnet18": torchvision.models.resnet18, "vgg16": torchvision.models.vgg16}[name]()
    train = args.phase == "train"
    bs = args.train_batch if train else args.infer_batch
    x = torch.rand(bs, 3, 224, 224) * 2 - 1
    y = torch.randint(0, 1000, (bs,))
    if train:
        model.train()
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        for _ in range(args.train_steps):
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(model(x), y).backward()
            opt.step()
    else:
        model.eval()
        with torch.no_grad():
            for _ in range(args.train_steps):
                model(x)
    rss = peak_rss_mib()
    print(f"{name} {args.phase} batch {bs}: peak RSS (VmHWM) {rss:.1f} MiB after {args.train_steps} steps")
    emit({"net": name, "metric": "peak_rss_mib", "phase": args.phase, "batch": bs, "steps": args.train_steps,
          "threads": torch.get_num_threads(), "value": rss})


# --------------------------------------------------------------------------
# 4. the networks as ONNX models, for the ONNX Runtime side (Cnn.Compare's ort mode)
# --------------------------------------------------------------------------
def export(args):
    """torch.onnx.export of each network in evaluation mode, opset 13, with a dynamic batch axis:
    input "x" [n, C, H, W], output "y" [n, classes]."""
    if not args.out:
        raise SystemExit("export needs --out DIR")
    os.makedirs(args.out, exist_ok=True)
    for name in args.nets:
        ctor, chw, _, _ = NETS[name]
        torch.manual_seed(0)
        model = ctor().eval()
        path = os.path.join(args.out, name + ".onnx")
        torch.onnx.export(model, torch.randn(1, *chw), path, input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "n"}, "y": {0: "n"}}, opset_version=13)
        print(f"exported {name} {chw} to {path}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["bench", "gemm", "train", "memory", "export"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--nets", nargs="+", default=DEFAULT_NETS, choices=list(NETS) + ["vgg16"])
    ap.add_argument("--phase", choices=["train", "infer"], default="train")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--train-batch", type=int, default=64)
    ap.add_argument("--train-steps", type=int, default=30)
    ap.add_argument("--infer-batch", type=int, default=256)
    ap.add_argument("--infer-iters", type=int, default=10)
    ap.add_argument("--latency-iters", type=int, default=300)
    ap.add_argument("--gemm-n", type=int, default=2048)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--out", help="export: the folder for the .onnx files")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    env_report()
    if args.mode == "export":
        export(args)
        return
    {"bench": bench, "gemm": gemm, "train": train, "memory": memory}[args.mode](args)


if __name__ == "__main__":
    main()
