// Loads the rulesets, evaluates one patient document at an as-of date, and prints the
// tier, the programs and the triggers, then replays a care-plan event log for the patient
// and prints the state and the tasks (the same output as examples/c).
// Build: mcs -r:Carecoord.dll Evaluate.cs (Carecoord.dll from capi/dotnet/Carecoord.cs)
// Usage: mono Evaluate.exe RULESETS PATIENT.{json,yaml} YYYY-MM-DD
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Carecoord;

internal static class Evaluate
{
    private static int Main(string[] args)
    {
        if (args.Length != 3)
        {
            Console.Error.WriteLine("usage: Evaluate.exe RULESETS PATIENT AS_OF");
            return 2;
        }
        var asOf = DateTime.ParseExact(args[2], "yyyy-MM-dd", CultureInfo.InvariantCulture);
        try
        {
            Determination d;
            CarePlanRecord plan;
            var log = new List<CarePlanEvent>
            {
                new CarePlanEvent("enrolled", new DateTime(2026, 11, 2, 9, 0, 0)),
                new CarePlanEvent("assessment_completed", new DateTime(2026, 11, 4, 10, 0, 0)),
                new CarePlanEvent("plan_agreed", new DateTime(2026, 11, 6, 10, 0, 0)),
                new CarePlanEvent("services_started", new DateTime(2026, 11, 9, 9, 0, 0)),
                new CarePlanEvent("discharged", new DateTime(2026, 11, 24, 13, 15, 0),
                                  new Dictionary<string, object> { { "encounter", "adm-7730912" } }),
            };
            using (var engine = Engine.Load(args[0]))
            {
                var text = File.ReadAllText(args[1]);
                using (var patient = args[1].EndsWith(".json") ? Patient.FromJson(text) : Patient.FromYaml(text))
                {
                    d = engine.Evaluate(patient, asOf);
                    plan = engine.ReplayEvents(patient, log);
                }
            }
            Console.WriteLine("patient " + d.PatientId + " as of " + d.AsOf.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            Console.WriteLine("tier: " + d.Tier);
            foreach (var p in d.Programs) Console.WriteLine("program " + p.Id + ": " + p.Status);
            foreach (var t in d.Triggers)
            {
                var due = t.DueTime.HasValue ? t.DueTime.Value.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture)
                                             : t.Due.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                Console.WriteLine("trigger " + t.Id + ": " + t.Status + ", due " + due);
            }
            Console.WriteLine("care plan: " + plan.State);
            foreach (var task in plan.Tasks)
            {
                var due = task.DueTime.HasValue ? task.DueTime.Value.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture)
                                                : task.Due.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                Console.WriteLine("task " + task.Id + ": due " + due);
            }
            return 0;
        }
        catch (CarecoordException e)
        {
            Console.Error.WriteLine(e.Status + " error:");
            foreach (var diag in e.Diagnostics) Console.Error.WriteLine("  " + diag);
            return 1;
        }
    }
}
