#!/usr/bin/env bash
# Builds the NuGet package of the .NET binding (`make nuget`): Carecoord.<version>.nupkg with
#   lib/net45/Carecoord.dll                the managed assembly (capi/dotnet/Carecoord.cs, by Mono's
#                                          mcs, whose profile is .NET Framework 4.5)
#   runtimes/linux-x64/native/libcarecoord.so and the libraries it links that a stock machine
#                                          lacks (yaml-cpp, simdjson), each with rpath $ORIGIN
# packed by Mono's nuget from capi/dotnet/Carecoord.nuspec. The .NET SDK's `dotnet pack` of
# capi/dotnet/Carecoord.csproj gives the same native layout with lib/netstandard2.0
# (docs/c-api.md); the SDK is not available here, so that path is not run.
# Usage: build-nuget.sh BUILD_DIR OUT_DIR
set -euo pipefail
build=$1 out=$2
src=$(cd "$(dirname "$0")/.." && pwd)
lib=$build/capi/libcarecoord.so.0
[ -e "$lib" ] || { echo "build-nuget.sh: $lib not built (make build)" >&2; exit 1; }
for tool in mcs nuget patchelf; do
  command -v $tool >/dev/null || { echo "build-nuget.sh: $tool missing (scripts/install-deps.sh dotnet wheel)" >&2; exit 1; }
done
version=$(sed -n 's/^#define CARECOORD_VERSION_STRING "\(.*\)"/\1/p' "$src/include/carecoord/version.hpp")
[ -n "$version" ] || { echo "build-nuget.sh: no version in include/carecoord/version.hpp" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/lib/net45" "$stage/runtimes/linux-x64/native" "$out"
mcs -nologo -warnaserror -optimize -target:library -out:"$stage/lib/net45/Carecoord.dll" "$src/capi/dotnet/Carecoord.cs"
native=$stage/runtimes/linux-x64/native
# DllImport("carecoord") looks for libcarecoord.so; the SONAME inside stays libcarecoord.so.0.
cp -L "$lib" "$native/libcarecoord.so"
while read -r name path; do
  case "$name" in
    libc.so*|libm.so*|libstdc++.so*|libgcc_s.so*|libpthread.so*|libdl.so*|librt.so*|ld-linux*|linux-vdso*) continue ;;
  esac
  [ -e "$path" ] || { echo "build-nuget.sh: $name not found" >&2; exit 1; }
  cp -L "$path" "$native/$name"
done < <(ldd "$lib" | awk '$2 == "=>" {print $1, $3}')
for f in "$native"/lib*.so*; do
  chmod 755 "$f"
  strip --strip-debug "$f"
  patchelf --set-rpath '$ORIGIN' "$f"
done
sed "s/@VERSION@/$version/" "$src/capi/dotnet/Carecoord.nuspec" > "$stage/Carecoord.nuspec"
rm -f "$out"/Carecoord.*.nupkg
(cd "$stage" && nuget pack Carecoord.nuspec -BasePath "$stage" -OutputDirectory "$out" -NoPackageAnalysis -NonInteractive) > "$stage/pack.log" 2>&1 \
  || { cat "$stage/pack.log"; exit 1; }
ls "$out/Carecoord.$version.nupkg"
