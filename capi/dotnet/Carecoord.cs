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

    internal sealed class OptionsHandle : NativeHandle
    {
        protected override void Free(IntPtr h) { Native.carecoord_engine_options_free(h); }
    }

    internal sealed class BatchHandle : NativeHandle
    {
        protected override void Free(IntPtr h) { Native.carecoord_batch_free(h); }
    }

    internal sealed class EventHandle : NativeHandle
    {
        protected override void Free(IntPtr h) { Native.carecoord_event_free(h); }
    }

    internal sealed class CarePlanHandle : NativeHandle
    {
        protected override void Free(IntPtr h) { Native.carecoord_care_plan_free(h); }
    }

    internal sealed class StringsHandle : NativeHandle
    {
        protected override void Free(IntPtr h) { Native.carecoord_strings_free(h); }
    }

    internal sealed class ExplanationHandle : NativeHandle
    {
        protected override void Free(IntPtr h) { Native.carecoord_explanation_free(h); }
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
        [DllImport(Lib)] public static extern IntPtr carecoord_result_deceased(ResultHandle r);

        // FHIR input (carecoord.h, "FHIR R4 input").
        [DllImport(Lib)] public static extern IntPtr carecoord_patient_warnings(PatientHandle p);
        [DllImport(Lib)] public static extern IntPtr carecoord_error_severity(IntPtr err);
        [DllImport(Lib)] public static extern Status carecoord_fhir_bulk_open(out FhirBulkHandle reader, byte[] directory, out ErrorHandle err);
        [DllImport(Lib)] public static extern Status carecoord_fhir_bulk_next(FhirBulkHandle reader, out PatientHandle patient, out ErrorHandle err);
        [DllImport(Lib)] public static extern UIntPtr carecoord_fhir_bulk_patient_count(FhirBulkHandle reader);
        [DllImport(Lib)] public static extern IntPtr carecoord_fhir_bulk_export_diagnostics(FhirBulkHandle reader);
        [DllImport(Lib)] public static extern void carecoord_fhir_bulk_free(IntPtr reader);

        // 0.2.0: engine options, batches of documents, care plans, explanations.
        [DllImport(Lib)] public static extern Status carecoord_engine_options_new(out OptionsHandle options, out ErrorHandle err);
        [DllImport(Lib)] public static extern void carecoord_engine_options_free(IntPtr options);
        [DllImport(Lib)] public static extern Status carecoord_engine_options_set_limit(OptionsHandle o, byte[] name, UIntPtr value, out ErrorHandle err);
        [DllImport(Lib)] public static extern Status carecoord_engine_options_set_ignore_effective(OptionsHandle o, int ignore, out ErrorHandle err);
        [DllImport(Lib)] public static extern Status carecoord_engine_options_add_include_root(OptionsHandle o, byte[] directory, out ErrorHandle err);
        [DllImport(Lib)] public static extern Status carecoord_engine_load_path_v2(out EngineHandle engine, byte[] path, OptionsHandle options, out ErrorHandle err);
        [DllImport(Lib)] public static extern Status carecoord_engine_load_string_v2(out EngineHandle engine, byte[] text, UIntPtr len, byte[] name, OptionsHandle options, out ErrorHandle err);
        [DllImport(Lib)] public static extern Status carecoord_engine_check(EngineHandle engine, int analysis, out ErrorHandle findings, out ErrorHandle err);

        [StructLayout(LayoutKind.Sequential)]
        public struct Document { public IntPtr Data; public UIntPtr Len; }
        [DllImport(Lib)] public static extern Status carecoord_evaluate_documents(out BatchHandle batch, EngineHandle engine, [In] Document[] docs, UIntPtr count, int format, byte[] asOf, out ErrorHandle err);
        [DllImport(Lib)] public static extern void carecoord_batch_free(IntPtr batch);
        [DllImport(Lib)] public static extern IntPtr carecoord_batch_output(BatchHandle batch, out UIntPtr len);

        [DllImport(Lib)] public static extern Status carecoord_event_new(out EventHandle ev, byte[] type, byte[] time, out ErrorHandle err);
        [DllImport(Lib)] public static extern void carecoord_event_free(IntPtr ev);
        [DllImport(Lib)] public static extern Status carecoord_event_set_string(EventHandle ev, byte[] name, byte[] value, out ErrorHandle err);
        [DllImport(Lib)] public static extern Status carecoord_event_set_number(EventHandle ev, byte[] name, double value, out ErrorHandle err);
        [DllImport(Lib)] public static extern Status carecoord_event_set_bool(EventHandle ev, byte[] name, int value, out ErrorHandle err);
        [DllImport(Lib)] public static extern Status carecoord_care_plan_start(out CarePlanHandle plan, EngineHandle engine, byte[] workflow, byte[] on, out ErrorHandle err);
        [DllImport(Lib)] public static extern Status carecoord_care_plan_apply(out CarePlanHandle plan, EngineHandle engine, PatientHandle patient, CarePlanHandle current, EventHandle ev, out ErrorHandle err);
        [DllImport(Lib)] public static extern Status carecoord_care_plan_replay(out CarePlanHandle plan, EngineHandle engine, PatientHandle patient, byte[] workflow, [In] IntPtr[] events, UIntPtr count, out ErrorHandle err);
        [DllImport(Lib)] public static extern Status carecoord_care_plan_from_json(out CarePlanHandle plan, byte[] workflow, byte[] json, UIntPtr len, out ErrorHandle err);
        [DllImport(Lib)] public static extern void carecoord_care_plan_free(IntPtr plan);
        [DllImport(Lib)] public static extern IntPtr carecoord_care_plan_workflow(CarePlanHandle p);
        [DllImport(Lib)] public static extern IntPtr carecoord_care_plan_state(CarePlanHandle p);
        [DllImport(Lib)] public static extern IntPtr carecoord_care_plan_last_event(CarePlanHandle p);
        [DllImport(Lib)] public static extern IntPtr carecoord_care_plan_json(CarePlanHandle p);
        [DllImport(Lib)] public static extern UIntPtr carecoord_care_plan_applied_count(CarePlanHandle p);
        [DllImport(Lib)] public static extern IntPtr carecoord_care_plan_applied(CarePlanHandle p, UIntPtr i);
        [DllImport(Lib)] public static extern UIntPtr carecoord_care_plan_task_count(CarePlanHandle p);
        [DllImport(Lib)] public static extern IntPtr carecoord_care_plan_task_id(CarePlanHandle p, UIntPtr i);
        [DllImport(Lib)] public static extern IntPtr carecoord_care_plan_task_name(CarePlanHandle p, UIntPtr i);
        [DllImport(Lib)] public static extern IntPtr carecoord_care_plan_task_event(CarePlanHandle p, UIntPtr i);
        [DllImport(Lib)] public static extern IntPtr carecoord_care_plan_task_event_time(CarePlanHandle p, UIntPtr i);
        [DllImport(Lib)] public static extern IntPtr carecoord_care_plan_task_due(CarePlanHandle p, UIntPtr i);
        [DllImport(Lib)] public static extern IntPtr carecoord_care_plan_task_due_time(CarePlanHandle p, UIntPtr i);
        [DllImport(Lib)] public static extern IntPtr carecoord_care_plan_task_action(CarePlanHandle p, UIntPtr i);
        [DllImport(Lib)] public static extern IntPtr carecoord_care_plan_task_reason(CarePlanHandle p, UIntPtr i);
        [DllImport(Lib)] public static extern IntPtr carecoord_care_plan_task_source(CarePlanHandle p, UIntPtr i);
        [DllImport(Lib)] public static extern IntPtr carecoord_care_plan_previous_state(CarePlanHandle p);
        [DllImport(Lib)] public static extern int carecoord_care_plan_transitioned(CarePlanHandle p);
        [DllImport(Lib)] public static extern int carecoord_care_plan_duplicate(CarePlanHandle p);
        [DllImport(Lib)] public static extern UIntPtr carecoord_care_plan_created_count(CarePlanHandle p);
        [DllImport(Lib)] public static extern UIntPtr carecoord_care_plan_missing_count(CarePlanHandle p);
        [DllImport(Lib)] public static extern IntPtr carecoord_care_plan_missing(CarePlanHandle p, UIntPtr i);
        [DllImport(Lib)] public static extern Status carecoord_allowed_events(out StringsHandle list, EngineHandle engine, byte[] workflow, byte[] state, byte[] on, out ErrorHandle err);
        [DllImport(Lib)] public static extern UIntPtr carecoord_strings_count(StringsHandle list);
        [DllImport(Lib)] public static extern IntPtr carecoord_strings_get(StringsHandle list, UIntPtr i);
        [DllImport(Lib)] public static extern void carecoord_strings_free(IntPtr list);
        [DllImport(Lib)] public static extern Status carecoord_explain(out ExplanationHandle ex, EngineHandle engine, PatientHandle patient, byte[] asOf, out ErrorHandle err);
        [DllImport(Lib)] public static extern void carecoord_explanation_free(IntPtr ex);
        [DllImport(Lib)] public static extern IntPtr carecoord_explanation_text(ExplanationHandle ex);
        [DllImport(Lib)] public static extern IntPtr carecoord_explanation_json(ExplanationHandle ex);

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
            var json = Native.carecoord_result_json(r);  // built on this first read: NULL when out of memory
            if (json == IntPtr.Zero) throw new OutOfMemoryException("carecoord_result_json: out of memory");
            Json = Native.Text(json);
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
            var deceased = Native.carecoord_result_deceased(r);
            Deceased = deceased == IntPtr.Zero ? (DateTime?)null : ParseDate(deceased);
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
        /// <summary>The date of death when the patient died on or before AsOf (then the tier
        /// is the lowest, with no flag, program or trigger); null for a living patient.</summary>
        public DateTime? Deceased { get; }
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

        /// <summary>Opens an export; PatientException (E0809) when it cannot be read.</summary>
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
    // ---- engine options ----------------------------------------------------------------

    /// <summary>Options of Engine.Load and Engine.FromString: the input limits of
    /// docs/reliability.md by name ("ruleset.max_file_bytes", "patient.max_list_length"...;
    /// names and defaults in docs/c-api.md) and IgnoreEffective (every ruleset in force at
    /// any date, as `carecoord diff --ignore-effective`) and IncludeRoots (directories an
    /// `include:` or `patient_file:` may reach beyond the tree being loaded, as `--include-root`:
    /// docs/ruleset-language.md, "Includes and the tree"). Immutable: With* return a copy.</summary>
    public sealed class EngineOptions
    {
        private readonly Dictionary<string, ulong> limits;
        private readonly List<string> includeRoots;

        public EngineOptions() : this(new Dictionary<string, ulong>(), false, new List<string>()) { }

        private EngineOptions(Dictionary<string, ulong> limits, bool ignoreEffective, List<string> includeRoots)
        {
            this.limits = limits;
            IgnoreEffective = ignoreEffective;
            this.includeRoots = includeRoots;
        }

        public bool IgnoreEffective { get; }
        public IReadOnlyDictionary<string, ulong> Limits { get { return new ReadOnlyDictionary<string, ulong>(limits); } }
        public IReadOnlyList<string> IncludeRoots { get { return includeRoots.AsReadOnly(); } }

        public EngineOptions WithLimit(string name, ulong value)
        {
            var copy = new Dictionary<string, ulong>(limits);
            copy[name] = value;
            return new EngineOptions(copy, IgnoreEffective, includeRoots);
        }

        public EngineOptions WithIgnoreEffective(bool ignore) { return new EngineOptions(limits, ignore, includeRoots); }

        /// <summary>A copy that also lets includes reach `directory` (and below).</summary>
        public EngineOptions WithIncludeRoot(string directory)
        {
            if (directory == null) throw new ArgumentNullException("directory");
            return new EngineOptions(limits, IgnoreEffective, new List<string>(includeRoots) { directory });
        }

        internal OptionsHandle Create()
        {
            OptionsHandle h;
            ErrorHandle err;
            Native.Check(Native.carecoord_engine_options_new(out h, out err), err);
            try
            {
                foreach (var kv in limits)
                {
                    Native.Check(Native.carecoord_engine_options_set_limit(h, Native.Utf8(kv.Key), new UIntPtr(kv.Value), out err), err);
                }
                Native.Check(Native.carecoord_engine_options_set_ignore_effective(h, IgnoreEffective ? 1 : 0, out err), err);
                foreach (var root in includeRoots)
                {
                    Native.Check(Native.carecoord_engine_options_add_include_root(h, Native.Utf8(root), out err), err);
                }
            }
            catch
            {
                h.Dispose();
                throw;
            }
            return h;
        }
    }

    // ---- care plans ------------------------------------------------------------------------

    /// <summary>One event of a care plan: its type ("discharged"), wall-clock time and the
    /// payload fields the workflow declares (string, double, bool, or a DateTime sent as
    /// its text). Immutable.</summary>
    public sealed class CarePlanEvent
    {
        public CarePlanEvent(string type, DateTime time, IDictionary<string, object> payload = null)
        {
            if (type == null) throw new ArgumentNullException("type");
            Type = type;
            Time = time;
            Payload = new ReadOnlyDictionary<string, object>(
                payload == null ? new Dictionary<string, object>() : new Dictionary<string, object>(payload));
        }

        public string Type { get; }
        public DateTime Time { get; }
        public IReadOnlyDictionary<string, object> Payload { get; }

        internal static string MinuteText(DateTime t) { return t.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture); }

        internal EventHandle Create()
        {
            EventHandle h;
            ErrorHandle err;
            Native.Check(Native.carecoord_event_new(out h, Native.Utf8(Type), Native.Utf8(MinuteText(Time)), out err), err);
            try
            {
                foreach (var kv in Payload)
                {
                    var name = Native.Utf8(kv.Key);
                    Status st;
                    if (kv.Value is bool) st = Native.carecoord_event_set_bool(h, name, (bool)kv.Value ? 1 : 0, out err);
                    else if (kv.Value is string) st = Native.carecoord_event_set_string(h, name, Native.Utf8((string)kv.Value), out err);
                    else if (kv.Value is DateTime)
                        st = Native.carecoord_event_set_string(h, name, Native.Utf8(MinuteText((DateTime)kv.Value)), out err);
                    else if (kv.Value is int || kv.Value is long || kv.Value is double || kv.Value is float || kv.Value is decimal)
                        st = Native.carecoord_event_set_number(h, name, Convert.ToDouble(kv.Value, CultureInfo.InvariantCulture), out err);
                    else throw new ArgumentException("payload field " + kv.Key + " must be a string, number, bool or DateTime");
                    Native.Check(st, err);
                }
            }
            catch
            {
                h.Dispose();
                throw;
            }
            return h;
        }
    }

    /// <summary>A task a care-plan event created. Id is stable
    /// ("post_discharge_call@2026-05-22T15:00"); DueTime is set when the due rule counts hours.</summary>
    public sealed class CarePlanTask
    {
        internal CarePlanTask(string id, string task, string ev, DateTime eventTime, DateTime due, DateTime? dueTime,
                              string action, string reason, string source)
        {
            Id = id; Task = task; Event = ev; EventTime = eventTime; Due = due; DueTime = dueTime;
            Action = action; Reason = reason; Source = source;
        }
        public string Id { get; }
        public string Task { get; }
        public string Event { get; }
        public DateTime EventTime { get; }
        public DateTime Due { get; }
        public DateTime? DueTime { get; }
        public string Action { get; }
        public string Reason { get; }
        public string Source { get; }
    }

    /// <summary>The workflow state of one patient's care plan: the state, every task created
    /// so far, the keys of the events applied. Immutable; Json (carecoord_care_plan_json)
    /// stores it, FromJson restores it.</summary>
    public sealed class CarePlanRecord
    {
        internal CarePlanRecord(CarePlanHandle h)
        {
            Workflow = Native.Text(Native.carecoord_care_plan_workflow(h));
            State = Native.Text(Native.carecoord_care_plan_state(h));
            Json = Native.Text(Native.carecoord_care_plan_json(h));
            var last = Native.carecoord_care_plan_last_event(h);
            LastEvent = last == IntPtr.Zero ? (DateTime?)null : ParseMinute(Native.Text(last));
            var applied = new List<string>();
            for (int i = 0, n = Native.N(Native.carecoord_care_plan_applied_count(h)); i < n; ++i)
                applied.Add(Native.Text(Native.carecoord_care_plan_applied(h, Native.U(i))));
            Applied = applied.AsReadOnly();
            var tasks = new List<CarePlanTask>();
            for (int i = 0, n = Native.N(Native.carecoord_care_plan_task_count(h)); i < n; ++i)
            {
                var u = Native.U(i);
                var dueTime = Native.carecoord_care_plan_task_due_time(h, u);
                tasks.Add(new CarePlanTask(
                    Native.Text(Native.carecoord_care_plan_task_id(h, u)), Native.Text(Native.carecoord_care_plan_task_name(h, u)),
                    Native.Text(Native.carecoord_care_plan_task_event(h, u)),
                    ParseMinute(Native.Text(Native.carecoord_care_plan_task_event_time(h, u))),
                    DateTime.ParseExact(Native.Text(Native.carecoord_care_plan_task_due(h, u)), "yyyy-MM-dd", CultureInfo.InvariantCulture),
                    dueTime == IntPtr.Zero ? (DateTime?)null : ParseMinute(Native.Text(dueTime)),
                    Native.Text(Native.carecoord_care_plan_task_action(h, u)), Native.Text(Native.carecoord_care_plan_task_reason(h, u)),
                    Native.Text(Native.carecoord_care_plan_task_source(h, u))));
            }
            Tasks = tasks.AsReadOnly();
        }

        internal static DateTime ParseMinute(string s)
        {
            return DateTime.ParseExact(s, "yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);
        }

        public string Workflow { get; }
        public string State { get; }
        public ReadOnlyCollection<CarePlanTask> Tasks { get; }
        public ReadOnlyCollection<string> Applied { get; }
        public DateTime? LastEvent { get; }
        /// <summary>The record as JSON (docs/c-api.md#care-plans), without the workflow.</summary>
        public string Json { get; }

        /// <summary>A record from its Json; CarecoordArgumentException (E0720/E0721, with the
        /// field path) for a document that is not one.</summary>
        public static CarePlanRecord FromJson(string json, string workflow = "care_plan")
        {
            using (var h = Open(json, workflow)) return new CarePlanRecord(h);
        }

        internal CarePlanHandle Open() { return Open(Json, Workflow); }

        private static CarePlanHandle Open(string json, string workflow)
        {
            var bytes = Encoding.UTF8.GetBytes(json ?? "");
            CarePlanHandle h;
            ErrorHandle err;
            Native.Check(Native.carecoord_care_plan_from_json(out h, Native.Utf8(workflow), bytes, Native.U(bytes.Length), out err), err);
            return h;
        }
    }

    /// <summary>What Engine.ApplyEvent did: the new record, the state before, whether a
    /// transition was taken, whether the event had been applied before (then nothing
    /// changed), the tasks it created and the patient fields a guard lacked.</summary>
    public sealed class EventOutcome
    {
        internal EventOutcome(CarePlanHandle h)
        {
            Record = new CarePlanRecord(h);
            PreviousState = Native.Text(Native.carecoord_care_plan_previous_state(h));
            Transitioned = Native.carecoord_care_plan_transitioned(h) != 0;
            Duplicate = Native.carecoord_care_plan_duplicate(h) != 0;
            int created = Native.N(Native.carecoord_care_plan_created_count(h));
            var list = new List<CarePlanTask>();
            for (int i = Record.Tasks.Count - created; i < Record.Tasks.Count; ++i) list.Add(Record.Tasks[i]);
            Created = list.AsReadOnly();
            var missing = new List<string>();
            for (int i = 0, n = Native.N(Native.carecoord_care_plan_missing_count(h)); i < n; ++i)
                missing.Add(Native.Text(Native.carecoord_care_plan_missing(h, Native.U(i))));
            Missing = missing.AsReadOnly();
        }
        public CarePlanRecord Record { get; }
        public string PreviousState { get; }
        public bool Transitioned { get; }
        public bool Duplicate { get; }
        public ReadOnlyCollection<CarePlanTask> Created { get; }
        public ReadOnlyCollection<string> Missing { get; }
    }

    /// <summary>Why a determination came out as it did: Text is what `carecoord explain`
    /// prints, Json its structured form (docs/c-api.md#explanations).</summary>
    public sealed class Explanation
    {
        internal Explanation(string text, string json) { Text = text; Json = json; }
        public string Text { get; }
        public string Json { get; }
    }

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

        /// <summary>Load with options (carecoord_engine_load_path_v2).</summary>
        public static Engine Load(string path, EngineOptions options)
        {
            if (options == null) throw new ArgumentNullException("options");
            using (var o = options.Create())
            {
                EngineHandle h;
                ErrorHandle err;
                Native.Check(Native.carecoord_engine_load_path_v2(out h, Native.Utf8(path), o, out err), err);
                return new Engine(h);
            }
        }

        /// <summary>FromString with options (carecoord_engine_load_string_v2).</summary>
        public static Engine FromString(string yaml, string name, EngineOptions options)
        {
            if (options == null) throw new ArgumentNullException("options");
            var bytes = Encoding.UTF8.GetBytes(yaml ?? "");
            using (var o = options.Create())
            {
                EngineHandle h;
                ErrorHandle err;
                Native.Check(Native.carecoord_engine_load_string_v2(out h, bytes, Native.U(bytes.Length), Native.Utf8(name), o, out err), err);
                return new Engine(h);
            }
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

        /// <summary>What `carecoord check` reports about the loaded rulesets beyond load
        /// errors (carecoord_engine_check): version gaps (E0315), tier rules that can never or
        /// always match or are shadowed, unused facts and parameters, overlapping value-set
        /// entries (W0701-W0707), each with file, line, column and severity "warning" (or
        /// "note"). analysis false: only the version gaps. An engine loaded from a string gets
        /// a note (E0330): its value sets cannot be read again.</summary>
        public IList<Diagnostic> Check(bool analysis = true)
        {
            ErrorHandle findings;
            ErrorHandle err;
            var st = Native.carecoord_engine_check(Live(), analysis ? 1 : 0, out findings, out err);
            using (findings)
            {
                Native.Check(st, err);
                var list = Native.Diagnostics(findings.IsInvalid ? IntPtr.Zero : findings.DangerousGetHandle());
                return new ReadOnlyCollection<Diagnostic>(list);
            }
        }

        /// <summary>Evaluates with the ruleset versions in force at asOf (its date part).</summary>
        public Determination Evaluate(Patient patient, DateTime asOf)
        {
            using (var result = EvaluateResult(patient, asOf)) return new Determination(result);
        }

        // The C result of one evaluation, for the caller to dispose.
        private ResultHandle EvaluateResult(Patient patient, DateTime asOf)
        {
            var p = Live(patient);
            ResultHandle result;
            ErrorHandle err;
            var st = Native.carecoord_evaluate_ymd(out result, Live(), p, asOf.Year, asOf.Month, asOf.Day, out err);
            Native.Check(st, err);
            return result;
        }

        /// <summary>Evaluates a patient JSON document.</summary>
        public Determination Evaluate(string patientJson, DateTime asOf)
        {
            Live();  // a disposed engine fails before the document is read
            using (var p = Patient.FromJson(patientJson)) return Evaluate(p, asOf);
        }

        private static byte[] Day(DateTime d) { return Native.Utf8(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)); }

        private static PatientHandle Live(Patient patient)
        {
            if (patient == null) throw new ArgumentNullException("patient");
            if (patient.Handle.IsClosed) throw new ObjectDisposedException("Patient");
            return patient.Handle;
        }

        /// <summary>JSON patient documents in one call (carecoord_evaluate_documents): per
        /// document and in order, the determination JSON (as Determination.Json) or an error
        /// object line starting with {"error":. A bad document never throws.</summary>
        public IList<string> EvaluateBatch(IList<string> documents, DateTime asOf)
        {
            if (documents == null) throw new ArgumentNullException("documents");
            var bytes = new byte[documents.Count][];
            var pins = new GCHandle[documents.Count];
            var docs = new Native.Document[documents.Count];
            try
            {
                for (int i = 0; i < documents.Count; ++i)
                {
                    bytes[i] = Encoding.UTF8.GetBytes(documents[i] ?? "");
                    pins[i] = GCHandle.Alloc(bytes[i], GCHandleType.Pinned);
                    docs[i].Data = pins[i].AddrOfPinnedObject();
                    docs[i].Len = Native.U(bytes[i].Length);
                }
                BatchHandle batch;
                ErrorHandle err;
                Native.Check(Native.carecoord_evaluate_documents(out batch, Live(), docs, Native.U(docs.Length), 0, Day(asOf), out err), err);
                using (batch)
                {
                    UIntPtr len;
                    var ptr = Native.carecoord_batch_output(batch, out len);
                    var output = new byte[Native.N(len)];
                    Marshal.Copy(ptr, output, 0, output.Length);
                    var lines = new List<string>(Encoding.UTF8.GetString(output).Split('\n'));
                    lines.RemoveAt(lines.Count - 1);  // after the final newline
                    return lines.AsReadOnly();
                }
            }
            finally
            {
                foreach (var p in pins) if (p.IsAllocated) p.Free();
            }
        }

        /// <summary>The initial record of workflow in the version in force on `on`.</summary>
        public CarePlanRecord StartCarePlan(DateTime on, string workflow = "care_plan")
        {
            CarePlanHandle h;
            ErrorHandle err;
            Native.Check(Native.carecoord_care_plan_start(out h, Live(), Native.Utf8(workflow), Day(on), out err), err);
            using (h) return new CarePlanRecord(h);
        }

        /// <summary>Applies one event to record for patient; record is unchanged. An event
        /// applied before is recognized (Duplicate) and creates nothing. EvaluationException
        /// carries the workflow's code (E0710 not allowed, E0711 unknown, E0712 too early,
        /// E0713 payload...).</summary>
        public EventOutcome ApplyEvent(Patient patient, CarePlanRecord record, CarePlanEvent ev)
        {
            if (record == null) throw new ArgumentNullException("record");
            if (ev == null) throw new ArgumentNullException("ev");
            var p = Live(patient);
            using (var current = record.Open())
            using (var e = ev.Create())
            {
                CarePlanHandle h;
                ErrorHandle err;
                Native.Check(Native.carecoord_care_plan_apply(out h, Live(), p, current, e, out err), err);
                using (h) return new EventOutcome(h);
            }
        }

        /// <summary>Replays an event log from the initial state (time order; equal times keep
        /// their order); events already applied are skipped.</summary>
        public CarePlanRecord ReplayEvents(Patient patient, IList<CarePlanEvent> events, string workflow = "care_plan")
        {
            if (events == null) throw new ArgumentNullException("events");
            var p = Live(patient);
            var handles = new List<EventHandle>();
            try
            {
                foreach (var ev in events) handles.Add(ev.Create());
                var raw = new IntPtr[handles.Count];
                for (int i = 0; i < raw.Length; ++i) raw[i] = handles[i].DangerousGetHandle();
                CarePlanHandle h;
                ErrorHandle err;
                Native.Check(Native.carecoord_care_plan_replay(out h, Live(), p, Native.Utf8(workflow), raw, Native.U(raw.Length), out err), err);
                GC.KeepAlive(handles);
                using (h) return new CarePlanRecord(h);
            }
            finally
            {
                foreach (var h in handles) h.Dispose();
            }
        }

        /// <summary>The events allowed in state (declaration order) in the workflow in force on `on`.</summary>
        public IList<string> AllowedEvents(string state, DateTime on, string workflow = "care_plan")
        {
            StringsHandle h;
            ErrorHandle err;
            Native.Check(Native.carecoord_allowed_events(out h, Live(), Native.Utf8(workflow), Native.Utf8(state), Day(on), out err), err);
            using (h)
            {
                var list = new List<string>();
                for (int i = 0, n = Native.N(Native.carecoord_strings_count(h)); i < n; ++i)
                    list.Add(Native.Text(Native.carecoord_strings_get(h, Native.U(i))));
                return list.AsReadOnly();
            }
        }

        /// <summary>Why the determination at asOf is what it is.</summary>
        public Explanation Explain(Patient patient, DateTime asOf)
        {
            var p = Live(patient);
            ExplanationHandle h;
            ErrorHandle err;
            Native.Check(Native.carecoord_explain(out h, Live(), p, Day(asOf), out err), err);
            using (h) return new Explanation(Native.Text(Native.carecoord_explanation_text(h)),
                                             Native.Text(Native.carecoord_explanation_json(h)));
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
            using (var result = EvaluateResult(patient, asOf))
            {
                IntPtr bundle;
                ErrorHandle err;
                var st = Native.carecoord_result_fhir(out bundle, result, Native.Utf8(carePlanId), Native.Utf8(utcOffset),
                                                  Native.Utf8(recorded), out err);
                Native.Check(st, err);
                try { return Native.Text(bundle); }
                finally { Native.carecoord_string_free(bundle); }
            }
        }

        public void Dispose() { handle.Dispose(); }
    }
}
