#!/usr/bin/env bash
# The one command of a GPU machine's first call (it has no .NET): prints the environment, unpacks
# what prepare.sh made, runs every GPU check (each test class and network in its own process), the
# Fashion-MNIST epoch and the memory check among them, then the benchmark side by side with PyTorch.
# Writes under $OUT (at most 8 files come back): run.log, figures.json, checks.tar.gz (one log per
# check process), torch.log, comparison.md.
# Usage: bash .device/run.sh [runner options, e.g. --subset OperatorParityTests,ResNet18@32 | --check-only]
# Fallbacks without a rebuild: CNN_CUDA_CAPTURE_MODE=relaxed, CNN_CUDA_EXCLUDE_FFT_WINOGRAD=1.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-$PWD/cuda-run}
mkdir -p "$out"
exec > >(tee "$out/run.log") 2>&1
work=$(mktemp -d)

echo "== $(date -u +%FT%TZ) nvidia-smi"
nvidia-smi || echo "nvidia-smi: not available"
echo "== python3: $(command -v python3 || echo none)"
python3 -c 'import sys; print("sys.executable", sys.executable); print("sys.prefix", sys.prefix); print(sys.version)' || true
echo "== CUDA libraries known to the dynamic loader"
ldconfig -p | grep -E 'lib(cuda|cudnn|cublas|cublasLt|nvrtc)\.so' || echo "(none)"
echo "== CUDA libraries in Python's site-packages"
python3 - <<'PY' || true
import glob, site, sys
roots = set(site.getsitepackages() + [site.getusersitepackages()])
for root in sorted(roots):
    for path in sorted(glob.glob(f"{root}/nvidia/*/lib/lib*.so.*")):
        if any(k in path for k in ("cudnn.so", "cublas", "nvrtc.so", "cudart")): print(path)
PY

echo "== unpacking"
tar -C "$work" -xJf "$here/cuda-bin.tar.xz" || { echo "cannot unpack $here/cuda-bin.tar.xz"; exit 1; }
if [ -d "$here/fashion-mnist" ]; then
  mkdir -p "$work/fashion-mnist"
  cp "$here"/fashion-mnist/*.gz "$work/fashion-mnist/"
  python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' \
    "$here/fashion-mnist/train-images-idx3-ubyte.xz" "$work/fashion-mnist/train-images-idx3-ubyte"
  export CNN_FASHION_MNIST_DIR="$work/fashion-mnist"
fi

echo "== checks and benchmark (cnn-cuda-runner $*)"
"$work/cnn-cuda-runner" --out "$work/run" --timeout 240 "$@"
status=$?
cp "$work/run/figures.json" "$out/" 2>/dev/null
[ -d "$work/run/checks" ] && tar -C "$work/run" -czf "$out/checks.tar.gz" checks

if [ "$status" -ne 3 ] && [[ " $* " != *" --check-only "* ]]; then
  echo "== PyTorch on the same GPU"
  timeout 420 python3 "$here/torch_gpu_bench.py" 2>&1 | tee "$out/torch.log"
fi
if [ -f "$out/figures.json" ]; then
  python3 "$here/compare.py" "$out/figures.json" "$out/torch.log" > "$out/comparison.md" && cat "$out/comparison.md"
fi
echo "== runner exit code $status (0 passed, 1 a check failed, 3 no CUDA device)"
exit "$status"
