// The .NET bindings: load, evaluate, errors and disposal. Expectations come from the
// default rulesets (rulesets/). Usage: CarecoordTests.exe SOURCE_DIR
using System;
using System.IO;
using Carecoord;
using static Checks;

internal static class CarecoordTests
{
    private const string Mini =
        "schema_version: 1\nruleset: mini\nversion: 1.0.0\neffective: {from: 2020-01-01, until: null}\n" +
        "description: One rule.\ntiers:\n  order: [routine, case_management]\n  default: routine\n  rules:\n" +
        "    - id: food\n      tier: case_management\n      when: social.food_insecurity\n" +
        "      reason: \"Food insecurity\"\n";

    private static int Main(string[] args)
    {
        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: CarecoordTests.exe SOURCE_DIR");
            return 2;
        }
        var source = args[0];
        var asOf = new DateTime(2026, 11, 27);

        Check(Library.Version == "0.2.0", "library version");
        Check(Library.SchemaVersionMin <= 1 && Library.SchemaVersionMax >= 1, "schema version range holds 1");

        Determination kept;
        using (var engine = Engine.Load(Path.Combine(source, "rulesets")))
        {
            Check(engine.Rulesets.Contains("intensity 2.0.0"), "rulesets listed");

            // Medicare FFS, four chronic categories (E11.9, I10, I50.22, N18.31), discharged
            // home Wednesday 2026-11-25 15:00.
            using (var p = Patient.Create("cs-4cc", new DateTime(1950, 6, 15)))
            {
                p.AddCoverage("medicare_ffs", start: new DateTime(2015, 6, 1));
                foreach (var code in new[] { "E11.9", "I10", "I50.22", "N18.31" })
                    p.AddCondition(code, onset: new DateTime(2020, 1, 1));
                p.AddEncounter("inpatient", new DateTime(2026, 11, 20, 8, 0, 0), new DateTime(2026, 11, 25, 15, 0, 0))
                 .SetField("encounters[0].disposition", "home")
                 .SetField("encounters[0].complexity", "high");
                p.AddCareTeamMember("pcp").AddMedication("860975", name: "metformin")
                 .AddMedicationEvent(0, "started", new DateTime(2010, 1, 1))
                 .AddObservation("phq9", new DateTime(2026, 10, 1), 4).SetSex("male").SetDeceased(null);
                var d = engine.Evaluate(p, asOf);
                Check(d.PatientId == "cs-4cc", "patient id");
                Check(d.AsOf == asOf, "as-of date");
                Check(d.Tier == "case_management", "4 chronic categories: case_management (intensity-v2)");
                Check(!d.TierByDefault, "tier not by default");
                Check(d.TierRules.Count > 0 && d.TierRules[0].Id == "cm_chronic_conditions", "tier rule");
                Check(d.Flags.Contains("hchn_priority"), "hchn_priority flag (3 or more)");
                var ccm = d.FindProgram("ccm");
                Check(ccm != null && ccm.Eligible && ccm.Missing.Count == 0, "ccm eligible");
                var call = d.FindTrigger("post_discharge_call");
                Check(call != null && call.Due == new DateTime(2026, 11, 28) &&
                      call.DueTime == new DateTime(2026, 11, 28, 15, 0, 0) && call.Status == "open",
                      "post-discharge call 72 hours after discharge");
                var contact = d.FindTrigger("tcm_interactive_contact");
                Check(contact != null && contact.Due == new DateTime(2026, 11, 30) && contact.DueTime == null,
                      "TCM contact 2 business days later, Thanksgiving skipped");
                Check(d.Json.StartsWith("{\"patient_id\":\"cs-4cc\",\"as_of\":\"2026-11-27\""), "JSON");
                kept = d;

                // The same determination as a FHIR transaction Bundle (docs/fhir-output.md):
                // the call due 72 hours after 11-25 15:00 at the care setting's offset, the TCM
                // contact on Monday 11-30 (Thanksgiving 11-26 skipped), every Task based on the
                // care plan.
                var fhir = engine.EvaluateFhir(p, asOf, "cp-9", "-05:00");
                Check(fhir.StartsWith("{\"resourceType\":\"Bundle\",\"type\":\"transaction\""), "FHIR Bundle");
                Check(fhir.Contains("\"period\":{\"start\":\"2026-11-25\",\"end\":\"2026-11-28T15:00:00-05:00\"}"),
                      "FHIR: call due 72 hours later, with the offset");
                Check(fhir.Contains("\"period\":{\"start\":\"2026-11-25\",\"end\":\"2026-11-30\"}"),
                      "FHIR: TCM contact due 2026-11-30");
                Check(fhir.Contains("\"value\":\"cs-4cc/tcm_interactive_contact@2026-11-25\""), "FHIR: Task identifier");
                Check(fhir.Contains("\"basedOn\":[{\"reference\":\"CarePlan/cp-9\"}]"), "FHIR: basedOn the care plan");
                Check(fhir.Contains("\"resourceType\":\"Provenance\""), "FHIR: Provenance");
                Check(fhir == engine.EvaluateFhir(p, asOf, "cp-9", "-05:00"), "FHIR: the same bytes twice");
                var refused = Expect<CarecoordArgumentException>(() => engine.EvaluateFhir(p, asOf, null, "+15:00"),
                                                             "FHIR: offset beyond +14:00 refused");
                Check(refused != null && refused.Code == "E1003" && refused.FieldPath == "utc_offset", "FHIR: E1003 at utc_offset");
                refused = Expect<CarecoordArgumentException>(() => engine.EvaluateFhir(p, asOf, "cp 9"), "FHIR: bad care plan id");
                Check(refused != null && refused.Code == "E1002" && refused.FieldPath == "care_plan_id", "FHIR: E1002 at care_plan_id");

                var e = Expect<PatientException>(() => p.SetSex("F"), "bad sex refused");
                Check(e != null && e.Code == "E0207" && e.FieldPath == "sex", "bad sex: E0207 at sex");
                e = Expect<PatientException>(() => p.AddCoverage("medicaid", null, new DateTime(2025, 1, 1),
                                                                 new DateTime(2024, 1, 1)), "end before start");
                Check(e != null && e.Code == "E0208" && e.FieldPath == "coverage[1].end", "E0208 at coverage[1].end");
                var later = engine.Evaluate(p, new DateTime(2026, 11, 29));
                Check(later.FindTrigger("post_discharge_call").Status == "overdue", "call overdue after 72 hours");
            }

            var doc = File.ReadAllText(Path.Combine(source, "examples/patients/dual_ltc_placement.json"));
            var fromJson = engine.Evaluate(doc, asOf);
            Check(fromJson.Json.Length > 0 && fromJson.Programs.Count > 0, "JSON document evaluated");

            // One engine and one patient on many threads: every determination is the same.
            using (var shared = Patient.FromJson(doc))
            {
                int mismatches = 0;
                System.Threading.Tasks.Parallel.For(0, 64, i =>
                {
                    if (engine.Evaluate(shared, asOf).Json != fromJson.Json)
                        System.Threading.Interlocked.Increment(ref mismatches);
                });
                Check(mismatches == 0, "parallel evaluations agree");
            }

            var bad = Expect<PatientException>(
                () => engine.Evaluate("{\"id\": \"secret-7\", \"birth_date\": \"2025-02-30\", \"sex\": \"F\"}", asOf),
                "bad document refused");
            Check(bad != null && bad.Diagnostics.Count == 2, "both document errors reported");
            Check(bad != null && bad.Code == "E0204" && bad.FieldPath == "birth_date", "E0204 at birth_date");
            Check(bad != null && !bad.Message.Contains("secret-7") && !bad.Message.Contains("2025-02-30"),
                  "no patient values in the message");

            var yaml = Expect<PatientException>(
                () => Patient.FromYaml("id: p\nbirth_date: 1950-01-01\nconditions:\n  - {code: E11.9, onset: 2020-13-01}\n"),
                "bad YAML document");
            Check(yaml != null && yaml.Line == 4 && yaml.FieldPath == "conditions[0].onset", "YAML position");

            using (var p = Patient.Create("cs-old", new DateTime(1950, 1, 1)))
            {
                var ev = Expect<EvaluationException>(() => engine.Evaluate(p, new DateTime(1990, 1, 1)),
                                                     "nothing in force in 1990");
                Check(ev != null && ev.Code == "E0501", "E0501");
                p.Dispose();
                Expect<ObjectDisposedException>(() => engine.Evaluate(p, asOf), "disposed patient");
            }
        }
        // Results outlive the engine.
        Check(kept.Tier == "case_management", "determination after the engine is disposed");

        var rs = Expect<RulesetException>(() => Engine.FromString(Mini.Replace("food_insecurity", "food_insecurit_"),
                                                                  "broken.yaml"), "broken ruleset");
        Check(rs != null && rs.Code == "E0402" && rs.File == "broken.yaml" && rs.Line == 12 && rs.RuleId == "food",
              "ruleset error position");
        Expect<RulesetException>(() => Engine.Load("/nonexistent/carecoord-rules"), "missing directory");

        var mini = Engine.FromString(Mini);
        var ok = mini.Evaluate("{\"id\": \"p\", \"birth_date\": \"1950-01-01\", \"social\": {\"food_insecurity\": true}}", asOf);
        Check(ok.Tier == "case_management", "engine from string");
        Check(ok.Deceased == null, "alive: Deceased is null");
        // Died the day before as_of: the lowest tier, no rule, the date of death shown.
        var dead = mini.Evaluate("{\"id\": \"p\", \"birth_date\": \"1950-01-01\", \"deceased\": \"2026-11-26\", " +
                                 "\"social\": {\"food_insecurity\": true}}", asOf);
        Check(dead.Deceased == new DateTime(2026, 11, 26) && dead.Tier == "routine" && dead.TierRules.Count == 0,
              "deceased: Deceased set, tier routine");
        var diesLater = mini.Evaluate("{\"id\": \"p\", \"birth_date\": \"1950-01-01\", \"deceased\": \"2026-11-28\", " +
                                      "\"social\": {\"food_insecurity\": true}}", asOf);
        Check(diesLater.Deceased == null && diesLater.Tier == "case_management", "a death after as_of is not known yet");
        mini.Dispose();
        mini.Dispose();  // idempotent
        Expect<ObjectDisposedException>(() => mini.Evaluate("{}", asOf), "disposed engine");

        // Static analysis: tests/cli/data/analysis/findings.yaml, positions counted by hand
        // (tests/cli/cli_tests.py).
        var findingsFile = Path.Combine(source, "tests", "cli", "data", "analysis", "findings.yaml");
        using (var checkedEngine = Engine.Load(findingsFile))
        {
            var findings = checkedEngine.Check();
            var where = new System.Collections.Generic.List<string>();
            foreach (var d in findings) where.Add(d.Code + " " + d.Line + ":" + d.Column + " " + d.Severity);
            Check(string.Join(", ", where) ==
                  "W0701 21:7 warning, W0703 29:7 warning, W0701 33:7 warning, W0705 7:24 warning, W0704 16:16 warning, " +
                  "W0706 11:39 warning, W0707 13:28 warning, W0707 13:56 warning", "check: the findings in order");
            Check(findings.Count == 8 && findings[1].RuleId == "cc_conditions" && findings[1].File == findingsFile,
                  "check: rule and file of a finding");
            Check(checkedEngine.Check(analysis: false).Count == 0, "check without analysis: no version gap");
        }
        using (var fromString = Engine.FromString(Mini, "mini.yaml"))
        {
            var notes = fromString.Check();
            Check(notes.Count == 1 && notes[0].Code == "E0330" && notes[0].Severity == "note" && notes[0].File == "mini.yaml",
                  "check of an engine from a string: a note that its value sets were not checked");
        }

        // Handles left to the finalizers, in whatever order they run.
        for (int i = 0; i < 20; ++i)
        {
            var e = Engine.FromString(Mini);
            var p = Patient.Create("gc-" + i, new DateTime(1950, 1, 1));
            e.Evaluate(p, asOf);
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();

        return Checks.Report();
    }
}
