#!/bin/sh
# Compares the built libcarecoord.so with the committed ABI baseline
# (capi/abi/libcarecoord.so.0.abi, from abidw over the interfaces of carecoord.h).
# Incompatible changes (removed or changed functions, changed types) fail; additions are
# compatible and only reported.
# Usage: check_abi.sh LIBRARY SOURCE_DIR            check
#        check_abi.sh LIBRARY SOURCE_DIR --update   rewrite the baseline (with a reason in the commit)
set -eu
lib=$1 src=$2
baseline=$src/capi/abi/libcarecoord.so.0.abi
set -- "${3:-}"
opts="--no-show-locs --exported-interfaces-only"
if [ "$1" = "--update" ]; then
  # shellcheck disable=SC2086
  abidw $opts --no-corpus-path --no-comp-dir-path --drop-undefined-syms --headers-dir "$src/capi" \
    --drop-private-types --out-file "$baseline" "$lib"
  echo "wrote $baseline"
  exit 0
fi
status=0
# shellcheck disable=SC2086
abidiff $opts --headers-dir2 "$src/capi" --drop-private-types "$baseline" "$lib" || status=$?
# abidiff status bits: 1 error, 2 usage error, 4 ABI change, 8 incompatible ABI change.
if [ $((status & 11)) -ne 0 ]; then
  echo "ABI check failed (abidiff status $status): an incompatible change needs a new major version (SONAME)"
  exit 1
fi
[ $((status & 4)) -ne 0 ] && echo "compatible additions (refresh the baseline with --update when releasing)"
echo "ok: ABI compatible with $(basename "$baseline")"
