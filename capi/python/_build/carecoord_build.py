"""A PEP 517 build backend in the tree, so that `pip install ./capi/python` needs nothing
from a package index (no setuptools, no wheel): the package is pure Python, and a wheel is
a zip file with a .dist-info directory. Used only to build the carecoord package.

When shared libraries sit in the package directory (`make wheel` stages a copy of the
package with libcarecoord.so.0 and the libraries it links: scripts/build-wheel.sh), the
wheel is a platform wheel (py3-none-linux_x86_64, not purelib) that carries them."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import sysconfig
import tarfile
import zipfile

NAME = "carecoord"
VERSION = "0.2.0"
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PURE_TAG = "py3-none-any"


def _platform_tag() -> str:
    return "py3-none-" + sysconfig.get_platform().replace("-", "_").replace(".", "_")

METADATA = f"""Metadata-Version: 2.1
Name: {NAME}
Version: {VERSION}
Summary: Care-coordination rules engine: Python bindings over libcarecoord (ctypes, no compiler needed)
Requires-Python: >=3.8
Classifier: Programming Language :: Python :: 3
Classifier: Typing :: Typed
Provides-Extra: cds-hooks
Requires-Dist: starlette==1.10.0; extra == "cds-hooks"
Requires-Dist: uvicorn==0.54.0; extra == "cds-hooks"
Requires-Dist: PyJWT==2.15.1; extra == "cds-hooks"
Requires-Dist: cryptography==48.0.0; extra == "cds-hooks"
Requires-Dist: httpx==0.28.1; extra == "cds-hooks"
"""



def _wheel_file(tag: str) -> str:
    return f"""Wheel-Version: 1.0
Generator: carecoord_build
Root-Is-Purelib: {"true" if tag == PURE_TAG else "false"}
Tag: {tag}
"""


def _is_library(name: str) -> bool:
    return name.startswith("lib") and ".so" in name


def _package_files():
    root = os.path.join(HERE, NAME)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for f in sorted(filenames):
            # .yaml/.yml: the default rulesets that `make wheel` stages in carecoord/rulesets.
            if f.endswith((".py", ".typed", ".yaml", ".yml")) or _is_library(f):
                full = os.path.join(dirpath, f)
                yield full, os.path.relpath(full, HERE).replace(os.sep, "/")


def _record_line(arcname: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{arcname},sha256={digest},{len(data)}"


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    dist_info = f"{NAME}-{VERSION}.dist-info"
    files = list(_package_files())
    tag = _platform_tag() if any(_is_library(os.path.basename(a)) for _, a in files) else PURE_TAG
    filename = f"{NAME}-{VERSION}-{tag}.whl"
    records = []
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w", zipfile.ZIP_DEFLATED) as z:
        def add(arcname: str, data: bytes) -> None:
            z.writestr(arcname, data)
            records.append(_record_line(arcname, data))

        for full, arcname in files:
            with open(full, "rb") as f:
                data = f.read()
            # Keep the executable bit of the shared libraries.
            info = zipfile.ZipInfo(arcname, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (os.stat(full).st_mode & 0o777) << 16
            z.writestr(info, data)
            records.append(_record_line(arcname, data))
        add(f"{dist_info}/METADATA", METADATA.encode())
        add(f"{dist_info}/WHEEL", _wheel_file(tag).encode())
        add(f"{dist_info}/top_level.txt", f"{NAME}\n".encode())
        records.append(f"{dist_info}/RECORD,,")
        z.writestr(f"{dist_info}/RECORD", "\n".join(records) + "\n")
    return filename


def build_sdist(sdist_directory, config_settings=None):
    base = f"{NAME}-{VERSION}"
    filename = f"{base}.tar.gz"
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz") as t:
        for rel in ("pyproject.toml", "README.md", "_build/carecoord_build.py"):
            t.add(os.path.join(HERE, rel), f"{base}/{rel}")
        for full, arcname in _package_files():
            t.add(full, f"{base}/{arcname}")
        info = tarfile.TarInfo(f"{base}/PKG-INFO")
        data = METADATA.encode()
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    return filename
