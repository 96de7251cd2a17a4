#!/bin/sh
# Installs the build tree into a temporary prefix, then builds and runs a small C consumer
# against it twice: with pkg-config and with find_package(carecoord).
# Usage: install_test.sh BUILD_DIR SOURCE_DIR C_COMPILER
set -eu
build=$1
src=$2
cc=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

cmake --install "$build" --prefix "$prefix" > "$tmp/install.log"
test -f "$prefix/include/carecoord.h"
pc=$(find "$prefix" -name carecoord.pc)
config=$(find "$prefix" -name carecoordConfig.cmake)
test -n "$pc" && test -n "$config"
libdir=$(dirname "$(dirname "$pc")")
# Only the C header is installed, never the C++ core's.
test ! -e "$prefix/include/carecoord/engine.hpp"
test -L "$libdir/libcarecoord.so" && test -e "$libdir/libcarecoord.so.0"

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
