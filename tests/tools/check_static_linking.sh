#!/usr/bin/env bash
# Fails unless every binary given depends only on the C library family and NVRTC: MLIR,
# LLVM, Boost, SQLite, fmt and libstdc++ must be linked in statically, and the CUDA driver
# is loaded at run time (dlopen), so the binaries run unchanged on the GPU machine.
set -uo pipefail
allowed='^(libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|ld-linux-x86-64\.so\.2|libnvrtc\.so\.13)$'
status=0
for bin in "$@"; do
  needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  echo "$bin needs: $(echo $needed)"
  for lib in $needed; do
    if ! [[ $lib =~ $allowed ]]; then
      echo "error: $bin links $lib dynamically; only libc and libnvrtc may be" >&2
      status=1
    fi
  done
  if ldd "$bin" | grep -q "not found"; then
    echo "error: $bin has unresolved libraries:" >&2; ldd "$bin" | grep "not found" >&2
    status=1
  fi
done
exit $status
