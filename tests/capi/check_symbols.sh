#!/bin/sh
# The shared library exports exactly the functions declared in carecoord.h: nothing else
# (no C++ core, yaml-cpp, simdjson or libstdc++ symbols) and nothing missing.
# Usage: check_symbols.sh LIBRARY HEADER
set -eu
lib=$1
header=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Defined dynamic symbols; CARECOORD_0 is the version node of carecoord.map.
nm -D --defined-only "$lib" | awk '{print $NF}' | sed 's/@.*//' | grep -vx 'CARECOORD_0' | sort -u > "$tmp/exported"
grep '^CARECOORD_API' "$header" | grep -o 'carecoord_[a-z0-9_]*('  | tr -d '(' | sort -u > "$tmp/declared"

status=0
if grep -v '^carecoord_' "$tmp/exported" > "$tmp/foreign"; then
  echo "exported symbols without the carecoord_ prefix:"; cat "$tmp/foreign"; status=1
fi
if ! diff -u "$tmp/declared" "$tmp/exported"; then
  echo "the exported functions differ from those declared in carecoord.h (- declared only, + exported only)"
  status=1
fi
soname=$(readelf -d "$lib" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
case "$soname" in
  libcarecoord.so.[0-9]*) ;;
  *) echo "unexpected SONAME: $soname"; status=1 ;;
esac
[ $status -eq 0 ] && echo "ok: $(wc -l < "$tmp/exported") carecoord_ symbols, SONAME $soname"
exit $status
