#!/usr/bin/env bash
# Installs what the tests need and a fresh machine lacks: Debian's Fashion-MNIST (data tests and the
# sample) and PyTorch 1.13 (the parity tests). Does nothing when both are present.
set -euo pipefail
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
packages=()
[ -d /usr/share/datasets/fashion-mnist ] || packages+=(dataset-fashion-mnist)
/usr/bin/python3 -c "import torch, torchvision" 2>/dev/null || packages+=(python3-torch python3-torchvision)
if [ ${#packages[@]} -gt 0 ]; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}"
fi
