// The .NET bindings' FHIR entry points: Patient.FromFhirBundle and FhirBulkReader, over the
// real Synthea export. Expected counts come from the export's Patient lines (13, 3 with a
// deceasedDateTime); a deceased patient gets no follow-up trigger (the rules).
// Usage: FhirTests.exe SOURCE_DIR EXPORT_DIR
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Carecoord;
using static Checks;

internal static class FhirTests
{
    private static readonly Regex Id = new Regex("\"id\":\"([^\"]+)\"");

    // A collection Bundle of the patient's resource and every resource whose subject it is.
    private static string BundleOf(string export, string id)
    {
        var entries = new List<string>();
        foreach (var name in new[] { "Patient.000.ndjson", "Condition.000.ndjson", "Encounter.000.ndjson",
                                     "MedicationRequest.000.ndjson" })
            foreach (var line in File.ReadLines(Path.Combine(export, name)))
                if (line.Contains("\"id\":\"" + id + "\"") && line.StartsWith("{\"resourceType\":\"Patient\"") ||
                    line.Contains("\"reference\":\"Patient/" + id + "\""))
                    entries.Add("{\"resource\":" + line + "}");
        return "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[" + string.Join(",", entries) + "]}";
    }

    private static int Main(string[] args)
    {
        if (args.Length != 2)
        {
            Console.Error.WriteLine("usage: FhirTests.exe SOURCE_DIR EXPORT_DIR");
            return 2;
        }
        var source = args[0];
        var export = args[1];
        var asOf = new DateTime(2026, 11, 27);

        var lines = File.ReadLines(Path.Combine(export, "Patient.000.ndjson")).Where(l => l.Trim().Length > 0).ToList();
        var deceased = new HashSet<string>(lines.Where(l => l.Contains("\"deceasedDateTime\""))
                                                .Select(l => Id.Match(l).Groups[1].Value));
        Check(lines.Count == 13 && deceased.Count == 3, "the export: 13 patients, 3 deceased");

        using (var engine = Engine.Load(Path.Combine(source, "rulesets")))
        {
            var jsons = new Dictionary<string, string>();
            int seen = 0, deceasedSeen = 0;
            using (var reader = FhirBulkReader.Open(export))
            {
                Check(reader.PatientCount == lines.Count, "PatientCount");
                foreach (var p in reader)
                    using (p)
                    {
                        ++seen;
                        foreach (var w in p.Warnings)
                            Check(w.Code.StartsWith("E08") && w.FieldPath.Contains("/") && w.File.Length > 0 &&
                                  (w.Severity == "warning" || w.Severity == "note"), "warning names resource and file");
                        var d = engine.Evaluate(p, asOf);
                        jsons[d.PatientId] = d.Json;
                        if (deceased.Contains(d.PatientId))
                        {
                            ++deceasedSeen;
                            Check(d.Triggers.Count == 0, "deceased patient " + d.PatientId + ": no trigger");
                        }
                    }
                Check(reader.Errors.Count == 0, "every patient mapped");
                Check(reader.Next() == null, "after the end, null");
            }
            Check(seen == lines.Count, "bulk reader: every patient (" + seen + ")");
            Check(deceasedSeen == deceased.Count, "bulk reader: every deceased patient");

            var id = deceased.OrderBy(x => x, StringComparer.Ordinal).First();
            using (var p = Patient.FromFhirBundle(BundleOf(export, id)))
            {
                var d = engine.Evaluate(p, asOf);
                Check(d.PatientId == id && d.Triggers.Count == 0, "Bundle: deceased, no trigger");
                Check(jsons.ContainsKey(id) && d.Json == jsons[id], "Bundle and bulk reader agree");
            }
        }

        const string small =
            "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[" +
            "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"fx-1\",\"birthDate\":\"1950-06-15\"}}," +
            "{\"resource\":{\"resourceType\":\"Condition\",\"id\":\"cond-1\",\"subject\":{\"reference\":\"Patient/fx-1\"}," +
            "\"code\":{\"coding\":[{\"system\":\"http://example.org/local\",\"code\":\"SECRET42\"}]}}}]}";
        using (var p = Patient.FromFhirBundle(small))
        {
            var w = p.Warnings;
            Check(w.Count == 1 && w[0].Code == "E0803" && w[0].Severity == "warning" &&
                  w[0].FieldPath.StartsWith("Condition/cond-1.") && !w[0].ToString().Contains("SECRET42"),
                  "Bundle warning: E0803 at Condition/cond-1, no value");
        }
        using (var p = Patient.FromJson("{\"id\": \"j\", \"birth_date\": \"1950-01-01\"}"))
            Check(p.Warnings.Count == 0, "no warnings outside FHIR");

        try
        {
            Patient.FromFhirBundle("{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[]}");
            Check(false, "Bundle without a Patient refused");
        }
        catch (PatientException e)
        {
            Check(e.Code.StartsWith("E08"), "Bundle without a Patient: E08xx");
        }
        // Issue 13: an entry without a resource, and a null entry, crashed the process.
        try
        {
            Patient.FromFhirBundle("{\"resourceType\":\"Bundle\",\"entry\":[{}]}");
            Check(false, "Bundle of an empty entry refused");
        }
        catch (PatientException e)
        {
            Check(e.Code == "E0806", "Bundle of an empty entry: E0806 (no Patient), no crash");
        }
        using (var p = Patient.FromFhirBundle("{\"resourceType\":\"Bundle\",\"entry\":[null,{\"resource\":" +
                                              "{\"resourceType\":\"Patient\",\"id\":\"n\",\"birthDate\":\"1950-01-01\"}}]}"))
        {
            var w = p.Warnings;
            Check(w.Count == 1 && w[0].Code == "E0801" && w[0].FieldPath == "entry[0].resource",
                  "null entry: warning E0801 at entry[0].resource");
        }
        try
        {
            FhirBulkReader.Open(Path.Combine(export, "no-such-directory"));
            Check(false, "missing export refused");
        }
        catch (PatientException e)
        {
            Check(e.Code == "E0809", "missing export: E0809");
        }
        // tests/fhir/bulk-warnings (its README): fx-1 with a warning, fx-2 not mappable, fx-3 clean.
        using (var reader = FhirBulkReader.Open(Path.Combine(source, "tests/fhir/bulk-warnings")))
        {
            var patients = reader.ToList();
            Check(patients.Count == 2 && patients[0].Warnings.Count == 1 && patients[0].Warnings[0].Code == "E0803" &&
                  patients[0].Warnings[0].Line == 1 && patients[1].Warnings.Count == 0, "fixture: warnings");
            Check(reader.Errors.Count == 1 && reader.Errors[0].Code == "E0802" &&
                  reader.Errors[0].FieldPath.StartsWith("Patient/fx-2."), "fixture: fx-2 skipped, in Errors");
            Check(reader.ExportDiagnostics.Count == 1 && reader.ExportDiagnostics[0].Code == "E0806",
                  "fixture: export diagnostic");
            foreach (var p in patients) p.Dispose();
        }
        using (var reader = FhirBulkReader.Open(Path.Combine(source, "tests/fhir/bulk-warnings"), strict: true))
        {
            Check(reader.Next() != null, "strict: fx-1");
            try
            {
                reader.Next();
                Check(false, "strict: fx-2 throws");
            }
            catch (PatientException e)
            {
                Check(e.Code == "E0802", "strict: fx-2 throws E0802");
            }
            Check(reader.Next() != null && reader.Next() == null, "strict: fx-3, then the end");
        }

        var closed = FhirBulkReader.Open(export);
        closed.Dispose();
        try
        {
            closed.Next();
            Check(false, "disposed reader refused");
        }
        catch (ObjectDisposedException)
        {
            Check(true, "disposed reader refused");
        }

        return Checks.Report();
    }
}
