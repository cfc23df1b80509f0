#!/usr/bin/env bash
# Prepares, on this (CPU) machine, everything one device `run` call needs, in the ignored folder
# .device/ at the repository root (name it in the call's `carry`):
#   cuda-bin.tar.xz      cnn-cuda-tests and cnn-cuda-runner, published self-contained for linux-x64
#                        into one folder (one .NET runtime for both; the GPU machine has no .NET)
#   fashion-mnist/       Debian's Fashion-MNIST, the training images recompressed with xz (22.6 MB, not 26.4)
#   run.sh, torch_gpu_bench.py, compare.py
# The whole must stay under the device tool's 64 MiB transfer cap; the script prints its size.
# Usage: bash tests/Cnn.Cuda.Runner/device/prepare.sh [--no-data]
set -euo pipefail
cd "$(dirname "$0")/../../.."
target=.device
data=/usr/share/datasets/fashion-mnist
rm -rf "$target"
mkdir -p "$target"
publish=$(mktemp -d)
trap 'rm -rf "$publish"' EXIT

for project in tests/Cnn.Cuda.Tests tests/Cnn.Cuda.Runner; do
  dotnet publish "$project" -c Release -r linux-x64 --self-contained -p:DebugType=none -p:PublishTrimmed=false \
    -p:SatelliteResourceLanguages=en -o "$publish" -nologo -v quiet
done
# Microsoft.NET.Test.Sdk brings code-coverage collectors for `dotnet test`; the executables need none of them.
rm -rf "$publish"/CodeCoverage "$publish"/{alpine,arm64,macos,ubuntu,x64,x86} "$publish"/Microsoft.CodeCoverage.* \
  "$publish"/Microsoft.VisualStudio.TraceDataCollector.dll "$publish"/Mono.Cecil*.dll "$publish"/Microsoft.DiaSymReader.dll
tar -C "$publish" -cf - . | xz -T2 -6 > "$target/cuda-bin.tar.xz"

if [ "${1:-}" != "--no-data" ]; then
  [ -d "$data" ] || { echo "Fashion-MNIST is not in $data: apt-get install dataset-fashion-mnist" >&2; exit 1; }
  mkdir -p "$target/fashion-mnist"
  cp "$data"/t10k-images-idx3-ubyte.gz "$data"/t10k-labels-idx1-ubyte.gz "$data"/train-labels-idx1-ubyte.gz "$target/fashion-mnist/"
  zcat "$data/train-images-idx3-ubyte.gz" | xz -T2 -9 > "$target/fashion-mnist/train-images-idx3-ubyte.xz"
fi
cp tests/Cnn.Cuda.Runner/device/run.sh benchmarks/gpu/torch_gpu_bench.py benchmarks/gpu/compare.py "$target/"

du -b "$target"/* "$target"/fashion-mnist/* 2>/dev/null | sort -n
total=$(( $(du -sb "$target" | cut -f1) + $(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1) ))
echo "carried with the working tree: $((total / 1048576)) MiB of the 64 MiB cap"
[ "$total" -lt $((64 * 1048576)) ] || { echo "over the device tool's 64 MiB cap" >&2; exit 1; }
