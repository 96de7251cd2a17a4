#!/bin/sh
# Installs the build tree into a temporary prefix, then builds and runs a small C consumer
# against it twice, with pkg-config and with find_package(carecoord), and a C++ consumer of
# the C++ API twice, with pkg-config (carecoord-cpp) and with find_package's carecoord::cpp.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR C_COMPILER [CXX_COMPILER]
set -eu
build=$1
src=$2
cc=$3
cxx=${4:-c++}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

cmake --install "$build" --prefix "$prefix" > "$tmp/install.log"
test -f "$prefix/include/carecoord.h"
pc=$(find "$prefix" -name carecoord.pc)
config=$(find "$prefix" -name carecoordConfig.cmake)
test -n "$pc" && test -n "$config"
libdir=$(dirname "$(dirname "$pc")")
# The C header and the public C++ headers, never the core's internal ones (src/).
test -f "$prefix/include/carecoord/engine.hpp" && test -f "$prefix/include/carecoord/care_plan.hpp"
test ! -e "$prefix/include/engine/engine_state.hpp" && test ! -e "$prefix/include/carecoord/engine_state.hpp"
test -L "$libdir/libcarecoord.so" && test -e "$libdir/libcarecoord.so.0"
test -f "$libdir/libcarecoord-cpp.a"

echo "== pkg-config"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
pkg-config --exists carecoord
# shellcheck disable=SC2046
"$cc" -std=c99 -Wall -Wextra -pedantic -Werror "$src/tests/capi/install_consumer/consumer.c" \
  $(pkg-config --cflags --libs carecoord) -Wl,-rpath,"$libdir" -o "$tmp/consumer-pc"
"$tmp/consumer-pc" "$src/rulesets"

echo "== find_package"
cmake -S "$src/tests/capi/install_consumer" -B "$tmp/consumer-build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="-Wall -Wextra -pedantic -Werror" > "$tmp/configure.log" \
  || { cat "$tmp/configure.log"; exit 1; }
cmake --build "$tmp/consumer-build" > "$tmp/build.log" || { cat "$tmp/build.log"; exit 1; }
"$tmp/consumer-build/consumer" "$src/rulesets"

# The C++ API: the shared care-plan scenario, the same lines the .NET consumer prints.
patient=$src/tests/data/care-plan/memorial-day-patient.json
version=$(sed -n 's/^#define CARECOORD_VERSION_STRING "\(.*\)"/\1/p' "$prefix/include/carecoord/version.hpp")
expected="library $version
state in_transition
task initial_assessment@2026-05-01T09:00 due 2026-05-15
task post_discharge_call@2026-05-22T15:00 due 2026-05-25T15:00
task tcm_interactive_contact@2026-05-22T15:00 due 2026-05-27"
check_cpp() {
  got=$("$1" "$src/rulesets" "$patient")
  [ "$got" = "$expected" ] || { echo "FAIL: $1 printed"; echo "$got"; exit 1; }
}
echo "== pkg-config carecoord-cpp"
pkg-config --exists carecoord-cpp
# shellcheck disable=SC2046
"$cxx" -Wall -Wextra -pedantic -Werror "$src/tests/capi/install_consumer_cpp/consumer.cpp" \
  $(pkg-config --cflags --libs carecoord-cpp) -o "$tmp/consumer-cpp-pc"
check_cpp "$tmp/consumer-cpp-pc"
echo "== [[nodiscard]]: dropping a Result does not compile with -Werror"
# shellcheck disable=SC2046
if "$cxx" -Werror -fsyntax-only $(pkg-config --cflags carecoord-cpp) "$src/tests/capi/install_consumer_cpp/discard.cpp" 2> "$tmp/discard.log"; then
  echo "FAIL: discard.cpp compiled: Result is not [[nodiscard]]"; exit 1
fi
grep -q "nodiscard\|unused-result\|warn_unused_result" "$tmp/discard.log" || { cat "$tmp/discard.log"; exit 1; }
echo "== find_package carecoord::cpp"
cmake -S "$src/tests/capi/install_consumer_cpp" -B "$tmp/consumer-cpp-build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_CXX_FLAGS="-Wall -Wextra -pedantic -Werror" > "$tmp/configure-cpp.log" \
  || { cat "$tmp/configure-cpp.log"; exit 1; }
cmake --build "$tmp/consumer-cpp-build" > "$tmp/build-cpp.log" || { cat "$tmp/build-cpp.log"; exit 1; }
check_cpp "$tmp/consumer-cpp-build/consumer"
echo "ok: C and C++ consumers built against the installed prefix both ways"
