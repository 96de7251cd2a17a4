#!/bin/sh
# The test tooling (src/testing: popgen, the test-case runner) is a library of its own,
# carecoord_testing: neither libcarecoord.so nor the installed C++ archive carries any of it.
# Reads the full symbol tables (nm without -D: local symbols too, which the tooling's would be
# in the shared library, its visibility being hidden).
# Usage: check_no_testing.sh LIBCARECOORD_SO LIBCARECOORD_CPP_A LIBCARECOORD_TESTING_A
set -eu
status=0
for lib in "$1" "$2"; do
  n=$(nm -C --defined-only "$lib" 2>/dev/null | grep -c 'carecoord::testing::' || true)
  if [ "$n" -ne 0 ]; then
    echo "$lib defines $n symbol(s) of carecoord::testing:"
    nm -C --defined-only "$lib" | grep 'carecoord::testing::' | head -5
    status=1
  fi
done
# The other side: the tooling's own library does define them (so the grep above can match).
if [ "$(nm -C --defined-only "$3" | grep -c 'carecoord::testing::run_tests')" -eq 0 ]; then
  echo "$3 does not define carecoord::testing::run_tests: the check above proves nothing"
  status=1
fi
[ $status -eq 0 ] && echo "ok: no carecoord::testing symbol in $(basename "$1") or $(basename "$2")"
exit $status
