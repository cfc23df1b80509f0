#!/usr/bin/env bash
# Cnn's fast CPU backend beside PyTorch 1.13 (OpenBLAS + oneDNN), 2 threads each, float32, the
# same networks and settings. Builds Cnn.Compare, then runs the two sides alternately, ROUNDS
# processes each (the order flips every round so neither always runs on a cooler machine), the
# SGEMM and peak-RSS runs, and finally the report: a table on stdout, results/comparison.json and
# results/comparison.png.
#
#   bash benchmarks/compare/run.sh                 # 3 rounds, about 10 minutes
#   ROUNDS=1 NETS="mnist_cnn lenet5" bash benchmarks/compare/run.sh
#
# Environment: ROUNDS (3), NETS (all three), THREADS (2), OUT (benchmarks/compare/results),
# RSS (1; 0 skips the peak-RSS run), RSS_EPOCHS (1), DATA (/usr/share/datasets/fashion-mnist), and CNN_BENCH_LOCK: a file that each
# timed process holds with flock, for machines where builds and benchmarks share a lock.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rounds=${ROUNDS:-3}
threads=${THREADS:-2}
nets=${NETS:-mnist_cnn lenet5 alexnet_cifar}
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
torch=(env LD_LIBRARY_PATH="$openblas" OMP_NUM_THREADS="$threads"
       /usr/bin/python3 "$here/torch_bench.py")

# Runs one side: its log goes to run.log, its JSON lines to results.jsonl.
side() {
  local name=$1; shift
  echo "  $name: $*"
  echo "### $name $*" >> "$log"
  "${lock[@]}" "$@" > "$out/last.txt" 2>&1 || { cat "$out/last.txt"; exit 1; }
  cat "$out/last.txt" >> "$log"
  grep '^JSON ' "$out/last.txt" | sed 's/^JSON //' >> "$results"
}

for round in $(seq 1 "$rounds"); do
  echo "round $round of $rounds"
  # shellcheck disable=SC2086
  if [ $((round % 2)) -eq 1 ]; then
    side cnn "${cnn[@]}" bench --threads "$threads" --nets $nets
    side torch "${torch[@]}" bench --threads "$threads" --nets $nets
    side cnn "${cnn[@]}" gemm --threads "$threads"
    side torch "${torch[@]}" gemm --threads "$threads"
  else
    side torch "${torch[@]}" bench --threads "$threads" --nets $nets
    side cnn "${cnn[@]}" bench --threads "$threads" --nets $nets
    side torch "${torch[@]}" gemm --threads "$threads"
    side cnn "${cnn[@]}" gemm --threads "$threads"
  fi
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
