#!/usr/bin/env python3
"""PyTorch's side of the GPU comparison with Cnn's CUDA backend (tests/Cnn.Cuda.Runner's benchmark).

Same networks, names and figures as the runner (float32, NCHW, TF32 off unless --tf32):
  mnist_cnn      the PyTorch MNIST tutorial CNN at 1x28x28
  alexnet_cifar  the CIFAR AlexNet-like net at 3x32x32
  resnet18_32    torchvision's ResNet-18 at 3x32x32, 10 classes
  resnet18_224   torchvision's ResNet-18 at 3x224x224, 1000 classes
Per network: training img/s at batch 64 and 256 (SGD momentum 0.9, cross-entropy), eagerly and
replayed as a CUDA graph; inference img/s at batch 256 (eval, no_grad); batch-1 latency (forward
and copying the output to the host), eagerly and as a CUDA graph. Each figure is the median of
--repeats timed runs after a warm-up.

  python3 torch_gpu_bench.py [--nets mnist_cnn,resnet18_224] [--repeats 5] [--tf32]
Prints a table and one 'JSON {...}' line per figure. Derived from shared/reference/torch_gpu_bench.py,
with ResNet-18 at 224x224, graph-replayed training and the names the runner uses.
"""
import argparse, json, statistics, sys, time

def emit(**kw): print("JSON " + json.dumps(kw), flush=True)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nets", default="mnist_cnn,alexnet_cifar,resnet18_32,resnet18_224")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--tf32", action="store_true")
    a = ap.parse_args()
    import torch, torch.nn as nn, torch.nn.functional as F, torchvision
    if not torch.cuda.is_available():
        print("no CUDA device: torch.cuda.is_available() is False; PyTorch side skipped")
        emit(error="no CUDA device", torch=torch.__version__)
        return 0

    def mnist_cnn():
        return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(),
                             nn.Conv2d(32, 64, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(),
                             nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))

    def alexnet_cifar():
        return nn.Sequential(
            nn.Conv2d(3, 64, 4, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2),
            nn.Conv2d(64, 192, 4, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2),
            nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(), nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),
            nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2), nn.Flatten(),
            nn.Dropout(0.5), nn.Linear(1024, 512), nn.ReLU(), nn.Dropout(0.5), nn.Linear(512, 256), nn.ReLU(),
            nn.Linear(256, 10))

    nets = {"mnist_cnn": (mnist_cnn, (1, 28, 28), 10), "alexnet_cifar": (alexnet_cifar, (3, 32, 32), 10),
            "resnet18_32": (lambda: torchvision.models.resnet18(num_classes=10), (3, 32, 32), 10),
            "resnet18_224": (lambda: torchvision.models.resnet18(num_classes=1000), (3, 224, 224), 1000)}

    def timed(fn, iters):
        out = []
        for _ in range(a.repeats):
            torch.cuda.synchronize(); t = time.perf_counter()
            for _ in range(iters): fn()
            torch.cuda.synchronize(); out.append((time.perf_counter() - t) / iters)
        return out

    def graphed(fn):
        g = torch.cuda.CUDAGraph(); s = torch.cuda.Stream(); s.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(s):
            for _ in range(3): fn()
        torch.cuda.current_stream().wait_stream(s)
        with torch.cuda.graph(g): fn()
        return g

    torch.backends.cuda.matmul.allow_tf32 = a.tf32; torch.backends.cudnn.allow_tf32 = a.tf32
    torch.backends.cudnn.benchmark = True
    dev = torch.device("cuda")
    print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}, {torch.cuda.get_device_name(0)}, tf32 {a.tf32}")
    emit(torch=torch.__version__, cuda=torch.version.cuda, cudnn=torch.backends.cudnn.version(), device=torch.cuda.get_device_name(0))
    for name in a.nets.split(","):
        ctor, chw, classes = nets[name]
        model = ctor().to(dev)
        for bs in (64, 256):
            opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
            x = torch.randn(bs, *chw, device=dev); y = torch.randint(0, classes, (bs,), device=dev); model.train()
            def step():
                opt.zero_grad(set_to_none=False); F.cross_entropy(model(x), y).backward(); opt.step()
            for _ in range(10): step()
            iters = 50 if name != "resnet18_224" else 10
            eager = statistics.median(bs / t for t in timed(step, iters))
            g = graphed(step)
            graph = statistics.median(bs / t for t in timed(g.replay, iters))
            emit(net=name, metric="train_img_per_s", batch=bs, mode="eager", median=eager)
            emit(net=name, metric="train_img_per_s", batch=bs, mode="cuda_graph", median=graph)
            print(f"{name:14s} train bs{bs:<4d} eager {eager:12,.0f} img/s   graph {graph:12,.0f} img/s")
        model.eval(); x = torch.randn(256, *chw, device=dev)
        with torch.no_grad():
            for _ in range(10): model(x)
            infer = statistics.median(256 / t for t in timed(lambda: model(x), 50 if name != "resnet18_224" else 10))
        emit(net=name, metric="infer_img_per_s", batch=256, mode="eager", median=infer)
        print(f"{name:14s} infer bs256 {infer:12,.0f} img/s")
        x1 = torch.randn(1, *chw, device=dev)
        with torch.no_grad():
            for _ in range(20): model(x1).cpu()
            lat = statistics.median(t * 1e6 for t in timed(lambda: model(x1).cpu(), 200))
            out1 = torch.empty(1, classes, device=dev)
            g = graphed(lambda: out1.copy_(model(x1)))
            latg = statistics.median(t * 1e6 for t in timed(lambda: (g.replay(), out1.cpu()), 200))
        emit(net=name, metric="latency_bs1_us", batch=1, mode="eager", median=lat)
        emit(net=name, metric="latency_bs1_us", batch=1, mode="cuda_graph", median=latg)
        print(f"{name:14s} latency bs1 eager {lat:8.1f} us   graph {latg:8.1f} us")
    return 0

if __name__ == "__main__":
    sys.exit(main())
