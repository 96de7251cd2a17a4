#!/usr/bin/env python3
"""Mutation testing of the default rulesets (`make mutation`; docs/value-sets.md#mutation).

Applies one mutation at a time to a copy of the rulesets directory and runs
`carecoord test` on it; a mutant is killed when some case fails, survives when every case
still passes, and is invalid when the mutated rulesets do not load (`carecoord check`).

Mutations:
  param   a numeric parameter (a threshold, a count, a duration) moved by one unit, up and down
  cmp     a comparison in an expression flipped at its boundary (>= and >, <= and <) or negated
          (== and !=)
  entry   one code dropped from a value set (an include entry or an exclusion)
  rule    one tier rule, flag rule, program or trigger removed

Survivors named in the equivalents file (one mutant id and a reason per line, tab-separated)
are equivalent mutants: no input tells them apart from the original. The score is killed over
killed plus surviving non-equivalent mutants; the run fails below --min-score.

Usage: mutate-rulesets.py CARECOORD RULESETS [--equivalents FILE] [--jobs N] [--min-score 0.9]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile

SECTIONS_WITH_EXPRESSIONS = {"facts", "tiers", "flags", "programs", "triggers"}
TEXT_KEYS = ("reason:", "not_reason:", "description:", "action:", "name:", "title:", "note:", "source:")
CMP_FLIPS = {">=": ">", ">": ">=", "<=": "<", "<": "<=", "==": "!=", "!=": "=="}
CMP_RE = re.compile(r">=|<=|==|!=|(?<![-=])>|<")


class Mutant:
    def __init__(self, ident: str, file: str, text: str):
        self.id, self.file, self.text = ident, file, text


def top_sections(lines):
    """The top-level section each line belongs to."""
    out, current = [], None
    for line in lines:
        m = re.match(r"^([a-z_]+):", line)
        if m:
            current = m.group(1)
        out.append(current)
    return out


def expression_lines(lines, sections):
    """Indexes of lines that hold expression text (expr, when, due, anchor and their
    continuation lines), never reasons or descriptions."""
    out = []
    in_expr, expr_indent = False, 0
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if sections[i] not in SECTIONS_WITH_EXPRESSIONS or stripped.startswith("#"):
            in_expr = False
            continue
        key = re.match(r"^(?:- )?([a-z_]+):\s*(.*)$", stripped)
        if key and (not in_expr or indent <= expr_indent):
            name, rest = key.group(1), key.group(2)
            in_expr = name in ("expr", "when", "due", "anchor")
            expr_indent = indent + (2 if stripped.startswith("- ") else 0)
            if in_expr and rest and rest.split("#", 1)[0].strip() not in (">-", ">", ">+", "|", "|-", "|+"):
                out.append(i)
            continue
        if in_expr and stripped:
            out.append(i)
    return out


def mutants_of(rel: str, text: str):
    lines = text.split("\n")
    sections = top_sections(lines)
    found = []

    def with_line(i, new_line):
        return "\n".join(lines[:i] + [new_line] + lines[i + 1:])

    # param: numeric parameter values +/- 1 unit
    current_param = None
    for i, line in enumerate(lines):
        if sections[i] != "parameters":
            continue
        m = re.match(r"^  ([a-z0-9_]+):\s*$", line)
        if m:
            current_param = m.group(1)
            continue
        m = re.match(r"^(    value:\s*)(\d+(?:\.\d+)?)(\s+[a-z ]+)?\s*$", line)
        if m and current_param:
            number = m.group(2)
            step = 0.1 if "." in number else 1
            for sign, label in ((1, "+1"), (-1, "-1")):
                value = float(number) + sign * step
                if value < 0:
                    continue
                shown = f"{value:.1f}" if "." in number else str(int(value))
                found.append(Mutant(f"param {current_param} {label}", rel,
                                    with_line(i, m.group(1) + shown + (m.group(3) or ""))))

    # cmp: comparisons in expressions
    owner = None
    counts = {}
    for i, line in enumerate(lines):
        m = re.match(r"^  ([a-z0-9_]+):\s*$", line)
        if m and sections[i] == "facts":
            owner = f"fact {m.group(1)}"
        m = re.match(r"^\s*- id:\s*([a-z0-9_]+)", line)
        if m and sections[i] in SECTIONS_WITH_EXPRESSIONS:
            owner = f"{sections[i]} {m.group(1)}"
        if i not in expression_lines_cache(lines, sections):
            continue
        code = line.split("#", 1)[0]
        for op in CMP_RE.finditer(code):
            key = (owner, op.group(0))
            counts[key] = counts.get(key, 0) + 1
            new = line[:op.start()] + CMP_FLIPS[op.group(0)] + line[op.end():]
            found.append(Mutant(f"cmp {owner} '{op.group(0)}' #{counts[key]} -> '{CMP_FLIPS[op.group(0)]}'", rel,
                                with_line(i, new)))

    # entry: one value-set code dropped
    valueset = category = None
    in_exclude = False
    for i, line in enumerate(lines):
        if sections[i] != "valuesets":
            continue
        m = re.match(r"^  ([a-z0-9_]+):\s*$", line)
        if m:
            valueset, category, in_exclude = m.group(1), None, False
            continue
        m = re.match(r"^      ([a-z0-9_]+):\s*$", line)
        if m and not in_exclude:
            category = m.group(1)
            continue
        if re.match(r"^    exclude:\s*$", line):
            in_exclude = True
            continue
        m = re.match(r"^(\s+)([a-z0-9]+):\s*\[(.*)\]\s*$", line)
        if not m or valueset is None:
            continue
        system = m.group(2)
        items = [x.strip() for x in m.group(3).split(",") if x.strip()]
        for j, item in enumerate(items):
            rest = items[:j] + items[j + 1:]
            where = valueset + (".exclude" if in_exclude else (f".{category}" if category else ""))
            found.append(Mutant(f"entry {where}.{system} drop {item.strip(chr(34))}", rel,
                                with_line(i, f"{m.group(1)}{system}: [{', '.join(rest)}]")))

    # rule: one tier rule, flag rule, program or trigger removed
    for i, line in enumerate(lines):
        m = re.match(r"^(\s*)- id:\s*([a-z0-9_]+)", line)
        if not m or sections[i] not in ("tiers", "flags", "programs", "triggers"):
            continue
        indent = len(m.group(1))
        if sections[i] == "flags" and indent == 2:
            kind = "flag"
        else:
            kind = {"tiers": "tier rule", "flags": "flag rule", "programs": "program", "triggers": "trigger"}[sections[i]]
        end = i + 1
        while end < len(lines):
            nxt = lines[end]
            stripped = nxt.lstrip()
            nindent = len(nxt) - len(stripped)
            # the block ends at the next item of the same list or anything less indented
            if stripped and (nindent < indent or (nindent == indent and stripped.startswith("- "))):
                break
            end += 1
        found.append(Mutant(f"rule {kind} {m.group(2)} removed", rel, "\n".join(lines[:i] + lines[end:])))
    return found


_expr_cache = {}


def expression_lines_cache(lines, sections):
    key = id(lines)
    if key not in _expr_cache:
        _expr_cache.clear()
        _expr_cache[key] = set(expression_lines(lines, sections))
    return _expr_cache[key]


def run(carecoord: str, rulesets: str, mutant: Mutant) -> str:
    with tempfile.TemporaryDirectory(prefix="carecoord-mutant-") as tmp:
        copy = os.path.join(tmp, "rulesets")
        shutil.copytree(rulesets, copy)
        with open(os.path.join(copy, mutant.file), "w", encoding="utf-8") as f:
            f.write(mutant.text)
        # Warnings (a parameter no rule uses once its rule is gone) do not stop loading.
        check = subprocess.run([carecoord, "check", copy], capture_output=True, text=True)
        if check.returncode != 0 and "error[" in check.stdout + check.stderr:
            return "invalid"
        test = subprocess.run([carecoord, "test", copy], capture_output=True, text=True)
        return "killed" if test.returncode != 0 else "survived"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("carecoord")
    ap.add_argument("rulesets")
    ap.add_argument("--equivalents")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--min-score", type=float, default=0.9)
    ap.add_argument("--only", help="run only mutants whose id contains this text")
    ap.add_argument("--list", action="store_true", help="list the mutants without running them")
    args = ap.parse_args()

    mutants = []
    for root, _, files in os.walk(args.rulesets):
        for name in sorted(files):
            if not name.endswith(".yaml") or name == "tests.yaml":
                continue
            path = os.path.join(root, name)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            # Test files are not mutated; nor is the care-plan workflow, which `carecoord test`
            # cases do not run (its tests are tests/cpp/workflow).
            if re.search(r"^kind:\s*tests\s*$", text, re.M) or re.search(r"^workflow:", text, re.M):
                continue
            mutants += mutants_of(os.path.relpath(path, args.rulesets), text)
    if args.only:
        mutants = [m for m in mutants if args.only in m.id]
    if args.list:
        for m in mutants:
            print(f"{m.file}: {m.id}")
        return 0
    equivalents = {}
    if args.equivalents:
        with open(args.equivalents, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip() or line.startswith("#"):
                    continue
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 2 or not parts[1].strip():
                    sys.exit(f"{args.equivalents}:{number}: expected a mutant id, a tab and the reason it is equivalent")
                equivalents[parts[0]] = parts[1]

    if args.only:  # a partial run judges only the equivalents it runs
        equivalents = {k: v for k, v in equivalents.items() if args.only in k}
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = {pool.submit(run, args.carecoord, args.rulesets, m): m for m in mutants}
        for fut in concurrent.futures.as_completed(futures):
            results[futures[fut]] = fut.result()

    tally = {"killed": 0, "survived": 0, "invalid": 0, "equivalent": 0}
    survivors, invalid, stale_equivalents = [], [], set(equivalents)
    for m in mutants:
        key = f"{m.file}: {m.id}"
        r = results[m]
        stale_equivalents.discard(key)
        if r == "survived" and key in equivalents:
            r = "equivalent"
        tally[r] += 1
        if r == "survived":
            survivors.append(key)
        elif r == "invalid":
            invalid.append(key)
    killed_of_equivalents = [k for k in equivalents if k not in stale_equivalents and
                             results[next(m for m in mutants if f"{m.file}: {m.id}" == k)] == "killed"]
    print(f"mutants: {len(mutants)}; killed {tally['killed']}, survived {tally['survived']}, "
          f"equivalent {tally['equivalent']}, invalid (do not load) {tally['invalid']}")
    for s in survivors:
        print(f"SURVIVED  {s}")
    for s in invalid:
        print(f"invalid   {s}")
    for s in sorted(stale_equivalents):
        print(f"STALE     {s}: listed as equivalent but no such mutant")
    for s in killed_of_equivalents:
        print(f"STALE     {s}: listed as equivalent but killed")
    scored = tally["killed"] + tally["survived"]
    score = tally["killed"] / scored if scored else 1.0
    print(f"score: {tally['killed']}/{scored} non-equivalent mutants killed = {100 * score:.1f}% "
          f"(minimum {100 * args.min_score:.0f}%)")
    return 0 if score >= args.min_score and not stale_equivalents and not killed_of_equivalents else 1


if __name__ == "__main__":
    sys.exit(main())
