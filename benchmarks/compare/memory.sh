#!/usr/bin/env bash
# Peak resident memory (VmHWM) of Cnn's CPU backend beside PyTorch 1.13, 2 threads each, one
# configuration per process, the two sides alternating:
#   ResNet-18 at 3×224×224, training (SGD with momentum) at batch 16 and 64
#   VGG-16 at 3×224×224, training at batch 8
#   ResNet-18 inference at batch 64 (PyTorch in eval() under no_grad)
#   one Fashion-MNIST epoch of the MNIST tutorial net (run.sh's peak-RSS run)
# Prints a table with the ratio Cnn/PyTorch and the targets (training ≤ 0.8×, inference ≤ 0.6×), and
# writes OUT/memory.jsonl (every JSON record) and OUT/memory.md (the table).
#
#   bash benchmarks/compare/memory.sh            # about 10 minutes on 2 cores
# Environment: THREADS (2), STEPS (3 training steps or inference passes), OUT (benchmarks/compare/results),
# DATA (/usr/share/datasets/fashion-mnist; the Fashion-MNIST row is skipped without it), CNN_BENCH_LOCK (as run.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
threads=${THREADS:-2}
steps=${STEPS:-3}
out=${OUT:-$here/results}
data=${DATA:-/usr/share/datasets/fashion-mnist}
mkdir -p "$out"
results=$out/memory.jsonl
log=$out/memory.log
: > "$results"
: > "$log"
lock=()
if [ -n "${CNN_BENCH_LOCK:-}" ]; then lock=(flock "$CNN_BENCH_LOCK"); fi

/usr/bin/python3 -c "import torch, torchvision" 2>/dev/null || { echo "PyTorch is missing: bash tests/prerequisites.sh installs it"; exit 1; }
echo "building Cnn.Compare (Release)..."
"${lock[@]}" dotnet build "$here/Cnn.Compare/Cnn.Compare.csproj" -c Release -nologo -v q >> "$log" 2>&1 \
  || { tail -30 "$log"; exit 1; }
cnn=(dotnet "$here/Cnn.Compare/bin/Release/net10.0/Cnn.Compare.dll")
openblas=/usr/lib/x86_64-linux-gnu/openblas-openmp
torch=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE LD_LIBRARY_PATH="$openblas" OMP_NUM_THREADS="$threads"
       /usr/bin/python3 "$here/torch_bench.py")

side() {
  local name=$1; shift
  echo "  $name: $*"
  echo "### $name $*" >> "$log"
  "${lock[@]}" "$@" > "$out/last.txt" 2>&1 || { cat "$out/last.txt"; exit 1; }
  cat "$out/last.txt" >> "$log"
  grep '^JSON ' "$out/last.txt" | sed 's/^JSON //' >> "$results"
}

configs=("resnet18 train 16" "resnet18 train 64" "vgg16 train 8" "resnet18 infer 64")
i=0
for config in "${configs[@]}"; do
  read -r net phase batch <<< "$config"
  args=(memory --threads "$threads" --nets "$net" --phase "$phase" --train-steps "$steps" --train-batch "$batch" --infer-batch "$batch")
  if [ $((i % 2)) -eq 0 ]; then side cnn "${cnn[@]}" "${args[@]}"; side torch "${torch[@]}" "${args[@]}"
  else side torch "${torch[@]}" "${args[@]}"; side cnn "${cnn[@]}" "${args[@]}"; fi
  i=$((i + 1))
done
if [ -d "$data" ]; then
  side cnn "${cnn[@]}" train --threads "$threads" --nets mnist_cnn --epochs 1 --data "$data"
  side torch "${torch[@]}" train --threads "$threads" --nets mnist_cnn --epochs 1 --data "$data"
fi

/usr/bin/python3 - "$results" <<'PY' | tee "$out/memory.md"
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
def key(r):
    if r["metric"] == "peak_rss_mib": return (r["net"], r["phase"], r["batch"])
    if r["metric"] == "train_peak_rss_mib": return ("mnist_cnn Fashion-MNIST epoch", "train", 64)
cells = {}
for r in rows:
    k = key(r)
    if k: cells.setdefault(k, {})[r["side"]] = r["value"]
print("| network | phase | batch | Cnn MiB | PyTorch MiB | Cnn / PyTorch | target | |")
print("|---|---|---:|---:|---:|---:|---:|---|")
for (net, phase, batch), v in cells.items():
    c, t = v.get("cnn"), v.get("torch")
    target = 0.8 if phase == "train" else 0.6
    ratio = c / t if c and t else None
    ok = "" if ratio is None else ("met" if ratio <= target else "MISS")
    fmt = lambda x: "–" if x is None else f"{x:,.0f}"
    print(f"| {net} | {phase} | {batch} | {fmt(c)} | {fmt(t)} | {'–' if ratio is None else f'{ratio:.2f}×'} | ≤ {target}× | {ok} |")
PY
