#!/usr/bin/env python3
"""Side-by-side table of the runner's figures.json (Cnn) and torch_gpu_bench.py's JSON lines (PyTorch).

  python3 compare.py figures.json torch.log > comparison.md
The ratio is 'times better than PyTorch': Cnn/PyTorch for img/s, PyTorch/Cnn for latency.
"""
import json, sys

def main(figures_path, torch_path):
    with open(figures_path) as f: report = json.load(f)
    cnn = {(r["net"], r["metric"], r["batch"], r["mode"]): r["median"] for r in report.get("bench") or [] if "median" in r}
    torch, env = {}, {}
    try:
        with open(torch_path) as f:
            for line in f:
                if not line.startswith("JSON "): continue
                r = json.loads(line[5:])
                if "metric" in r: torch[(r["net"], r["metric"], r["batch"], r["mode"])] = r["median"]
                elif "torch" in r: env = r
    except FileNotFoundError:
        pass
    print(f"GPU: {report.get('device') or 'none'}; {report.get('library_versions', '')}; PyTorch: {env.get('torch', 'not run')}, CUDA {env.get('cuda', '-')}, cuDNN {env.get('cudnn', '-')}")
    print()
    print("| network | figure | batch | mode | Cnn | PyTorch | times better |")
    print("|---|---|---:|---|---:|---:|---:|")
    for key in sorted(set(cnn) | set(torch)):
        net, metric, batch, mode = key
        c, t = cnn.get(key), torch.get(key)
        ratio = "" if c is None or t is None else f"{(c / t if metric != 'latency_bs1_us' else t / c):.2f}×"
        fmt = lambda v: "–" if v is None else (f"{v:,.1f} µs" if metric == "latency_bs1_us" else f"{v:,.0f}")
        print(f"| {net} | {metric} | {batch} | {mode} | {fmt(c)} | {fmt(t)} | {ratio} |")

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
