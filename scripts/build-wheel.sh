#!/usr/bin/env bash
# Builds the platform wheel of the Python package (`make wheel`): the carecoord package
# with libcarecoord.so.0 and the shared libraries it links that a stock machine lacks
# (yaml-cpp, simdjson), each given the rpath $ORIGIN so that they find one another inside
# the installed package. Installs with `pip install` on a machine without a compiler.
# Usage: build-wheel.sh BUILD_DIR OUT_DIR
set -euo pipefail
build=$1 out=$2
src=$(cd "$(dirname "$0")/.." && pwd)
lib=$build/capi/libcarecoord.so.0
[ -e "$lib" ] || { echo "build-wheel.sh: $lib not built (make build)" >&2; exit 1; }
command -v patchelf >/dev/null || { echo "build-wheel.sh: patchelf missing (scripts/install-deps.sh wheel)" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$out"
cp -r "$src/capi/python/pyproject.toml" "$src/capi/python/README.md" "$src/capi/python/_build" "$stage/"
mkdir -p "$stage/carecoord"
cp "$src"/capi/python/carecoord/*.py "$src/capi/python/carecoord/py.typed" "$stage/carecoord/"
# The default rulesets, so that a pip-only user has something to load:
# carecoord.default_rulesets() returns this directory.
cp -r "$src/rulesets" "$stage/carecoord/rulesets"
cp -L "$lib" "$stage/carecoord/libcarecoord.so.0"

# The libraries to bundle: those libcarecoord links that are not part of a base system
# (glibc, libstdc++, libgcc_s). Found where the dynamic linker finds them here.
bundled=()
while read -r name path; do
  case "$name" in
    libc.so*|libm.so*|libstdc++.so*|libgcc_s.so*|libpthread.so*|libdl.so*|librt.so*|ld-linux*|linux-vdso*) continue ;;
  esac
  [ -e "$path" ] || { echo "build-wheel.sh: $name not found" >&2; exit 1; }
  cp -L "$path" "$stage/carecoord/$name"
  bundled+=("$name")
done < <(ldd "$lib" | awk '$2 == "=>" {print $1, $3}')
for f in "$stage"/carecoord/lib*.so*; do
  chmod 755 "$f"
  strip --strip-debug "$f"  # the build keeps -g for the ABI check; the wheel does not need it
  patchelf --set-rpath '$ORIGIN' "$f"
done
find "$stage" -name __pycache__ -prune -exec rm -rf {} +
rm -f "$out"/carecoord-*.whl
python3 -m pip wheel -q --no-deps --no-build-isolation --disable-pip-version-check -w "$out" "$stage"
echo "bundled: libcarecoord.so.0 ${bundled[*]}"
ls "$out"/carecoord-*.whl
