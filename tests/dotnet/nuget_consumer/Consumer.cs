// A program built only against what `nuget install Carecoord` put in a fresh folder (the
// assembly from lib/, the native library from runtimes/linux-x64/native/): it replays the
// shared care-plan scenario and prints the record. Usage: Consumer.exe RULESETS PATIENT_JSON
using System;
using System.Collections.Generic;
using System.IO;
using Carecoord;

internal static class Consumer
{
    private static int Main(string[] args)
    {
        using (var engine = Engine.Load(args[0]))
        using (var patient = Patient.FromJson(File.ReadAllText(args[1])))
        {
            var log = new List<CarePlanEvent>
            {
                new CarePlanEvent("enrolled", new DateTime(2026, 5, 1, 9, 0, 0)),
                new CarePlanEvent("assessment_completed", new DateTime(2026, 5, 5, 10, 0, 0),
                                  new Dictionary<string, object> { { "plan_changed", true } }),
                new CarePlanEvent("plan_agreed", new DateTime(2026, 5, 8, 10, 0, 0)),
                new CarePlanEvent("services_started", new DateTime(2026, 5, 11, 9, 0, 0)),
                new CarePlanEvent("discharged", new DateTime(2026, 5, 22, 15, 0, 0),
                                  new Dictionary<string, object> { { "encounter", "e1" } }),
            };
            var record = engine.ReplayEvents(patient, log);
            Console.WriteLine("library " + Library.Version);
            Console.WriteLine("state " + record.State);
            foreach (var t in record.Tasks)
                Console.WriteLine("task " + t.Id + " due " + (t.DueTime.HasValue
                    ? t.DueTime.Value.ToString("yyyy-MM-dd'T'HH:mm") : t.Due.ToString("yyyy-MM-dd")));
        }
        return 0;
    }
}
