#!/usr/bin/env bash
# Cnn's fast CPU backend beside PyTorch 1.13 (OpenBLAS + oneDNN) and ONNX Runtime 1.31 (CPU execution
# provider, every graph optimisation, on the networks exported from torch_bench.py by torch.onnx),
# 2 threads each, float32, the same networks and settings. Builds Cnn.Compare, exports the ONNX
# models to a temporary folder, then runs the three sides in turn, ROUNDS processes each (the order
# rotates every round so that no side always runs on a cooler machine), the FMA peak probe, the
# SGEMM and peak-RSS runs, and finally the report: a table on stdout, results/comparison.md,
# results/comparison.json and results/comparison.png.
#
#   bash benchmarks/compare/run.sh                 # 3 rounds
#   ROUNDS=1 NETS="mnist_cnn lenet5" RSS=0 bash benchmarks/compare/run.sh
#
# Environment: ROUNDS (3), NETS ("mnist_cnn lenet5 alexnet_cifar resnet18"), THREADS (2), OUT
# (benchmarks/compare/results), RSS (1; 0 skips the peak-RSS run), RSS_EPOCHS (1), DATA
# (/usr/share/datasets/fashion-mnist), RESNET_STEPS (2 training steps and inference passes per timed
# repeat of ResNet-18, at batch 32), RESNET_REPEATS (3), and CNN_BENCH_LOCK: a file that each timed
# process holds with flock, for machines where builds and benchmarks share a lock.
#
# PyTorch runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset, so that OpenBLAS picks its own
# kernel for this CPU (with OPENBLAS_CORETYPE=Haswell it runs AVX2 kernels); the kernel it ran is
# recorded (threadpoolctl) and shown in the report. Only the PyTorch processes get this.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rounds=${ROUNDS:-3}
threads=${THREADS:-2}
nets=${NETS:-mnist_cnn lenet5 alexnet_cifar resnet18}
out=${OUT:-$here/results}
data=${DATA:-/usr/share/datasets/fashion-mnist}
mkdir -p "$out"
results=$out/results.jsonl
log=$out/run.log
: > "$results"
: > "$log"

lock=()
if [ -n "${CNN_BENCH_LOCK:-}" ]; then lock=(flock "$CNN_BENCH_LOCK"); fi

# PyTorch's fast CPU path: without libopenblas0-openmp, numpy and torch fall back to Debian's
# reference BLAS (about 5 GFLOP/s) and the comparison would flatter Cnn, so install what is missing.
openblas=/usr/lib/x86_64-linux-gnu/openblas-openmp
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
packages=()
[ -e "$openblas/libblas.so.3" ] || packages+=(libopenblas0-openmp)
/usr/bin/python3 -c "import torch" 2>/dev/null || packages+=(python3-torch)
/usr/bin/python3 -c "import torchvision" 2>/dev/null || packages+=(python3-torchvision)
/usr/bin/python3 -c "import threadpoolctl" 2>/dev/null || packages+=(python3-threadpoolctl)
if [ ${#packages[@]} -gt 0 ]; then
  echo "installing ${packages[*]}..."
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >> "$log" 2>&1
fi
[ -e "$openblas/libblas.so.3" ] || { echo "no OpenBLAS (OpenMP) at $openblas: PyTorch would run on the reference BLAS"; exit 1; }

echo "building Cnn.Compare (Release)..."
"${lock[@]}" dotnet build "$here/Cnn.Compare/Cnn.Compare.csproj" -c Release -nologo -v q >> "$log" 2>&1 \
  || { tail -30 "$log"; exit 1; }
cnn=(dotnet "$here/Cnn.Compare/bin/Release/net10.0/Cnn.Compare.dll")
# torch.set_num_threads(threads) inside; OMP_NUM_THREADS for OpenMP's own pool and numpy's OpenBLAS.
torch=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE LD_LIBRARY_PATH="$openblas" OMP_NUM_THREADS="$threads"
       /usr/bin/python3 "$here/torch_bench.py")

# The ONNX Runtime side's models: torch_bench.py's networks through torch.onnx, in a temporary folder.
models=$(mktemp -d)
trap 'rm -rf "$models"' EXIT
echo "exporting $nets to ONNX..."
"${torch[@]}" export --threads "$threads" --nets $nets --out "$models" >> "$log" 2>&1 \
  || { tail -30 "$log"; exit 1; }
ort=("${cnn[@]}" ort --models "$models")

# ResNet-18 runs in processes of its own, at batch 32 and with few steps: a training step takes
# seconds on 2 cores. The small networks keep torch_bench.py's defaults.
small=() resnet=()
for net in $nets; do
  if [ "$net" = resnet18 ]; then resnet=(resnet18); else small+=("$net"); fi
done
resnet_steps=${RESNET_STEPS:-2}
resnet_flags=(--train-batch 32 --infer-batch 32 --warmup 1 --repeats "${RESNET_REPEATS:-3}"
              --train-steps "$resnet_steps" --infer-iters "$resnet_steps" --latency-iters 10)

# Runs one side: its log goes to run.log, its JSON lines to results.jsonl.
side() {
  local name=$1; shift
  echo "  $name: $*"
  echo "### $name $*" >> "$log"
  "${lock[@]}" "$@" > "$out/last.txt" 2>&1 || { cat "$out/last.txt"; exit 1; }
  cat "$out/last.txt" >> "$log"
  grep '^JSON ' "$out/last.txt" | sed 's/^JSON //' >> "$results"
}

# One side's bench processes: the small networks, then ResNet-18 (ONNX Runtime: inference only).
bench_side() {
  local name=$1; shift
  if [ ${#small[@]} -gt 0 ]; then side "$name" "$@" --threads "$threads" --nets "${small[@]}"; fi
  if [ ${#resnet[@]} -gt 0 ]; then side "$name" "$@" --threads "$threads" --nets "${resnet[@]}" "${resnet_flags[@]}"; fi
}

sides=(cnn torch ort)
for round in $(seq 1 "$rounds"); do
  started=$SECONDS
  echo "round $round of $rounds"
  for i in 0 1 2; do
    case ${sides[$(((round - 1 + i) % 3))]} in
      cnn) bench_side cnn "${cnn[@]}" bench ;;
      torch) bench_side torch "${torch[@]}" bench ;;
      ort) bench_side ort "${ort[@]}" ;;
    esac
  done
  side cnn "${cnn[@]}" peak --threads "$threads"
  if [ $((round % 2)) -eq 1 ]; then
    side cnn "${cnn[@]}" gemm --threads "$threads"
    side torch "${torch[@]}" gemm --threads "$threads"
  else
    side torch "${torch[@]}" gemm --threads "$threads"
    side cnn "${cnn[@]}" gemm --threads "$threads"
  fi
  echo "round $round took $((SECONDS - started)) s"
done

if [ "${RSS:-1}" = 0 ]; then
  echo "RSS=0: skipping the peak-RSS run"
elif [ -d "$data" ]; then
  echo "peak RSS: one Fashion-MNIST training epoch of mnist_cnn on each side"
  side cnn "${cnn[@]}" train --threads "$threads" --nets mnist_cnn --epochs "${RSS_EPOCHS:-1}" --data "$data"
  side torch "${torch[@]}" train --threads "$threads" --nets mnist_cnn --epochs "${RSS_EPOCHS:-1}" --data "$data"
else
  echo "no Fashion-MNIST at $data (apt-get install dataset-fashion-mnist): skipping the peak-RSS run"
fi
rm -f "$out/last.txt"

"${cnn[@]}" report --results "$results" --out "$out"
