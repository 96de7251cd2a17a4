#!/bin/sh
# `make wheel`'s platform wheel: builds it, installs it with pip into an empty directory,
# then checks, without CARECOORD_LIBRARY or LD_LIBRARY_PATH, that the package loads the
# libcarecoord.so.0 it carries, that the library resolves yaml-cpp and simdjson from the
# package directory (rpath $ORIGIN) rather than from the system, and that it evaluates an
# example patient with the rulesets the wheel ships (carecoord.default_rulesets()) as
# `carecoord eval` does with the repository's.
# Usage: wheel_test.sh BUILD_DIR SOURCE_DIR CARECOORD_CLI
set -eu
build=$1 src=$(cd "$2" && pwd) cli=$(command -v "$3" || echo "$3")
case "$cli" in /*) ;; *) cli=$(pwd)/$cli ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bash "$src/scripts/build-wheel.sh" "$build" "$tmp/dist"
wheel=$(ls "$tmp"/dist/carecoord-*-py3-none-linux_*.whl)
python3 -m pip install -q --no-deps --no-index --disable-pip-version-check --target "$tmp/site" "$wheel"
for f in py.typed rulesets/workflow/care-plan.yaml rulesets/intensity/intensity-v2.yaml rulesets/common/clinical.yaml; do
  [ -f "$tmp/site/carecoord/$f" ] || { echo "FAIL: the wheel has no carecoord/$f"; exit 1; }
done
pkg=$tmp/site/carecoord
status=0
for dep in libyaml-cpp libsimdjson; do
  where=$(env -u LD_LIBRARY_PATH ldd "$pkg/libcarecoord.so.0" | awk -v d="$dep" 'index($1, d) == 1 {print $3}')
  case "$where" in
    "$pkg"/*) echo "ok: $dep from the package ($where)" ;;
    *) echo "FAIL: $dep resolved to '$where', not inside the installed package"; status=1 ;;
  esac
done
if ! readelf -d "$pkg/libcarecoord.so.0" | grep -q 'R.*PATH.*\[\$ORIGIN\]'; then
  echo "FAIL: libcarecoord.so.0 has no \$ORIGIN rpath"; status=1
fi
patient=$src/examples/patients/dual_ltc_placement.json
expected=$("$cli" eval --rules "$src/rulesets" --as-of 2026-11-27 --format ndjson "$patient")
got=$(cd "$tmp" && env -u CARECOORD_LIBRARY -u LD_LIBRARY_PATH PYTHONPATH="$tmp/site" python3 -c '
import sys, carecoord, carecoord._native as n
assert n.lib._name.startswith(sys.argv[1]), n.lib._name
# The rulesets the wheel ships (carecoord.default_rulesets()), not the source tree.
rules = carecoord.default_rulesets()
assert rules == sys.argv[1] + "rulesets", rules
with carecoord.Engine.load(rules) as e:
    print(e.evaluate_batch_json([open(sys.argv[2]).read()], as_of="2026-11-27")[0])
' "$pkg/" "$patient")
if [ "$got" = "$expected" ]; then echo "ok: the installed wheel evaluates as carecoord eval"; else
  echo "FAIL: the installed wheel's determination differs from carecoord eval"; status=1; fi
exit $status
