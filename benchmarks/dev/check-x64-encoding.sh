#!/usr/bin/env bash
# Development check of X64Emitter: disassembles a generated kernel (raw bytes, e.g. written from
# Bf16Kernel.Emit(12, 2) with File.WriteAllBytes) with objdump, reassembles every instruction but the
# branches with GNU as, and fails on any instruction whose bytes differ. Needs binutils; tests do not.
# Usage: check-x64-encoding.sh kernel.bin
set -euo pipefail
bin=$1; work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
objdump -D --insn-width=16 -b binary -m i386:x86-64 -M suffix "$bin" | grep -P '^\s+[0-9a-f]+:\t' > "$work/listing"
bad=0; n=0
while IFS=$'\t' read -r _ bytes text; do
  case "$text" in j*|"(bad)"*) continue;; esac
  printf '.text\n%s\n' "$text" > "$work/one.s"
  as --64 -o "$work/one.o" "$work/one.s"
  expected=$(objcopy -O binary -j .text "$work/one.o" /dev/stdout | od -An -tx1 | tr -s ' \n' ' ' | sed 's/^ //;s/ $//')
  actual=$(echo "$bytes" | tr -s ' ' ' ' | sed 's/^ //;s/ $//')
  n=$((n+1))
  if [ "$expected" != "$actual" ]; then echo "MISMATCH: $text: emitted [$actual], as [$expected]"; bad=1; fi
done < "$work/listing"
echo "$n instructions checked"; exit $bad
