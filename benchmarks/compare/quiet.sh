#!/usr/bin/env bash
# Runs its arguments once no other build or test is busy on this machine (waits up to 10 minutes):
# on a shared two-core machine a concurrent build halves a benchmark's figures. Only running
# dotnet processes count, not commands queued behind a lock (flock ... dotnet build).
for _ in $(seq 1 300); do
  busy=$(pgrep -f '^(/usr/share/dotnet/)?dotnet (build|test|run)|MSBuild\.dll|testhost|VBCSCompiler' || true)
  [ -z "$busy" ] && break
  sleep 2
done
exec "$@"
