#!/usr/bin/env bash
# Installs what the tests need and a fresh machine lacks: Debian's Fashion-MNIST (data tests and the
# sample), PyTorch 1.13 (the parity tests), ONNX 1.12 (onnx.checker in the ONNX export tests) and Open MPI 4.1 (the data-parallel tests). Does nothing when all are present.
set -euo pipefail
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
packages=()
[ -d /usr/share/datasets/fashion-mnist ] || packages+=(dataset-fashion-mnist)
/usr/bin/python3 -c "import torch, torchvision" 2>/dev/null || packages+=(python3-torch python3-torchvision)
/usr/bin/python3 -c "import onnx" 2>/dev/null || packages+=(python3-onnx)
command -v mpirun >/dev/null && [ -e /usr/lib/x86_64-linux-gnu/libmpi.so.40 -o -e /usr/lib/aarch64-linux-gnu/libmpi.so.40 ] || packages+=(openmpi-bin libopenmpi3)
if [ ${#packages[@]} -gt 0 ]; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}"
fi
