"""What the CLI test scripts share (cli_tests.py, workbench_tests.py): running the tool,
checks that collect failures instead of stopping at the first, and the main that runs one
test by name. Standard library only."""
import subprocess
import sys

#: Set by the script from its arguments before any test runs.
CARECOORD = ""
SOURCE = ""
failures = []


def run(*args, cwd=None, stdin=None, prog=None):
    p = subprocess.run([prog or CARECOORD, *args], cwd=cwd or SOURCE, input=stdin, capture_output=True, text=True,
                       timeout=120)
    return p.returncode, p.stdout, p.stderr


def check(cond, what):
    if not cond:
        failures.append(what)


def contains(text, needle, where):
    check(needle in text, f"{where}: expected to contain {needle!r}\n--- got ---\n{text}")


def expect_rc(rc, want, what, out="", err=""):
    check(rc == want, f"{what}: exit status {rc}, expected {want}\n--- stdout ---\n{out}\n--- stderr ---\n{err}")


def main(name, namespace):
    """Runs the test `name` among the test_* functions of `namespace`; the exit status."""
    tests = {n[5:]: fn for n, fn in namespace.items() if n.startswith("test_")}
    if name not in tests:
        print(f"unknown test {name}; known: {', '.join(sorted(tests))}")
        sys.exit(2)
    tests[name]()
    for f in failures:
        print("FAILED:", f, "\n")
    print(f"{name}: {'FAIL' if failures else 'ok'}")
    sys.exit(1 if failures else 0)
