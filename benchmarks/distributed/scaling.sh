#!/usr/bin/env bash
# Data-parallel scaling on one machine: the tutorial network at a global batch of 64, as
# 1 rank x 2 threads (batch 64) against 2 ranks x 1 thread (batch 32 each), the latter with the one
# all-reduce after backward and with gradient buckets of 64 KiB started during backward, over Open MPI
# on loopback. Prints img/s and the time spent in all-reduce (with buckets: the part not overlapped).
# Each round runs every configuration once, alternating, so that a shared machine's load falls on all alike.
# Not a test: numbers depend on the machine.
# Usage: benchmarks/distributed/scaling.sh [steps per epoch, default 40] [rounds, default 1]
set -euo pipefail
cd "$(dirname "$0")/../.."
steps=${1:-40}
rounds=${2:-1}
dll=tests/Cnn.Distributed.Tests/bin/Release/net10.0/Cnn.Distributed.Tests.dll
[ -f "$dll" ] || { echo "Build it first: dotnet build tests/Cnn.Distributed.Tests -c Release"; exit 1; }
command -v mpirun >/dev/null || { echo "mpirun is missing: bash tests/prerequisites.sh installs Open MPI"; exit 1; }
run() { TERM=dumb mpirun --allow-run-as-root --oversubscribe --bind-to none -np "$1" dotnet "$dll" worker bench "$2" "$3" "$steps" "${@:4}" | grep '^ranks'; }
for ((round = 1; round <= rounds; round++)); do
  run 1 64 2
  run 2 32 1
  run 2 32 1 65536
  run 1 64 1
done
