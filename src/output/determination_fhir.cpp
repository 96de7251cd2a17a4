// to_fhir(): a determination as a FHIR R4 transaction Bundle. The resource choices are argued
// in docs/fhir-output.md; the text is validated against the R4B models of fhir.resources in
// capi/python/tests/test_fhir_output.py.
#include "carecoord/determination_fhir.hpp"

#include <array>
#include <cstdint>

#include "output/json_writer.hpp"
#include "time/calendar.hpp"
#include "util/sha256.hpp"
#include "util/codes.hpp"
#include "util/diagnostics.hpp"

namespace carecoord {

namespace {

using output::JsonWriter;

const std::string kBase = kFhirCanonicalBase;
std::string code_system(std::string_view name) { return kBase + "/CodeSystem/" + std::string(name); }

// FHIR id: [A-Za-z0-9\-\.]{1,64}.
bool is_fhir_id(std::string_view s) {
    if (s.empty() || s.size() > 64) return false;
    for (char c : s)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
            return false;
    return true;
}

bool digits(std::string_view s) {
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return !s.empty();
}

// "Z", or "+HH:MM"/"-HH:MM" with HH 00-14 and MM 00-59 (14:00 at most).
bool is_utc_offset(std::string_view s) {
    if (s == "Z") return true;
    if (s.size() != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' || !digits(s.substr(1, 2)) || !digits(s.substr(4, 2)))
        return false;
    int hh = (s[1] - '0') * 10 + (s[2] - '0');
    int mm = (s[4] - '0') * 10 + (s[5] - '0');
    return mm < 60 && (hh < 14 || (hh == 14 && mm == 0));
}

// A FHIR instant: YYYY-MM-DDThh:mm:ss(.fraction)?(Z|+hh:mm|-hh:mm), a real date and time.
bool is_instant(std::string_view s) {
    if (s.size() < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || !digits(s.substr(17, 2))) return false;
    if (s[17] > '5') return false;
    if (!time::parse_datetime(s.substr(0, 16))) return false;
    std::string_view rest = s.substr(19);
    if (!rest.empty() && rest[0] == '.') {
        std::size_t n = 1;
        while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') ++n;
        if (n == 1) return false;
        rest = rest.substr(n);
    }
    return is_utc_offset(rest);
}

// A stable urn:uuid for one resource of one determination: the same determination gives
// the same Bundle. RFC 9562 version 8 (custom) layout over SHA-256 of the key.
std::string urn_uuid(const Determination& d, std::string_view key) {
    util::Sha256 h;
    h.update(d.patient_id);
    h.update(std::string_view("\n", 1));
    h.update(time::format_date(d.as_of));
    h.update(std::string_view("\n", 1));
    h.update(key);
    auto b = h.finish();
    b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x80);
    b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "urn:uuid:";
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
        out += hex[b[i] >> 4];
        out += hex[b[i] & 15];
    }
    return out;
}

void coding(JsonWriter& w, std::string_view system, std::string_view code, std::string_view display = {}) {
    w.begin_object();
    w.key("system");
    w.value(system);
    w.key("code");
    w.value(code);
    if (!display.empty()) {
        w.key("display");
        w.value(display);
    }
    w.end_object();
}

void codeable_concept(JsonWriter& w, std::string_view system, std::string_view code, std::string_view text) {
    w.begin_object();
    w.key("coding");
    w.begin_array();
    coding(w, system, code);
    w.end_array();
    if (!text.empty()) {
        w.key("text");
        w.value(text);
    }
    w.end_object();
}

void reference(JsonWriter& w, std::string_view ref) {
    w.begin_object();
    w.key("reference");
    w.value(ref);
    w.end_object();
}

// Annotations, skipping empty texts (a FHIR string is never empty).
void notes(JsonWriter& w, const std::vector<std::string>& texts) {
    bool any = false;
    for (const auto& t : texts) any = any || !t.empty();
    if (!any) return;
    w.key("note");
    w.begin_array();
    for (const auto& t : texts) {
        if (t.empty()) continue;
        w.begin_object();
        w.key("text");
        w.value(t);
        w.end_object();
    }
    w.end_array();
}

void begin_entry(JsonWriter& w, const std::string& full_url, std::string_view type) {
    w.begin_object();
    w.key("fullUrl");
    w.value(full_url);
    w.key("resource");
    w.begin_object();
    w.key("resourceType");
    w.value(type);
}

// Ends the resource and the entry: POST to the type, or a conditional create when the
// resource carries a stable identifier (Tasks: writing the same Bundle twice creates none
// twice).
void end_entry(JsonWriter& w, std::string_view type, const std::string& if_none_exist = {}) {
    w.end_object();
    w.key("request");
    w.begin_object();
    w.key("method");
    w.value("POST");
    w.key("url");
    w.value(type);
    if (!if_none_exist.empty()) {
        w.key("ifNoneExist");
        w.value(if_none_exist);
    }
    w.end_object();
    w.end_object();
}

std::string rule_note(const RuleMatch& m) {
    std::string s = "rule " + m.rule_id;
    if (!m.reason.empty()) s += ": " + m.reason;
    if (!m.source.empty()) s += " [" + m.source + "]";
    return s;
}

std::string join(const std::vector<std::string>& xs, std::string_view sep) {
    std::string out;
    for (const auto& x : xs) out += (out.empty() ? "" : std::string(sep)) + x;
    return out;
}

Diagnostic option_error(const char* code, std::string field, std::string message) {
    return util::make(code, std::move(message)).field(std::move(field)).build();
}

}  // namespace

Result<std::string> to_fhir(const Determination& d, const FhirOutputOptions& options) {
    std::vector<Diagnostic> errors;
    if (!is_fhir_id(d.patient_id))
        errors.push_back(option_error(codes::fhir_out_patient_id, "patient_id",
                                      "patient_id is not a FHIR id (1-64 of A-Z a-z 0-9 - .): it cannot name Patient/<id>"));
    if (!options.care_plan_id.empty() && !is_fhir_id(options.care_plan_id))
        errors.push_back(option_error(codes::fhir_out_care_plan_id, "care_plan_id", "care_plan_id is not a FHIR id (1-64 of A-Z a-z 0-9 - .)"));
    if (!options.utc_offset.empty() && !is_utc_offset(options.utc_offset))
        errors.push_back(option_error(codes::fhir_out_utc_offset, "utc_offset", "utc_offset must be Z, +HH:MM or -HH:MM (at most 14:00)"));
    if (!options.recorded.empty() && !is_instant(options.recorded))
        errors.push_back(option_error(codes::fhir_out_recorded, "recorded",
                                      "recorded must be a FHIR instant YYYY-MM-DDThh:mm:ss[.fff](Z|+hh:mm|-hh:mm)"));
    if (!errors.empty()) return errors;

    const std::string as_of = time::format_date(d.as_of);
    const std::string patient = "Patient/" + d.patient_id;
    const std::string engine = "carecoord " + d.engine_version;
    std::vector<std::string> targets;

    std::string out;
    out.reserve(4096);
    JsonWriter w(out);
    w.begin_object();
    w.key("resourceType");
    w.value("Bundle");
    w.key("type");
    w.value("transaction");
    w.key("entry");
    w.begin_array();

    // The tier: a RiskAssessment whose predicted outcome is the care intensity the
    // patient needs, with each rule that put them there.
    {
        targets.push_back(urn_uuid(d, "tier"));
        begin_entry(w, targets.back(), "RiskAssessment");
        w.key("status");
        w.value("final");
        w.key("method");
        codeable_concept(w, code_system("method"), "carecoord-rules", engine + " rulesets");
        w.key("code");
        codeable_concept(w, code_system("assessment"), "care-intensity-tier", "Care-intensity tier");
        w.key("subject");
        reference(w, patient);
        w.key("occurrenceDateTime");
        w.value(as_of);
        w.key("prediction");
        w.begin_array();
        w.begin_object();
        w.key("outcome");
        codeable_concept(w, code_system("tier"), d.tier.tier, d.tier.tier);
        w.key("rationale");
        if (d.tier.by_default) {
            w.value("No tier rule matched: the ruleset's default tier.");
        } else {
            std::vector<std::string> ids;
            for (const auto& m : d.tier.matched) ids.push_back(m.rule_id);
            w.value("Tier rules matched: " + join(ids, ", ") + ".");
        }
        w.end_object();
        w.end_array();
        std::vector<std::string> texts;
        for (const auto& m : d.tier.matched) texts.push_back(rule_note(m));
        for (const auto& f : d.flags)
            for (const auto& m : f.matched) texts.push_back("flag " + f.id + ": " + rule_note(m));
        if (!d.missing.empty()) texts.push_back("data missing: " + join(d.missing, ", "));
        notes(w, texts);
        end_entry(w, "RiskAssessment");
    }

    // Each program: an Observation coded by program, valued eligible / not-eligible /
    // unknown, with the reason, the citation and the data whose absence left it unknown.
    for (const auto& p : d.programs) {
        targets.push_back(urn_uuid(d, "program/" + p.id));
        begin_entry(w, targets.back(), "Observation");
        w.key("status");
        w.value("final");
        w.key("category");
        w.begin_array();
        codeable_concept(w, code_system("observation-category"), "program-eligibility", "Program eligibility");
        w.end_array();
        w.key("code");
        codeable_concept(w, code_system("program"), p.id, "Eligibility for " + p.id);
        w.key("subject");
        reference(w, patient);
        w.key("effectiveDateTime");
        w.value(as_of);
        std::string status(to_string(p.status));
        w.key("valueCodeableConcept");
        codeable_concept(w, code_system("eligibility"), status, status);
        notes(w, {p.reason, p.source.empty() ? "" : "source: " + p.source,
                  p.missing.empty() ? "" : "missing: " + join(p.missing, ", ")});
        end_entry(w, "Observation");
    }

    // Each trigger due: a Task with a stable identifier (trigger@anchor) for conditional
    // create, due by restriction.period.end.
    for (const auto& t : d.triggers) {
        const std::string key = t.id + "@" + time::format_date(t.anchor);
        targets.push_back(urn_uuid(d, "trigger/" + key));
        begin_entry(w, targets.back(), "Task");
        const std::string id_system = kBase + "/task-id";
        w.key("identifier");
        w.begin_array();
        w.begin_object();
        w.key("system");
        w.value(id_system);
        w.key("value");
        w.value(d.patient_id + "/" + key);
        w.end_object();
        w.end_array();
        if (!options.care_plan_id.empty()) {
            w.key("basedOn");
            w.begin_array();
            reference(w, "CarePlan/" + options.care_plan_id);
            w.end_array();
        }
        w.key("status");
        w.value("requested");
        std::string status(to_string(t.status));
        w.key("businessStatus");
        codeable_concept(w, code_system("trigger-status"), status, status);
        w.key("intent");
        w.value("plan");
        w.key("priority");
        w.value(t.status == TriggerStatus::overdue ? "urgent" : "routine");
        w.key("code");
        codeable_concept(w, code_system("trigger"), t.id, t.action.empty() ? t.id : t.action);
        if (!t.action.empty()) {
            w.key("description");
            w.value(t.action);
        }
        w.key("for");
        reference(w, patient);
        w.key("authoredOn");
        w.value(as_of);
        w.key("restriction");
        w.begin_object();
        w.key("period");
        w.begin_object();
        w.key("start");
        w.value(time::format_date(t.anchor));
        w.key("end");
        std::string local_due;
        if (t.due_time && !options.utc_offset.empty()) {
            w.value(time::format_datetime(*t.due_time) + ":00" + options.utc_offset);
        } else {
            w.value(time::format_date(t.due));
            if (t.due_time) local_due = "due by " + time::format_datetime(*t.due_time).replace(10, 1, " ") + " local time of the care setting";
        }
        w.end_object();
        w.end_object();
        if (!t.reason.empty()) {
            w.key("reasonCode");
            w.begin_object();
            w.key("text");
            w.value(t.reason);
            w.end_object();
        }
        notes(w, {local_due, t.source.empty() ? "" : "source: " + t.source});
        end_entry(w, "Task", "identifier=" + id_system + "|" + d.patient_id + "/" + key);
    }

    // The Provenance of every resource above: the engine and each ruleset version in force.
    begin_entry(w, urn_uuid(d, "provenance"), "Provenance");
    w.key("target");
    w.begin_array();
    for (const auto& t : targets) reference(w, t);
    w.end_array();
    w.key("occurredDateTime");
    w.value(as_of);
    w.key("recorded");
    w.value(options.recorded.empty() ? as_of + "T00:00:00Z" : options.recorded);
    w.key("activity");
    codeable_concept(w, "http://terminology.hl7.org/CodeSystem/v3-DataOperation", "CREATE", "create");
    w.key("agent");
    w.begin_array();
    w.begin_object();
    w.key("type");
    codeable_concept(w, "http://terminology.hl7.org/CodeSystem/provenance-participant-type", "assembler", "Assembler");
    w.key("who");
    w.begin_object();
    w.key("display");
    w.value(engine);
    w.end_object();
    w.end_object();
    w.end_array();
    if (!d.rulesets.empty()) {
        w.key("entity");
        w.begin_array();
        for (const auto& r : d.rulesets) {
            w.begin_object();
            w.key("extension");
            w.begin_array();
            w.begin_object();
            w.key("url");
            w.value(kBase + "/StructureDefinition/ruleset-sha256");
            w.key("valueString");
            w.value(r.sha256);
            w.end_object();
            w.end_array();
            w.key("role");
            w.value("source");
            w.key("what");
            w.begin_object();
            w.key("identifier");
            w.begin_object();
            w.key("system");
            w.value(kBase + "/ruleset");
            w.key("value");
            w.value(r.id + "|" + r.version);
            w.end_object();
            w.key("display");
            w.value("ruleset " + r.id + " version " + r.version + " sha256 " + r.sha256);
            w.end_object();
            w.end_object();
        }
        w.end_array();
    }
    end_entry(w, "Provenance");

    w.end_array();
    w.end_object();
    return out;
}

}  // namespace carecoord
