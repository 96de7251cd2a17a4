#!/bin/sh
# `make nuget`: builds the package, puts it in a local folder feed, installs it from there
# with Mono's nuget into a fresh folder, builds a consumer against the installed assembly
# only, and runs it with the installed native library (the .NET SDK finds
# runtimes/linux-x64/native/ by itself; mono is pointed at it with LD_LIBRARY_PATH).
# The expected output is the shared scenario worked by hand (tests/data/care-plan).
# Usage: nuget_test.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1 src=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bash "$src/scripts/build-nuget.sh" "$build" "$tmp/feed" > "$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; exit 1; }
version=$(sed -n 's/^#define CARECOORD_VERSION_STRING "\(.*\)"/\1/p' "$src/include/carecoord/version.hpp")
mkdir "$tmp/fresh"
# A config of its own: no machine-wide feeds, no network.
printf '<?xml version="1.0" encoding="utf-8"?>\n<configuration><packageSources><clear /></packageSources></configuration>\n' > "$tmp/NuGet.Config"
HOME=$tmp nuget install Carecoord -Version "$version" -Source "$tmp/feed" -OutputDirectory "$tmp/fresh" \
  -ConfigFile "$tmp/NuGet.Config" -NonInteractive > "$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; exit 1; }
pkg=$tmp/fresh/Carecoord.$version
for f in lib/net45/Carecoord.dll runtimes/linux-x64/native/libcarecoord.so; do
  [ -f "$pkg/$f" ] || { echo "FAIL: the installed package has no $f"; find "$pkg"; exit 1; }
done
mkdir "$tmp/app"
cp "$pkg/lib/net45/Carecoord.dll" "$tmp/app/"
mcs -nologo -warnaserror -r:"$tmp/app/Carecoord.dll" -out:"$tmp/app/Consumer.exe" "$src/tests/dotnet/nuget_consumer/Consumer.cs"
got=$(env -u CARECOORD_LIBRARY LD_LIBRARY_PATH="$pkg/runtimes/linux-x64/native" mono "$tmp/app/Consumer.exe" \
  "$src/rulesets" "$src/tests/data/care-plan/memorial-day-patient.json")
expected="library $version
state in_transition
task initial_assessment@2026-05-01T09:00 due 2026-05-15
task post_discharge_call@2026-05-22T15:00 due 2026-05-25T15:00
task tcm_interactive_contact@2026-05-22T15:00 due 2026-05-27"
if [ "$got" != "$expected" ]; then
  echo "FAIL: the consumer printed"; echo "$got"; echo "expected"; echo "$expected"; exit 1
fi
# The native library found its yaml-cpp and simdjson inside the package, not the system's.
for dep in libyaml-cpp libsimdjson; do
  where=$(env -u LD_LIBRARY_PATH ldd "$pkg/runtimes/linux-x64/native/libcarecoord.so" | awk -v d="$dep" 'index($1, d) == 1 {print $3}')
  case "$where" in
    "$pkg"/*) ;;
    *) echo "FAIL: $dep resolved to '$where', not inside the installed package"; exit 1 ;;
  esac
done
echo "ok: Carecoord.$version.nupkg installed from a folder feed; the consumer built against it runs"
