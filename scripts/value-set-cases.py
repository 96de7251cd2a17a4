#!/usr/bin/env python3
"""Writes rulesets/common/valuesets-tests.yaml: one `carecoord test` case per value-set entry
(both ends of a range; every exclusion), so that dropping any entry fails a case (`make
mutation`, docs/value-sets.md#mutation).

Each case holds one patient whose only relevant datum is one code of the entry, and expects
what the rules say a member of that value set gets (the comment of each value set below
names the rule): a chronic category code matches cc_chronic_conditions, an SUD code
cm_substance_use, a C-SNP condition on Medicare Advantage makes c_snp eligible, and so on;
an excluded code gets the opposite. The representative code is the first (the last, for the
end of a range) billable ICD-10-CM code of the entry in the FY2026 table that no other entry
of the same value set also matches and for which the effect is visible (e.g. not an SMI code
for the health-home count, which SMI alone satisfies). Run after editing a value set:

  python3 scripts/value-set-cases.py rulesets > rulesets/common/valuesets-tests.yaml
"""

from __future__ import annotations

import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("value_sets", os.path.join(HERE, "value-sets.py"))
vs_mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(vs_mod)
Entry, normalize = vs_mod.Entry, vs_mod.normalize

AS_OF = "2026-11-27"
BIRTH = "1950-01-01"
ONSET = "2020-01-01"


def in_set(sets, name, system, code):
    """Whether the value set counts the code (included by some entry, not excluded)."""
    vs = sets[name]
    if system == "icd10cm":
        n = normalize(code)
        if any(Entry(x).matches(n) for x in vs["exclude"].get("icd10cm", [])):
            return False
        return any(Entry(x).matches(n) for c in vs["categories"].values() for x in c.get("icd10cm", []))
    if code in vs["exclude"].get(system, []):
        return False
    return any(code in c.get(system, []) for c in vs["categories"].values())


def matched_by_others(sets, name, system, code, entry_text, category):
    vs = sets[name]
    for cat, systems in vs["categories"].items():
        for x in systems.get(system, []):
            if cat == category and x == entry_text:
                continue
            if system == "icd10cm" and Entry(x).matches(normalize(code)):
                return True
            if system != "icd10cm" and x == code:
                return True
    return False


def condition(code, system):
    s = "" if system == "icd10cm" else f", system: {system}"
    return f'{{code: "{code}"{s}, onset: {ONSET}}}'


# value set -> (what a member gets, what it needs besides the code, visible(code, system))
def effects(sets):
    def tier_only(code, system):  # not also a tier value set of another rule
        others = ["substance_use_disorder", "serious_mental_illness", "housing_instability_codes", "food_insecurity_codes"]
        return not any(in_set(sets, o, system, code) for o in others)

    def not_smi(code, system):
        return not in_set(sets, "serious_mental_illness", system, code)

    def not_tier(code, system):
        return tier_only(code, system) and not in_set(sets, "chronic_conditions", system, code)

    def not_hh(code, system):
        return not in_set(sets, "health_home_conditions", system, code) and not_smi(code, system)

    medicare = "      coverage:\n        - {payer: medicare_ffs, plan: original_medicare, start: 2015-01-01}\n"
    ma = "      coverage:\n        - {payer: medicare_advantage, plan: acme_advantage, start: 2015-01-01}\n"
    medicaid = "      coverage:\n        - {payer: medicaid, plan: state_medicaid, start: 2015-01-01}\n"
    bmi27 = '      observations:\n        - {code: bmi, system: carecoord, date: 2026-10-01, value: 27}\n'
    return {
        "chronic_conditions": dict(
            rule="one chronic category: cc_chronic_conditions (care_coordination_min_conditions 1)",
            member="tier_rules: [cc_chronic_conditions]", other="tier: routine", extra="", extra_conditions=[],
            visible=lambda c, s: True, excluded_visible=not_tier),
        "substance_use_disorder": dict(
            rule="concurrent SUD: cm_substance_use", member="tier_rules: [cm_substance_use]", other="tier: routine",
            extra="", extra_conditions=[], visible=lambda c, s: True, excluded_visible=not_tier),
        "serious_mental_illness": dict(
            rule="SMI: cm_serious_mental_illness", member="tier_rules: [cm_serious_mental_illness]", other="tier: routine",
            extra="", extra_conditions=[], visible=lambda c, s: True, excluded_visible=not_tier),
        "housing_instability_codes": dict(
            rule="housing instability code: cm_housing_instability", member="tier_rules: [cm_housing_instability]",
            other="tier: routine", extra="", extra_conditions=[], visible=lambda c, s: True, excluded_visible=not_tier),
        "food_insecurity_codes": dict(
            rule="food insecurity code: cm_food_insecurity", member="tier_rules: [cm_food_insecurity]",
            other="tier: routine", extra="", extra_conditions=[], visible=lambda c, s: True, excluded_visible=not_tier),
        "behavioral_health_conditions": dict(
            rule="a behavioural health condition with Medicare: bhi eligible", member="programs: {bhi: eligible}",
            other="programs: {bhi: not_eligible}", extra=medicare, extra_conditions=[],
            visible=lambda c, s: True, excluded_visible=lambda c, s: True),
        "snp_chronic_conditions": dict(
            rule="a SNP-specific condition on Medicare Advantage: c_snp eligible", member="programs: {c_snp: eligible}",
            other="programs: {c_snp: not_eligible}", extra=ma, extra_conditions=[],
            visible=lambda c, s: True, excluded_visible=lambda c, s: True),
        "health_home_conditions": dict(
            rule="Medicaid, a BMI of 27 (overweight, one condition) and this condition: 2 health-home conditions, eligible",
            member="programs: {medicaid_health_home: eligible}", other="programs: {medicaid_health_home: not_eligible}",
            extra=medicaid + bmi27, extra_conditions=[], visible=not_smi, excluded_visible=not_smi),
        "overweight_codes": dict(
            rule="Medicaid, asthma J45.909 and this overweight code: 2 health-home conditions, eligible",
            member="programs: {medicaid_health_home: eligible}", other="programs: {medicaid_health_home: not_eligible}",
            extra=medicaid, extra_conditions=[condition("J45.909", "icd10cm")], visible=not_hh,
            excluded_visible=not_hh),
    }


def hrrp_case(code, system, name):
    ds = "" if system == "icd10cm" else f", diagnosis_system: {system}"
    return f'''  - name: "value set hrrp_conditions: {name}"
    # an acute inpatient index stay for an HRRP condition discharged home 2026-11-20T10:00:
    # readmission watch due 30 days after the discharge date = 2026-12-20, open
    as_of: {AS_OF}
    patient:
      id: vs-hrrp
      birth_date: {BIRTH}
      encounters:
        - {{id: h1, class: inpatient, admit: "2026-11-16T10:00", discharge: "2026-11-20T10:00", disposition: home, diagnosis: "{code}"{ds}}}
    expect:
      triggers:
        readmission_watch: {{due: 2026-12-20, status: open}}
'''


def main() -> int:
    rulesets = sys.argv[1] if len(sys.argv) > 1 else "rulesets"
    cm, valid, billable = vs_mod.icd_table()
    sets = vs_mod.load_valuesets(rulesets)
    eff = effects(sets)
    out = [
        "# yaml-language-server: $schema=../../schemas/tests.schema.json",
        "# Generated by scripts/value-set-cases.py from the value sets and the FY2026 ICD-10-CM table;",
        "# do not edit by hand (regenerate after editing a value set). One case per value-set entry",
        "# (both ends of a range, every exclusion): the expectation is what the rule named in the",
        "# case gives a member of that value set, or a non-member for an excluded code.",
        "schema_version: 1",
        "kind: tests",
        "description: Value-set entries, one case each (make mutation drops entries one at a time)",
        "cases:",
    ]
    skipped = []

    def pick(entry: Entry, system, text, name, category, visible, last=False):
        if system != "icd10cm":
            return text if visible(text, system) and not matched_by_others(sets, name, system, text, text, category) else None
        if entry.kind == "range":
            codes = [c for c in entry.select(billable) if (c[: len(entry.hi)] == entry.hi if last else c[: len(entry.lo)] == entry.lo)]
        else:
            codes = entry.select(billable)
        if last:
            codes = list(reversed(codes))
        for c in codes:
            code = cm.add_dot(c)
            if in_set(sets, name, "icd10cm", code) and visible(code, "icd10cm") and \
               not matched_by_others(sets, name, "icd10cm", code, text, category):
                return code
        return None

    def case(name, label, code, system, e, expect, extra_conditions=()):
        conds = [condition(code, system)] + list(extra_conditions)
        lines = [f'  - name: "value set {name}: {label}"', f"    # {e['rule']}", f"    as_of: {AS_OF}", "    patient:",
                 f"      id: vs-{name.replace('_', '-')}", f"      birth_date: {BIRTH}", "      conditions:"]
        lines += [f"        - {c}" for c in conds]
        text = "\n".join(lines) + "\n" + e["extra"] + "    expect:\n      " + expect + "\n"
        out.append(text.rstrip("\n"))

    for name, vs in sets.items():
        if name == "hrrp_conditions":
            for cat, systems in vs["categories"].items():
                for system, entries in systems.items():
                    for text in entries:
                        entry = Entry(text) if system == "icd10cm" else None
                        for last in ([False, True] if entry and entry.kind == "range" else [False]):
                            code = pick(entry, system, text, name, cat, lambda c, s: True, last) if entry else text
                            if code is None:
                                skipped.append(f"{name}.{cat}.{system} {text}")
                                continue
                            out.append(hrrp_case(code, system, f"{cat} {text} ({code})").rstrip("\n"))
            continue
        if name not in eff:
            continue
        e = eff[name]
        for cat, systems in vs["categories"].items():
            where = f"{cat} " if cat else ""
            for system, entries in systems.items():
                for text in entries:
                    entry = Entry(text) if system == "icd10cm" else None
                    for last in ([False, True] if entry and entry.kind == "range" else [False]):
                        code = pick(entry, system, text, name, cat, e["visible"], last)
                        if code is None:
                            skipped.append(f"{name}.{where}{system} {text}{' (last)' if last else ''}")
                            continue
                        end = (" last" if last else " first") if entry and entry.kind == "range" else ""
                        case(name, f"{where}{system} {text}{end} ({code})", code, system, e, e["member"], e["extra_conditions"])
        for system, entries in vs["exclude"].items():
            for text in entries:
                entry = Entry(text) if system == "icd10cm" else None
                # an excluded code that the value set would otherwise include
                codes = entry.select(billable) if entry else [text]
                chosen = None
                for c in codes:
                    code = cm.add_dot(c) if entry else c
                    included = any((Entry(x).matches(normalize(code)) if system == "icd10cm" else x == code)
                                   for cs in vs["categories"].values() for x in cs.get(system, []))
                    if included and e["excluded_visible"](code, system):
                        chosen = code
                        break
                if chosen is None:
                    skipped.append(f"{name}.exclude.{system} {text}")
                    continue
                case(name, f"exclude {system} {text} ({chosen}) is not a member", chosen, system, e, e["other"],
                     e["extra_conditions"])
    print("\n".join(out))
    for s in skipped:
        print(f"value-set-cases.py: no visible representative code for {s}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
