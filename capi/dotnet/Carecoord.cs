// Carecoord for .NET: P/Invoke over libcarecoord (capi/carecoord.h).
//
// Every C handle lives in a SafeHandle, so it is freed exactly once, by Dispose or by the
// finalizer, in any order: a Determination is plain managed data copied out of the C
// result, so it outlives the Engine and the Patient. Failures raise CarecoordException
// (subclasses per status) carrying the code, message, file, line, column, rule id and
// field path of every diagnostic.
//
// Thread safety: an Engine may evaluate on many threads at once; a Patient being built
// must not be modified concurrently.
//
// Written in the C# that Mono's mcs compiles (C# 7) and that the .NET SDK builds
// unchanged (Carecoord.csproj): results are immutable classes rather than C# 9 records.
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Carecoord
{
    /// <summary>The status codes of carecoord.h.</summary>
    public enum Status
    {
        Ok = 0,
        Argument = 1,
        Ruleset = 2,
        Patient = 3,
        Evaluation = 4,
        NoMemory = 5,
        Internal = 6,
        /// <summary>Not failures: carecoord_fhir_bulk_next() read a patient with warnings,
        /// or there are no more patients.</summary>
        OkWithWarnings = 7,
        End = 8,
    }

    /// <summary>One problem: a stable code ("E0204") and where it is. Messages name
    /// fields and rules, never patient values.</summary>
    public sealed class Diagnostic
    {
        public Diagnostic(string code, string message, string file, int line, int column, string ruleId,
                          string fieldPath)
            : this(code, message, file, line, column, ruleId, fieldPath, "error") { }

        public Diagnostic(string code, string message, string file, int line, int column, string ruleId,
                          string fieldPath, string severity)
        {
            Code = code; Message = message; File = file; Line = line; Column = column; RuleId = ruleId;
            FieldPath = fieldPath; Severity = string.IsNullOrEmpty(severity) ? "error" : severity;
        }

        public string Code { get; }
        public string Message { get; }
        public string File { get; }
        public int Line { get; }
        public int Column { get; }
        public string RuleId { get; }
        public string FieldPath { get; }
        /// <summary>"error", "warning" (FHIR warnings) or "note".</summary>
        public string Severity { get; }

        public override string ToString()
        {
            var where = File + (Line > 0 ? ":" + Line + ":" + Column : "");
            return (where.Length > 0 ? where + ": " : "") + Severity + "[" + Code + "]: " + Message +
                   (FieldPath.Length > 0 ? " (" + FieldPath + ")" : "");
        }
    }

    /// <summary>A failed call. The properties describe the first diagnostic;
    /// <see cref="Diagnostics"/> holds all of them.</summary>
    public class CarecoordException : Exception
    {
        public CarecoordException(Status status, IList<Diagnostic> diagnostics)
            : base(Describe(status, diagnostics))
        {
            Status = status;
            Diagnostics = new ReadOnlyCollection<Diagnostic>(diagnostics);
        }

        public Status Status { get; }
        public ReadOnlyCollection<Diagnostic> Diagnostics { get; }
        public string Code { get { return First == null ? "" : First.Code; } }
        public string File { get { return First == null ? "" : First.File; } }
        public int Line { get { return First == null ? 0 : First.Line; } }
        public int Column { get { return First == null ? 0 : First.Column; } }
        public string RuleId { get { return First == null ? "" : First.RuleId; } }
        public string FieldPath { get { return First == null ? "" : First.FieldPath; } }
        private Diagnostic First { get { return Diagnostics.Count > 0 ? Diagnostics[0] : null; } }

        private static string Describe(Status status, IList<Diagnostic> diagnostics)
        {
            if (diagnostics.Count == 0) return status.ToString();
            var parts = new List<string>();
            foreach (var d in diagnostics) parts.Add(d.ToString());
            return string.Join("; ", parts);
        }
    }

    public sealed class CarecoordArgumentException : CarecoordException
    {
        public CarecoordArgumentException(IList<Diagnostic> d) : base(Status.Argument, d) { }
    }

    public sealed class RulesetException : CarecoordException
    {
        public RulesetException(IList<Diagnostic> d) : base(Status.Ruleset, d) { }
    }

    public sealed class PatientException : CarecoordException
    {
        public PatientException(IList<Diagnostic> d) : base(Status.Patient, d) { }
    }

    public sealed class EvaluationException : CarecoordException
    {
        public EvaluationException(IList<Diagnostic> d) : base(Status.Evaluation, d) { }
    }

    // ---- handles -------------------------------------------------------------------

    // One SafeHandle type per C handle type (P/Invoke needs the concrete type for `out`),
    // each naming only its free function.
    internal abstract class NativeHandle : SafeHandle
    {
        protected NativeHandle() : base(IntPtr.Zero, true) { }
        public override bool IsInvalid { get { return handle == IntPtr.Zero; } }
        protected abstract void Free(IntPtr h);
        protected override bool ReleaseHandle() { Free(handle); return true; }
    }

    internal sealed class EngineHandle : NativeHandle
    {
        protected override void Free(IntPtr h) { Native.carecoord_engine_free(h); }
    }

    internal sealed class PatientHandle : NativeHandle
    {
        protected override void Free(IntPtr h) { Native.carecoord_patient_free(h); }
    }

    internal sealed class ResultHandle : NativeHandle
    {
        protected override void Free(IntPtr h) { Native.carecoord_result_free(h); }
    }

    internal sealed class ErrorHandle : NativeHandle
    {
        protected override void Free(IntPtr h) { Native.carecoord_error_free(h); }
    }

    internal sealed class FhirBulkHandle : NativeHandle
    {
        protected override void Free(IntPtr h) { Native.carecoord_fhir_bulk_free(h); }
    }

    internal static class Native
    {
        private const string Lib = "carecoord";

        [DllImport(Lib)] public static extern IntPtr carecoord_version();
        [DllImport(Lib)] public static extern int carecoord_version_number();
        [DllImport(Lib)] public static extern int carecoord_schema_version_min();
        [DllImport(Lib)] public static extern int carecoord_schema_version_max();

        [DllImport(Lib)] public static extern void carecoord_error_free(IntPtr err);
        [DllImport(Lib)] public static extern IntPtr carecoord_error_next(IntPtr err);
        [DllImport(Lib)] public static extern IntPtr carecoord_error_code(IntPtr err);
        [DllImport(Lib)] public static extern IntPtr carecoord_error_message(IntPtr err);
        [DllImport(Lib)] public static extern IntPtr carecoord_error_file(IntPtr err);
        [DllImport(Lib)] public static extern int carecoord_error_line(IntPtr err);
        [DllImport(Lib)] public static extern int carecoord_error_column(IntPtr err);
        [DllImport(Lib)] public static extern IntPtr carecoord_error_rule_id(IntPtr err);
        [DllImport(Lib)] public static extern IntPtr carecoord_error_field_path(IntPtr err);

        [DllImport(Lib)] public static extern Status carecoord_engine_load_path(out EngineHandle engine, byte[] path, out ErrorHandle err);
        [DllImport(Lib)] public static extern Status carecoord_engine_load_string(out EngineHandle engine, byte[] text, UIntPtr len, byte[] name, out ErrorHandle err);
        [DllImport(Lib)] public static extern void carecoord_engine_free(IntPtr engine);
        [DllImport(Lib)] public static extern UIntPtr carecoord_engine_ruleset_count(EngineHandle engine);
        [DllImport(Lib)] public static extern IntPtr carecoord_engine_ruleset_id(EngineHandle engine, UIntPtr i);
        [DllImport(Lib)] public static extern IntPtr carecoord_engine_ruleset_version(EngineHandle engine, UIntPtr i);

        [DllImport(Lib)] public static extern Status carecoord_patient_parse(out PatientHandle patient, byte[] text, UIntPtr len, int format, out ErrorHandle err);
        [DllImport(Lib)] public static extern void carecoord_patient_free(IntPtr patient);
        [DllImport(Lib)] public static extern Status carecoord_patient_new(out PatientHandle patient, byte[] id, byte[] birthDate, out ErrorHandle err);
        [DllImport(Lib)] public static extern Status carecoord_patient_set_sex(PatientHandle p, byte[] sex, out ErrorHandle err);
        [DllImport(Lib)] public static extern Status carecoord_patient_set_deceased(PatientHandle p, byte[] date, out ErrorHandle err);
        [DllImport(Lib)] public static extern Status carecoord_patient_add_coverage(PatientHandle p, byte[] payer, byte[] plan, byte[] start, byte[] end, out ErrorHandle err);
        [DllImport(Lib)] public static extern Status carecoord_patient_add_condition(PatientHandle p, byte[] code, byte[] system, byte[] status, byte[] onset, byte[] abatement, out ErrorHandle err);
        [DllImport(Lib)] public static extern Status carecoord_patient_add_encounter(PatientHandle p, byte[] cls, byte[] admit, byte[] discharge, out ErrorHandle err);
        [DllImport(Lib)] public static extern Status carecoord_patient_add_care_team_member(PatientHandle p, byte[] role, byte[] specialty, out ErrorHandle err);
        [DllImport(Lib)] public static extern Status carecoord_patient_add_medication(PatientHandle p, byte[] code, byte[] system, byte[] name, byte[] status, out ErrorHandle err);
        [DllImport(Lib)] public static extern Status carecoord_patient_add_medication_event(PatientHandle p, UIntPtr medication, byte[] type, byte[] date, out ErrorHandle err);
        [DllImport(Lib)] public static extern Status carecoord_patient_add_observation(PatientHandle p, byte[] code, byte[] system, byte[] date, double value, int hasValue, out ErrorHandle err);
        [DllImport(Lib)] public static extern Status carecoord_patient_set_field(PatientHandle p, byte[] path, byte[] value, out ErrorHandle err);

        [DllImport(Lib)] public static extern Status carecoord_evaluate_ymd(out ResultHandle result, EngineHandle engine, PatientHandle patient, int year, int month, int day, out ErrorHandle err);
        [DllImport(Lib)] public static extern void carecoord_result_free(IntPtr result);
        [DllImport(Lib)] public static extern IntPtr carecoord_result_json(ResultHandle r);
        [DllImport(Lib)] public static extern IntPtr carecoord_result_patient_id(ResultHandle r);
        [DllImport(Lib)] public static extern IntPtr carecoord_result_as_of(ResultHandle r);
        [DllImport(Lib)] public static extern IntPtr carecoord_result_tier(ResultHandle r);
        [DllImport(Lib)] public static extern int carecoord_result_tier_by_default(ResultHandle r);
        [DllImport(Lib)] public static extern UIntPtr carecoord_result_tier_rule_count(ResultHandle r);
        [DllImport(Lib)] public static extern IntPtr carecoord_result_tier_rule_id(ResultHandle r, UIntPtr i);
        [DllImport(Lib)] public static extern IntPtr carecoord_result_tier_rule_reason(ResultHandle r, UIntPtr i);
        [DllImport(Lib)] public static extern UIntPtr carecoord_result_flag_count(ResultHandle r);
        [DllImport(Lib)] public static extern IntPtr carecoord_result_flag_id(ResultHandle r, UIntPtr i);
        [DllImport(Lib)] public static extern UIntPtr carecoord_result_program_count(ResultHandle r);
        [DllImport(Lib)] public static extern IntPtr carecoord_result_program_id(ResultHandle r, UIntPtr i);
        [DllImport(Lib)] public static extern IntPtr carecoord_result_program_status_name(ResultHandle r, UIntPtr i);
        [DllImport(Lib)] public static extern IntPtr carecoord_result_program_reason(ResultHandle r, UIntPtr i);
        [DllImport(Lib)] public static extern IntPtr carecoord_result_program_source(ResultHandle r, UIntPtr i);
        [DllImport(Lib)] public static extern UIntPtr carecoord_result_program_missing_count(ResultHandle r, UIntPtr i);
        [DllImport(Lib)] public static extern IntPtr carecoord_result_program_missing(ResultHandle r, UIntPtr i, UIntPtr j);
        // FHIR output: an owned string, freed with carecoord_string_free.
        [DllImport(Lib)] public static extern Status carecoord_result_fhir(out IntPtr bundle, ResultHandle r, byte[] carePlanId, byte[] utcOffset, byte[] recorded, out ErrorHandle err);
        [DllImport(Lib)] public static extern void carecoord_string_free(IntPtr s);
        [DllImport(Lib)] public static extern UIntPtr carecoord_result_trigger_count(ResultHandle r);
        [DllImport(Lib)] public static extern IntPtr carecoord_result_trigger_id(ResultHandle r, UIntPtr i);
        [DllImport(Lib)] public static extern IntPtr carecoord_result_trigger_status_name(ResultHandle r, UIntPtr i);
        [DllImport(Lib)] public static extern IntPtr carecoord_result_trigger_anchor(ResultHandle r, UIntPtr i);
        [DllImport(Lib)] public static extern IntPtr carecoord_result_trigger_due(ResultHandle r, UIntPtr i);
        [DllImport(Lib)] public static extern IntPtr carecoord_result_trigger_due_time(ResultHandle r, UIntPtr i);
        [DllImport(Lib)] public static extern IntPtr carecoord_result_trigger_action(ResultHandle r, UIntPtr i);
        [DllImport(Lib)] public static extern IntPtr carecoord_result_trigger_reason(ResultHandle r, UIntPtr i);
        [DllImport(Lib)] public static extern UIntPtr carecoord_result_missing_count(ResultHandle r);
        [DllImport(Lib)] public static extern IntPtr carecoord_result_missing(ResultHandle r, UIntPtr i);

        // FHIR input (carecoord.h, "FHIR R4 input").
        [DllImport(Lib)] public static extern IntPtr carecoord_patient_warnings(PatientHandle p);
        [DllImport(Lib)] public static extern IntPtr carecoord_error_severity(IntPtr err);
        [DllImport(Lib)] public static extern Status carecoord_fhir_bulk_open(out FhirBulkHandle reader, byte[] directory, out ErrorHandle err);
        [DllImport(Lib)] public static extern Status carecoord_fhir_bulk_next(FhirBulkHandle reader, out PatientHandle patient, out ErrorHandle err);
        [DllImport(Lib)] public static extern UIntPtr carecoord_fhir_bulk_patient_count(FhirBulkHandle reader);
        [DllImport(Lib)] public static extern IntPtr carecoord_fhir_bulk_export_diagnostics(FhirBulkHandle reader);
        [DllImport(Lib)] public static extern void carecoord_fhir_bulk_free(IntPtr reader);

        /// <summary>A borrowed NUL-terminated UTF-8 string ("" for NULL).</summary>
        public static string Text(IntPtr p)
        {
            if (p == IntPtr.Zero) return "";
            int n = 0;
            while (Marshal.ReadByte(p, n) != 0) ++n;
            var bytes = new byte[n];
            Marshal.Copy(p, bytes, 0, n);
            return Encoding.UTF8.GetString(bytes);
        }

        /// <summary>A string argument: NUL-terminated UTF-8, or null for a C NULL.</summary>
        public static byte[] Utf8(string s)
        {
            if (s == null) return null;
            var bytes = Encoding.UTF8.GetBytes(s);
            Array.Resize(ref bytes, bytes.Length + 1);
            return bytes;
        }

        public static UIntPtr U(int i) { return new UIntPtr((uint)i); }
        public static int N(UIntPtr n) { return checked((int)n.ToUInt64()); }

        /// <summary>The diagnostics of a C error list from its first object (borrowed, not freed).</summary>
        public static List<Diagnostic> Diagnostics(IntPtr first)
        {
            var list = new List<Diagnostic>();
            for (var e = first; e != IntPtr.Zero; e = carecoord_error_next(e))
                list.Add(new Diagnostic(Text(carecoord_error_code(e)), Text(carecoord_error_message(e)),
                                        Text(carecoord_error_file(e)), carecoord_error_line(e),
                                        carecoord_error_column(e), Text(carecoord_error_rule_id(e)),
                                        Text(carecoord_error_field_path(e)), Text(carecoord_error_severity(e))));
            return list;
        }

        /// <summary>Throws the error a call returned; frees the C error.</summary>
        public static void Check(Status status, ErrorHandle err)
        {
            using (err)
            {
                if (status == Status.Ok) return;
                var list = Diagnostics(err != null && !err.IsInvalid ? err.DangerousGetHandle() : IntPtr.Zero);
                switch (status)
                {
                    case Status.Argument: throw new CarecoordArgumentException(list);
                    case Status.Ruleset: throw new RulesetException(list);
                    case Status.Patient: throw new PatientException(list);
                    case Status.Evaluation: throw new EvaluationException(list);
                    case Status.NoMemory: throw new OutOfMemoryException("carecoord: out of memory");
                    default: throw new CarecoordException(status, list);
                }
            }
        }
    }

    /// <summary>Library versions.</summary>
    public static class Library
    {
        public static string Version { get { return Native.Text(Native.carecoord_version()); } }
        public static int SchemaVersionMin { get { return Native.carecoord_schema_version_min(); } }
        public static int SchemaVersionMax { get { return Native.carecoord_schema_version_max(); } }
    }

    // ---- results ---------------------------------------------------------------------

    public sealed class TierRule
    {
        public TierRule(string id, string reason) { Id = id; Reason = reason; }
        public string Id { get; }
        public string Reason { get; }
    }

    /// <summary>A payer program: Status is "eligible", "not_eligible" or "unknown" (then
    /// Missing names the absent patient fields).</summary>
    public sealed class Program
    {
        public Program(string id, string status, string reason, string source, IList<string> missing)
        {
            Id = id; Status = status; Reason = reason; Source = source;
            Missing = new ReadOnlyCollection<string>(missing);
        }
        public string Id { get; }
        public string Status { get; }
        public string Reason { get; }
        public string Source { get; }
        public ReadOnlyCollection<string> Missing { get; }
        public bool Eligible { get { return Status == "eligible"; } }
    }

    /// <summary>A follow-up that is due ("open" or "overdue"). DueTime is set when the
    /// trigger counts hours (72 hours after discharge), as a wall-clock time.</summary>
    public sealed class Trigger
    {
        public Trigger(string id, string status, DateTime anchor, DateTime due, DateTime? dueTime, string action,
                       string reason)
        {
            Id = id; Status = status; Anchor = anchor; Due = due; DueTime = dueTime; Action = action; Reason = reason;
        }
        public string Id { get; }
        public string Status { get; }
        public DateTime Anchor { get; }
        public DateTime Due { get; }
        public DateTime? DueTime { get; }
        public string Action { get; }
        public string Reason { get; }
    }

    /// <summary>What one evaluation answers. Json is byte for byte what
    /// `carecoord eval --format ndjson` writes.</summary>
    public sealed class Determination
    {
        internal Determination(ResultHandle r)
        {
            PatientId = Native.Text(Native.carecoord_result_patient_id(r));
            AsOf = ParseDate(Native.carecoord_result_as_of(r));
            Tier = Native.Text(Native.carecoord_result_tier(r));
            TierByDefault = Native.carecoord_result_tier_by_default(r) != 0;
            Json = Native.Text(Native.carecoord_result_json(r));
            var rules = new List<TierRule>();
            for (int i = 0, n = Native.N(Native.carecoord_result_tier_rule_count(r)); i < n; ++i)
                rules.Add(new TierRule(Native.Text(Native.carecoord_result_tier_rule_id(r, Native.U(i))),
                                       Native.Text(Native.carecoord_result_tier_rule_reason(r, Native.U(i)))));
            TierRules = rules.AsReadOnly();
            var flags = new List<string>();
            for (int i = 0, n = Native.N(Native.carecoord_result_flag_count(r)); i < n; ++i)
                flags.Add(Native.Text(Native.carecoord_result_flag_id(r, Native.U(i))));
            Flags = flags.AsReadOnly();
            var programs = new List<Program>();
            for (int i = 0, n = Native.N(Native.carecoord_result_program_count(r)); i < n; ++i)
            {
                var u = Native.U(i);
                var missing = new List<string>();
                for (int j = 0, m = Native.N(Native.carecoord_result_program_missing_count(r, u)); j < m; ++j)
                    missing.Add(Native.Text(Native.carecoord_result_program_missing(r, u, Native.U(j))));
                programs.Add(new Program(Native.Text(Native.carecoord_result_program_id(r, u)),
                                         Native.Text(Native.carecoord_result_program_status_name(r, u)),
                                         Native.Text(Native.carecoord_result_program_reason(r, u)),
                                         Native.Text(Native.carecoord_result_program_source(r, u)), missing));
            }
            Programs = programs.AsReadOnly();
            var triggers = new List<Trigger>();
            for (int i = 0, n = Native.N(Native.carecoord_result_trigger_count(r)); i < n; ++i)
            {
                var u = Native.U(i);
                var dueTime = Native.carecoord_result_trigger_due_time(r, u);
                triggers.Add(new Trigger(Native.Text(Native.carecoord_result_trigger_id(r, u)),
                                         Native.Text(Native.carecoord_result_trigger_status_name(r, u)),
                                         ParseDate(Native.carecoord_result_trigger_anchor(r, u)),
                                         ParseDate(Native.carecoord_result_trigger_due(r, u)),
                                         dueTime == IntPtr.Zero ? (DateTime?)null
                                             : DateTime.ParseExact(Native.Text(dueTime), "yyyy-MM-dd'T'HH:mm",
                                                                   CultureInfo.InvariantCulture),
                                         Native.Text(Native.carecoord_result_trigger_action(r, u)),
                                         Native.Text(Native.carecoord_result_trigger_reason(r, u))));
            }
            Triggers = triggers.AsReadOnly();
            var all = new List<string>();
            for (int i = 0, n = Native.N(Native.carecoord_result_missing_count(r)); i < n; ++i)
                all.Add(Native.Text(Native.carecoord_result_missing(r, Native.U(i))));
            Missing = all.AsReadOnly();
        }

        private static DateTime ParseDate(IntPtr p)
        {
            return DateTime.ParseExact(Native.Text(p), "yyyy-MM-dd", CultureInfo.InvariantCulture);
        }

        public string PatientId { get; }
        public DateTime AsOf { get; }
        public string Tier { get; }
        public bool TierByDefault { get; }
        public ReadOnlyCollection<TierRule> TierRules { get; }
        public ReadOnlyCollection<string> Flags { get; }
        public ReadOnlyCollection<Program> Programs { get; }
        public ReadOnlyCollection<Trigger> Triggers { get; }
        public ReadOnlyCollection<string> Missing { get; }
        public string Json { get; }

        public Program FindProgram(string id)
        {
            foreach (var p in Programs) if (p.Id == id) return p;
            return null;
        }

        public Trigger FindTrigger(string id)
        {
            foreach (var t in Triggers) if (t.Id == id) return t;
            return null;
        }
    }

    // ---- patients and the engine -----------------------------------------------------

    /// <summary>One patient, from a document or built field by field (names and values
    /// of docs/patient-schema.md). Invalid values raise PatientException naming the field
    /// path; the patient is then unchanged.</summary>
    public sealed class Patient : IDisposable
    {
        internal readonly PatientHandle Handle;

        internal Patient(PatientHandle handle) { Handle = handle; }

        public static Patient FromJson(string text) { return Parse(text, 0); }
        public static Patient FromYaml(string text) { return Parse(text, 1); }

        /// <summary>A patient from a FHIR R4 Bundle (JSON) holding one Patient and its
        /// resources (docs/fhir.md). Resources that cannot be mapped are skipped and listed
        /// in Warnings; a Bundle with no Patient or several, or a Patient without a
        /// birthDate, raises PatientException. Bulk exports: FhirBulkReader.</summary>
        public static Patient FromFhirBundle(string json) { return Parse(json, 2); }

        /// <summary>The warnings of the FHIR reading that produced this patient, each naming
        /// the resource and element in FieldPath ("Condition/&lt;id&gt;.code") and, from a bulk
        /// export, the file and line. Empty for a patient not read from FHIR.</summary>
        public IList<Diagnostic> Warnings
        {
            get { return new ReadOnlyCollection<Diagnostic>(Native.Diagnostics(Native.carecoord_patient_warnings(Live()))); }
        }

        private static Patient Parse(string text, int format)
        {
            var bytes = Encoding.UTF8.GetBytes(text ?? "");
            PatientHandle h;
            ErrorHandle err;
            var st = Native.carecoord_patient_parse(out h, bytes, Native.U(bytes.Length), format, out err);
            Native.Check(st, err);
            return new Patient(h);
        }

        public static Patient Create(string id, DateTime birthDate)
        {
            PatientHandle h;
            ErrorHandle err;
            var st = Native.carecoord_patient_new(out h, Native.Utf8(id), Native.Utf8(Date(birthDate)), out err);
            Native.Check(st, err);
            return new Patient(h);
        }

        private static string Date(DateTime? d)
        {
            return d.HasValue ? d.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : null;
        }

        private static string DateTimeText(DateTime? d)
        {
            return d.HasValue ? d.Value.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture) : null;
        }

        private PatientHandle Live()
        {
            if (Handle.IsClosed) throw new ObjectDisposedException("Patient");
            return Handle;
        }

        public Patient SetSex(string sex)
        {
            ErrorHandle err;
            Native.Check(Native.carecoord_patient_set_sex(Live(), Native.Utf8(sex), out err), err);
            return this;
        }

        public Patient SetDeceased(DateTime? date)
        {
            ErrorHandle err;
            Native.Check(Native.carecoord_patient_set_deceased(Live(), Native.Utf8(Date(date)), out err), err);
            return this;
        }

        public Patient AddCoverage(string payer, string plan = null, DateTime? start = null, DateTime? end = null)
        {
            ErrorHandle err;
            Native.Check(Native.carecoord_patient_add_coverage(Live(), Native.Utf8(payer), Native.Utf8(plan),
                                                               Native.Utf8(Date(start)), Native.Utf8(Date(end)), out err), err);
            return this;
        }

        public Patient AddCondition(string code, string system = null, string status = null, DateTime? onset = null,
                                    DateTime? abatement = null)
        {
            ErrorHandle err;
            Native.Check(Native.carecoord_patient_add_condition(Live(), Native.Utf8(code), Native.Utf8(system),
                                                                Native.Utf8(status), Native.Utf8(Date(onset)),
                                                                Native.Utf8(Date(abatement)), out err), err);
            return this;
        }

        public Patient AddEncounter(string encounterClass, DateTime? admit = null, DateTime? discharge = null)
        {
            ErrorHandle err;
            Native.Check(Native.carecoord_patient_add_encounter(Live(), Native.Utf8(encounterClass),
                                                                Native.Utf8(DateTimeText(admit)),
                                                                Native.Utf8(DateTimeText(discharge)), out err), err);
            return this;
        }

        public Patient AddCareTeamMember(string role, string specialty = null)
        {
            ErrorHandle err;
            Native.Check(Native.carecoord_patient_add_care_team_member(Live(), Native.Utf8(role),
                                                                       Native.Utf8(specialty), out err), err);
            return this;
        }

        public Patient AddMedication(string code, string system = null, string name = null, string status = null)
        {
            ErrorHandle err;
            Native.Check(Native.carecoord_patient_add_medication(Live(), Native.Utf8(code), Native.Utf8(system),
                                                                 Native.Utf8(name), Native.Utf8(status), out err), err);
            return this;
        }

        public Patient AddMedicationEvent(int medication, string type, DateTime date)
        {
            ErrorHandle err;
            Native.Check(Native.carecoord_patient_add_medication_event(Live(), Native.U(medication), Native.Utf8(type),
                                                                       Native.Utf8(Date(date)), out err), err);
            return this;
        }

        public Patient AddObservation(string code, DateTime date, double? value = null, string system = null)
        {
            ErrorHandle err;
            Native.Check(Native.carecoord_patient_add_observation(Live(), Native.Utf8(code), Native.Utf8(system),
                                                                  Native.Utf8(Date(date)), value ?? 0.0,
                                                                  value.HasValue ? 1 : 0, out err), err);
            return this;
        }

        /// <summary>Sets a scalar field by document path ("social.food_insecurity",
        /// "encounters[0].disposition") to its document text ("true", "2026-01-01", "home");
        /// null clears it.</summary>
        public Patient SetField(string path, string value)
        {
            ErrorHandle err;
            Native.Check(Native.carecoord_patient_set_field(Live(), Native.Utf8(path), Native.Utf8(value), out err), err);
            return this;
        }

        public void Dispose() { Handle.Dispose(); }
    }

    /// <summary>The patients of a FHIR bulk-data export directory (Patient.ndjson,
    /// Condition.000.ndjson...), one at a time in the order of the Patient files, each with
    /// its Warnings; memory is bounded by an index of byte offsets (docs/fhir.md). A patient
    /// that cannot be mapped is skipped and its PatientException kept in Errors (with
    /// Strict, thrown). Not thread safe. Patients outlive the reader.</summary>
    public sealed class FhirBulkReader : IDisposable, IEnumerable<Patient>
    {
        private readonly FhirBulkHandle handle;
        private readonly List<PatientException> errors = new List<PatientException>();

        private FhirBulkReader(FhirBulkHandle h, bool strict) { handle = h; Strict = strict; }

        /// <summary>Opens an export; PatientException (E0709) when it cannot be read.</summary>
        public static FhirBulkReader Open(string directory, bool strict = false)
        {
            FhirBulkHandle h;
            ErrorHandle err;
            var st = Native.carecoord_fhir_bulk_open(out h, Native.Utf8(directory), out err);
            Native.Check(st, err);
            return new FhirBulkReader(h, strict);
        }

        public bool Strict { get; }
        /// <summary>The patients skipped because they could not be mapped.</summary>
        public IList<PatientException> Errors { get { return errors.AsReadOnly(); } }

        private FhirBulkHandle Live()
        {
            if (handle.IsClosed) throw new ObjectDisposedException("FhirBulkReader");
            return handle;
        }

        /// <summary>The number of Patient resources in the export.</summary>
        public int PatientCount { get { return Native.N(Native.carecoord_fhir_bulk_patient_count(Live())); } }

        /// <summary>Problems that belong to no patient, with file and line.</summary>
        public IList<Diagnostic> ExportDiagnostics
        {
            get { return new ReadOnlyCollection<Diagnostic>(Native.Diagnostics(Native.carecoord_fhir_bulk_export_diagnostics(Live()))); }
        }

        /// <summary>The next patient, or null after the last.</summary>
        public Patient Next()
        {
            while (true)
            {
                PatientHandle p;
                ErrorHandle err;
                var st = Native.carecoord_fhir_bulk_next(Live(), out p, out err);
                if (st == Status.Ok || st == Status.OkWithWarnings) return new Patient(p);
                p.Dispose();
                if (st == Status.End) { err.Dispose(); return null; }
                try
                {
                    Native.Check(st, err);
                }
                catch (PatientException e)
                {
                    if (Strict) throw;
                    errors.Add(e);
                }
            }
        }

        public IEnumerator<Patient> GetEnumerator()
        {
            for (var p = Next(); p != null; p = Next()) yield return p;
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() { return GetEnumerator(); }

        public void Dispose() { handle.Dispose(); }
    }

    /// <summary>Loaded, compiled rulesets. Immutable: share one Engine between threads.
    /// Determinations outlive it.</summary>
    public sealed class Engine : IDisposable
    {
        private readonly EngineHandle handle;

        private Engine(EngineHandle h) { handle = h; }

        /// <summary>Every ruleset in a file or directory; RulesetException lists every
        /// diagnostic with its file, line and column.</summary>
        public static Engine Load(string path)
        {
            EngineHandle h;
            ErrorHandle err;
            var st = Native.carecoord_engine_load_path(out h, Native.Utf8(path), out err);
            Native.Check(st, err);
            return new Engine(h);
        }

        /// <summary>One ruleset from YAML text; name is the file name diagnostics report.</summary>
        public static Engine FromString(string yaml, string name = "<string>")
        {
            var bytes = Encoding.UTF8.GetBytes(yaml ?? "");
            EngineHandle h;
            ErrorHandle err;
            var st = Native.carecoord_engine_load_string(out h, bytes, Native.U(bytes.Length), Native.Utf8(name), out err);
            Native.Check(st, err);
            return new Engine(h);
        }

        private EngineHandle Live()
        {
            if (handle.IsClosed) throw new ObjectDisposedException("Engine");
            return handle;
        }

        /// <summary>"id version" of every loaded ruleset version.</summary>
        public IList<string> Rulesets
        {
            get
            {
                var h = Live();
                var list = new List<string>();
                for (int i = 0, n = Native.N(Native.carecoord_engine_ruleset_count(h)); i < n; ++i)
                    list.Add(Native.Text(Native.carecoord_engine_ruleset_id(h, Native.U(i))) + " " +
                             Native.Text(Native.carecoord_engine_ruleset_version(h, Native.U(i))));
                return list;
            }
        }

        /// <summary>Evaluates with the ruleset versions in force at asOf (its date part).</summary>
        public Determination Evaluate(Patient patient, DateTime asOf)
        {
            if (patient == null) throw new ArgumentNullException("patient");
            if (patient.Handle.IsClosed) throw new ObjectDisposedException("Patient");
            ResultHandle result;
            ErrorHandle err;
            var st = Native.carecoord_evaluate_ymd(out result, Live(), patient.Handle, asOf.Year, asOf.Month, asOf.Day,
                                                   out err);
            Native.Check(st, err);
            using (result) return new Determination(result);
        }

        /// <summary>Evaluates a patient JSON document.</summary>
        public Determination Evaluate(string patientJson, DateTime asOf)
        {
            Live();  // a disposed engine fails before the document is read
            using (var p = Patient.FromJson(patientJson)) return Evaluate(p, asOf);
        }

        /// <summary>Evaluates a patient and renders the determination as a FHIR R4 transaction
        /// Bundle (docs/fhir-output.md), byte for byte what <c>carecoord eval --format fhir</c>
        /// writes. carePlanId sets Task.basedOn, utcOffset ("Z", "+HH:MM", "-HH:MM") the offset of
        /// due times counted in hours, recorded Provenance.recorded (a FHIR instant); null for
        /// none. A malformed option throws CarecoordArgumentException (E1002-E1004), a patient id that
        /// is not a FHIR id PatientException (E1001).</summary>
        public string EvaluateFhir(Patient patient, DateTime asOf, string carePlanId = null, string utcOffset = null,
                                   string recorded = null)
        {
            if (patient == null) throw new ArgumentNullException("patient");
            if (patient.Handle.IsClosed) throw new ObjectDisposedException("Patient");
            ResultHandle result;
            ErrorHandle err;
            var st = Native.carecoord_evaluate_ymd(out result, Live(), patient.Handle, asOf.Year, asOf.Month, asOf.Day,
                                                   out err);
            Native.Check(st, err);
            using (result)
            {
                IntPtr bundle;
                st = Native.carecoord_result_fhir(out bundle, result, Native.Utf8(carePlanId), Native.Utf8(utcOffset),
                                                  Native.Utf8(recorded), out err);
                Native.Check(st, err);
                try { return Native.Text(bundle); }
                finally { Native.carecoord_string_free(bundle); }
            }
        }

        public void Dispose() { handle.Dispose(); }
    }
}
