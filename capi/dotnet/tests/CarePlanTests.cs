// Care plans, explanations, engine options and batches from .NET: the shared scenario of the
// C, Python and C++ tests (tests/data/care-plan/memorial-day-events.yaml works the dates by
// hand), a discharge home on Friday 2026-05-22 15:00, the Friday before Memorial Day.
// Usage: CarePlanTests.exe SOURCE_DIR
using System;
using System.Collections.Generic;
using System.IO;
using Carecoord;
using static Checks;

internal static class CarePlanTests
{
    private static DateTime At(int month, int day, int hour, int minute = 0)
    {
        return new DateTime(2026, month, day, hour, minute, 0);
    }

    private static List<CarePlanEvent> Log()
    {
        return new List<CarePlanEvent>
        {
            new CarePlanEvent("enrolled", At(5, 1, 9)),
            new CarePlanEvent("assessment_completed", At(5, 5, 10), new Dictionary<string, object> { { "plan_changed", true } }),
            new CarePlanEvent("plan_agreed", At(5, 8, 10)),
            new CarePlanEvent("services_started", At(5, 11, 9)),
            new CarePlanEvent("discharged", At(5, 22, 15), new Dictionary<string, object> { { "encounter", "e1" } }),
        };
    }

    // The three tasks, worked by hand: enrolment + 14 days; 72 clock hours after the discharge
    // (the holiday does not stop the clock); 2 business days skipping Sat, Sun and Memorial Day.
    private static void CheckScenario(CarePlanRecord r, string what)
    {
        Check(r.Workflow == "care_plan", what + ": workflow");
        Check(r.State == "in_transition", what + ": state in_transition");
        Check(r.Tasks.Count == 3, what + ": three tasks");
        if (r.Tasks.Count != 3) return;
        Check(r.Tasks[0].Id == "initial_assessment@2026-05-01T09:00" && r.Tasks[0].Due == new DateTime(2026, 5, 15)
              && r.Tasks[0].DueTime == null, what + ": initial assessment due 2026-05-15");
        Check(r.Tasks[1].Id == "post_discharge_call@2026-05-22T15:00" && r.Tasks[1].Due == new DateTime(2026, 5, 25)
              && r.Tasks[1].DueTime == At(5, 25, 15), what + ": call due 2026-05-25T15:00");
        Check(r.Tasks[1].Task == "post_discharge_call" && r.Tasks[1].Event == "discharged" && r.Tasks[1].EventTime == At(5, 22, 15),
              what + ": the call's task, event and event time");
        Check(r.Tasks[2].Id == "tcm_interactive_contact@2026-05-22T15:00" && r.Tasks[2].Due == new DateTime(2026, 5, 27)
              && r.Tasks[2].DueTime == null, what + ": TCM contact due 2026-05-27");
        Check(r.Tasks[2].Source == "facts_tcm" && r.Tasks[2].Action.Length > 0, what + ": the contact's source and action");
        Check(r.Applied.Count == 5 && r.Applied[4] == "discharged@2026-05-22T15:00", what + ": applied events");
        Check(r.LastEvent == At(5, 22, 15), what + ": last event");
    }

    private static int Main(string[] args)
    {
        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: CarePlanTests.exe SOURCE_DIR");
            return 2;
        }
        var rules = Path.Combine(args[0], "rulesets");
        var patientJson = File.ReadAllText(Path.Combine(args[0], "tests", "data", "care-plan", "memorial-day-patient.json"));
        using (var engine = Engine.Load(rules))
        using (var patient = Patient.FromJson(patientJson))
        {
            // Step by step.
            var record = engine.StartCarePlan(new DateTime(2026, 5, 1));
            Check(record.State == "identified" && record.Tasks.Count == 0 && record.LastEvent == null, "start: identified, empty");
            var states = new[] { "identified", "assessed", "planned", "active", "in_transition" };
            var created = new[] { 1, 0, 0, 0, 2 };
            var log = Log();
            EventOutcome last = null;
            for (int i = 0; i < log.Count; ++i)
            {
                var before = record;
                last = engine.ApplyEvent(patient, record, log[i]);
                Check(last.Record.State == states[i], "event " + i + ": state " + states[i]);
                Check(last.PreviousState == (i == 0 ? "identified" : states[i - 1]), "event " + i + ": previous state");
                Check(last.Transitioned && !last.Duplicate && last.Missing.Count == 0, "event " + i + ": transitioned");
                Check(last.Created.Count == created[i], "event " + i + ": tasks created");
                Check(before.Applied.Count == i, "event " + i + ": the record passed in is unchanged");
                record = last.Record;
            }
            CheckScenario(record, "step by step");
            var again = engine.ApplyEvent(patient, record, log[4]);
            Check(again.Duplicate && !again.Transitioned && again.Created.Count == 0 && again.Record.Tasks.Count == 3,
                  "the discharge again changes nothing");

            // Replayed once and twice over: the same record.
            var once = engine.ReplayEvents(patient, log);
            CheckScenario(once, "replay");
            var twice = new List<CarePlanEvent>(log);
            twice.AddRange(Log());
            var replayedTwice = engine.ReplayEvents(patient, twice);
            CheckScenario(replayedTwice, "replay twice");
            Check(replayedTwice.Json == record.Json && once.Json == record.Json, "the same record JSON all three ways");

            // Stored and restored.
            var restored = CarePlanRecord.FromJson(record.Json);
            CheckScenario(restored, "restored");
            var bad = Expect<CarecoordArgumentException>(
                () => CarePlanRecord.FromJson(record.Json.Replace("\"due\":\"2026-05-15\"", "\"due\":\"2026-02-30\"")),
                "a record with an impossible due date is refused");
            Check(bad != null && bad.Code == "E0720" && bad.FieldPath == "tasks[0].due", "E0720 names tasks[0].due");

            // The workflow's errors.
            var early = Expect<EvaluationException>(
                () => engine.ApplyEvent(patient, record, new CarePlanEvent("condition_changed", At(5, 20, 8))),
                "an event before the last one");
            Check(early != null && early.Code == "E0712", "E0712");
            var payload = Expect<EvaluationException>(
                () => engine.ApplyEvent(patient, record, new CarePlanEvent("phq9_recorded", At(5, 23, 8),
                    new Dictionary<string, object> { { "score", "high" } })),
                "a payload of the wrong type");
            Check(payload != null && payload.Code == "E0713", "E0713");
            var unknown = Expect<EvaluationException>(
                () => engine.ApplyEvent(patient, record, new CarePlanEvent("teleported", At(5, 23, 8))), "an unknown event");
            Check(unknown != null && unknown.Code == "E0711", "E0711");

            // Allowed events, in declaration order.
            var allowed = engine.AllowedEvents("in_transition", new DateTime(2026, 5, 22));
            Check(string.Join(",", allowed) ==
                  "assessment_completed,admitted,discharged,condition_changed,medication_failed,phq9_recorded,tier_changed,declined,died",
                  "the events allowed in in_transition");
            Check(engine.AllowedEvents("closed", new DateTime(2026, 5, 22)).Count == 0, "none in closed");
            var state = Expect<EvaluationException>(() => engine.AllowedEvents("nirvana", new DateTime(2026, 5, 22)), "an unknown state");
            Check(state != null && state.Code == "E0717", "E0717");

            // Explain.
            var ex = engine.Explain(patient, new DateTime(2026, 5, 23));
            Check(ex.Text.StartsWith("Patient cp-memorial as of 2026-05-23\n", StringComparison.Ordinal), "explain text header");
            Check(ex.Text.Contains("due 2026-05-25 at 15:00 (from 2026-05-22)"), "explain: the call's due time");
            Check(ex.Json.StartsWith("{\"determination\":{\"patient_id\":\"cp-memorial\",\"as_of\":\"2026-05-23\",", StringComparison.Ordinal),
                  "explain JSON");

            // A batch of documents: the patient as it is (several lines), an invalid one.
            var batch = engine.EvaluateBatch(new[] { patientJson, "{\"id\": \"x\", \"birth_date\": \"1950-02-30\"}" },
                                             new DateTime(2026, 5, 23));
            Check(batch.Count == 2, "batch: one line per document");
            Check(batch[0] == engine.Evaluate(patient, new DateTime(2026, 5, 23)).Json, "batch: the same JSON as Evaluate");
            Check(batch[1].StartsWith("{\"error\":{\"line\":2,\"status\":\"patient\"", StringComparison.Ordinal), "batch: the error in place");
        }

        // Options: a file limit below the rulesets' size; ignore_effective.
        Expect<RulesetException>(() => Engine.Load(rules, new EngineOptions().WithLimit("ruleset.max_file_bytes", 100)),
                                 "a ruleset over max_file_bytes");
        var name = Expect<CarecoordArgumentException>(() => Engine.Load(rules, new EngineOptions().WithLimit("no.such", 3)),
                                                      "an unknown limit");
        Check(name != null && name.FieldPath == "name", "the unknown limit's field path");
        const string later = "schema_version: 1\nruleset: later\nversion: 1.0.0\neffective: {from: 2030-01-01, until: null}\n" +
            "description: In force from 2030.\ntiers:\n  order: [routine, high]\n  default: routine\n  rules:\n" +
            "    - {id: adult, tier: high, when: age >= 18, reason: adult}\n";
        using (var p = Patient.FromJson("{\"id\": \"p1\", \"birth_date\": \"1950-01-01\"}"))
        {
            using (var e = Engine.FromString(later, "later.yaml", new EngineOptions()))
                Expect<EvaluationException>(() => e.Evaluate(p, new DateTime(2026, 5, 23)), "not in force in 2026");
            using (var e = Engine.FromString(later, "later.yaml", new EngineOptions().WithIgnoreEffective(true)))
                Check(e.Evaluate(p, new DateTime(2026, 5, 23)).Tier == "high", "in force with IgnoreEffective");
        }

        // Include roots: tree/rules/r.yaml includes ../../libs/lib.yaml, out of its tree (tree/):
        // E0351 (docs/ruleset-language.md, "Includes and the tree") until libs/ is a root.
        var top = Path.Combine(Path.GetTempPath(), "carecoord-roots-" + Guid.NewGuid().ToString("N"));
        try
        {
            var ruleDir = Path.Combine(top, "tree", "rules");
            var libs = Path.Combine(top, "libs");
            Directory.CreateDirectory(ruleDir);
            Directory.CreateDirectory(libs);
            File.WriteAllText(Path.Combine(libs, "lib.yaml"),
                              "schema_version: 1\nkind: library\nlibrary: shared\nparameters: {threshold: 2}\n");
            File.WriteAllText(Path.Combine(ruleDir, "r.yaml"),
                              "schema_version: 1\nruleset: r\nversion: 1.0.0\neffective: {from: 2024-01-01}\n" +
                              "include: ['../../libs/lib.yaml']\nprograms:\n  - {id: p, when: 'threshold > 1', reason: x}\n");
            var outside = Expect<RulesetException>(() => Engine.Load(ruleDir, new EngineOptions()), "an include out of the tree");
            Check(outside != null && outside.Code == "E0351", "an include out of the tree is E0351");
            var widened = new EngineOptions().WithIncludeRoot(libs);
            Check(widened.IncludeRoots.Count == 1 && new EngineOptions().IncludeRoots.Count == 0, "WithIncludeRoot returns a copy");
            using (var e = Engine.Load(ruleDir, widened))
                Check(e.Rulesets.Count == 1, "the include loads with libs/ as an include root");
        }
        finally
        {
            Directory.Delete(top, true);
        }
        return Report();
    }
}
