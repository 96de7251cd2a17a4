// FHIR R4 resources -> Patient. docs/fhir.md is the reference for every mapping below.
#include "fhir/mapper.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <tuple>
#include <utility>

#include <date/tz.h>

#include "model/patient_builder.hpp"
#include "model/patient_schema.hpp"
#include "time/calendar.hpp"
#include "util/text.hpp"

namespace carecoord::fhir {

namespace {

using simdjson::SUCCESS;

// ---------------------------------------------------------------------------------------
// JSON access over the simdjson DOM. A member that is absent or null is absent.

bool member(Element e, std::string_view key, Element& out) {
    simdjson::dom::object o;
    if (e.get_object().get(o) != SUCCESS) return false;
    return o.at_key(key).get(out) == SUCCESS && !out.is_null();
}

bool text(Element e, std::string_view key, std::string_view& out) {
    Element v;
    return member(e, key, v) && v.get_string().get(out) == SUCCESS;
}

bool has(Element e, std::string_view key) {
    Element v;
    return member(e, key, v);
}

template <class F>
void each(Element e, std::string_view key, F&& f) {
    Element v;
    simdjson::dom::array a;
    if (!member(e, key, v) || v.get_array().get(a) != SUCCESS) return;
    std::size_t i = 0;
    for (Element item : a) f(item, i++);
}

struct Coding {
    std::string_view system, code, display;
};

Coding coding_of(Element c) {
    Coding k;
    text(c, "system", k.system);
    text(c, "code", k.code);
    text(c, "display", k.display);
    return k;
}

// The codings of the CodeableConcept `key` of `e`.
std::vector<Coding> codings(Element e, std::string_view key) {
    std::vector<Coding> out;
    Element cc;
    if (!member(e, key, cc)) return out;
    each(cc, "coding", [&](Element c, std::size_t) { out.push_back(coding_of(c)); });
    return out;
}

// The code of the first coding of a CodeableConcept (any system), or empty.
std::string_view first_code_of(Element cc) {
    std::string_view out;
    each(cc, "coding", [&](Element c, std::size_t) {
        std::string_view code;
        if (out.empty() && text(c, "code", code)) out = code;
    });
    return out;
}

std::string_view first_code(Element e, std::string_view key) {
    Element cc;
    return member(e, key, cc) ? first_code_of(cc) : std::string_view{};
}

// ---------------------------------------------------------------------------------------
// Code systems

std::string_view system_word(std::string_view url) {
    if (url == "http://snomed.info/sct" || url == "urn:oid:2.16.840.1.113883.6.96") return "snomed";
    if (url == "http://hl7.org/fhir/sid/icd-10-cm" || url == "urn:oid:2.16.840.1.113883.6.90") return "icd10cm";
    if (url == "http://hl7.org/fhir/sid/icd-9-cm" || url == "urn:oid:2.16.840.1.113883.6.103") return "icd9cm";
    if (url == "http://loinc.org" || url == "urn:oid:2.16.840.1.113883.6.1") return "loinc";
    if (url == "http://www.nlm.nih.gov/research/umls/rxnorm" || url == "urn:oid:2.16.840.1.113883.6.88") return "rxnorm";
    if (url == "http://hl7.org/fhir/sid/ndc" || url == "urn:oid:2.16.840.1.113883.6.69") return "ndc";
    return {};
}

// ICD-10-CM codes are kept with their dot (E11.9); "E119" becomes "E11.9".
std::string normalize_code(std::string_view system, std::string_view code) {
    std::string out(code);
    if (system == "icd10cm" && out.size() > 3 && out.find('.') == std::string::npos) out.insert(3, ".");
    return out;
}

// The coding to use among `cs`: the first in a system of `preferred`, in that order.
const Coding* pick(const std::vector<Coding>& cs, std::initializer_list<std::string_view> preferred) {
    for (auto want : preferred)
        for (const auto& c : cs)
            if (!c.code.empty() && system_word(c.system) == want) return &c;
    return nullptr;
}

// The codings of `cs` other than `primary`, in a system the mapping knows, each once: a
// value-set test matches when any of them does.
std::vector<AlsoCoded> also_coded(const std::vector<Coding>& cs, const Coding* primary) {
    std::vector<AlsoCoded> out;
    for (const auto& c : cs) {
        if (&c == primary || c.code.empty()) continue;
        const std::string_view sys = system_word(c.system);
        if (sys.empty()) continue;
        AlsoCoded a{std::string(sys), normalize_code(sys, c.code)};
        if (primary && a.system == system_word(primary->system) && a.code == normalize_code(a.system, primary->code)) continue;
        if (std::none_of(out.begin(), out.end(), [&](const AlsoCoded& b) { return b.system == a.system && b.code == a.code; }))
            out.push_back(std::move(a));
    }
    return out;
}

// Lower case, surrounding blanks removed, runs of blanks, '_' and '-' as one space: the key
// of the text tables below ("Dual_Eligible " -> "dual eligible").
std::string text_key(std::string_view t) {
    std::string out;
    bool gap = false;
    for (char ch : t) {
        const unsigned char u = static_cast<unsigned char>(ch);
        if (ch == ' ' || ch == '_' || ch == '-' || ch == '\t') {
            gap = !out.empty();
            continue;
        }
        if (gap) out += ' ';
        gap = false;
        out += static_cast<char>(u >= 'A' && u <= 'Z' ? u - 'A' + 'a' : u);
    }
    return out;
}

// ---------------------------------------------------------------------------------------
// Dates. FHIR dates may be partial (1957, 1957-03): the first day is taken.

std::optional<DateTime> fhir_datetime(std::string_view s) {
    std::string padded;
    if (s.size() == 4) padded = std::string(s) + "-01-01";
    else if (s.size() == 7) padded = std::string(s) + "-01";
    else return time::parse_datetime(s);
    return time::parse_datetime(padded);
}

// The UTC offset of a dateTime in minutes ("Z" or "+hh:mm"/"-hh:mm" at the end); 0 when none.
int utc_offset_minutes(std::string_view s) {
    if (s.size() < 16) return 0;
    const std::string_view tail = s.substr(s.size() - 6);
    if ((tail[0] != '+' && tail[0] != '-') || tail[3] != ':') return 0;
    const int h = (tail[1] - '0') * 10 + (tail[2] - '0'), m = (tail[4] - '0') * 10 + (tail[5] - '0');
    return (tail[0] == '-' ? -1 : 1) * (h * 60 + m);
}


// ---------------------------------------------------------------------------------------
// Value tables

std::optional<ConditionStatus> condition_status(std::string_view c) {
    if (c == "active") return ConditionStatus::active;
    if (c == "recurrence") return ConditionStatus::recurrence;
    if (c == "relapse") return ConditionStatus::relapse;
    if (c == "inactive") return ConditionStatus::inactive;
    if (c == "remission") return ConditionStatus::remission;
    if (c == "resolved") return ConditionStatus::resolved;
    return std::nullopt;
}

// v3-ActCode encounter classes (docs/fhir.md).
std::optional<EncounterClass> encounter_class(std::string_view c) {
    if (c == "IMP" || c == "ACUTE") return EncounterClass::inpatient;
    if (c == "NONAC") return EncounterClass::snf;
    if (c == "OBSENC") return EncounterClass::observation;
    if (c == "EMER") return EncounterClass::emergency;
    if (c == "AMB" || c == "SS" || c == "FLD" || c == "PRENC") return EncounterClass::ambulatory;
    if (c == "HH") return EncounterClass::home_health;
    if (c == "VR") return EncounterClass::virtual_visit;
    return std::nullopt;
}

// HL7 discharge-disposition codes and NUBC patient discharge status codes.
std::optional<Disposition> disposition(std::string_view system, std::string_view c) {
    if (system == "http://terminology.hl7.org/CodeSystem/discharge-disposition") {
        if (c == "home" || c == "alt-home") return Disposition::home;
        if (c == "hosp") return Disposition::acute_transfer;
        if (c == "long") return Disposition::ltch;
        if (c == "aadvice") return Disposition::ama;
        if (c == "exp") return Disposition::expired;
        if (c == "rehab") return Disposition::irf;
        if (c == "snf") return Disposition::snf;
        if (c == "other-hcf" || c == "psy" || c == "oth") return Disposition::other;
        return std::nullopt;
    }
    if (system == "http://www.nubc.org/patient-discharge" || system == "https://www.nubc.org/CodeSystem/PatDischargeStatus" ||
        system == "urn:oid:2.16.840.1.113883.6.301.5") {
        std::string k(c);
        if (k.size() == 1) k.insert(0, "0");  // Synthea writes "1" for "01"
        if (k.size() != 2 || k[0] < '0' || k[0] > '9' || k[1] < '0' || k[1] > '9') return std::nullopt;
        int n = (k[0] - '0') * 10 + (k[1] - '0');
        if (n >= 81 && n <= 95) {
            // "... with a planned acute care hospital inpatient readmission": 81 home ... 95 other.
            static constexpr int base[] = {1, 2, 3, 4, 5, 6, 21, 43, 61, 62, 63, 64, 65, 66, 70};
            n = base[n - 81];
        }
        switch (n) {
            case 1: return Disposition::home;
            case 2: case 5: case 43: case 66: return Disposition::acute_transfer;  // 05 cancer/children's, 43 federal, 66 CAH
            case 3: case 61: return Disposition::snf;                                // 61 swing bed
            case 4: case 64: return Disposition::nursing_facility;
            case 6: return Disposition::home_health;
            case 7: return Disposition::ama;
            case 20: case 40: case 41: case 42: return Disposition::expired;
            case 50: case 51: return Disposition::hospice;
            case 62: return Disposition::irf;
            case 63: return Disposition::ltch;
            case 9: case 21: case 30: case 65: case 69: case 70: return Disposition::other;
            default: return std::nullopt;
        }
    }
    return std::nullopt;
}

// Coverage.type: Source of Payment Typology, v3-ActCode coverage types, self-pay.
std::optional<Payer> payer_of(std::string_view system, std::string_view c) {
    if (system == "https://nahdo.org/sopt" || system == "http://nahdo.org/sopt" ||
        system == "urn:oid:2.16.840.1.113883.3.221.5") {
        if (c.empty() || c[0] < '1' || c[0] > '9') return std::nullopt;
        switch (c[0]) {
            case '1': return c.size() >= 2 && c[1] == '1' ? Payer::medicare_advantage : Payer::medicare_ffs;
            case '2': return Payer::medicaid;
            case '5': case '6': case '7': return Payer::commercial;
            case '8': return Payer::uninsured;
            default: return Payer::other;  // 3 other government, 4 corrections, 9 other
        }
    }
    if (system == "http://terminology.hl7.org/CodeSystem/v3-ActCode") {
        if (c == "EHCPOL" || c == "HSAPOL" || c == "HMO" || c == "PPO" || c == "POS" || c == "MCPOL" ||
            c == "HIP")
            return Payer::commercial;
        if (c == "PUBLICPOL" || c == "SUBSIDIZ" || c == "SUBSIDMC" || c == "SUBSIDFFS") return Payer::other;
        return std::nullopt;
    }
    if (system == "http://terminology.hl7.org/CodeSystem/coverage-selfpay" && c == "pay") return Payer::uninsured;
    return std::nullopt;
}

// Encounter.hospitalization.dischargeDisposition.text when no coding maps (docs/fhir.md).
std::optional<Disposition> disposition_text(std::string_view t) {
    static const std::pair<const char*, Disposition> table[] = {
        {"home", Disposition::home}, {"discharged to home", Disposition::home}, {"home or self care", Disposition::home},
        {"routine discharge", Disposition::home}, {"alternative home", Disposition::home},
        {"home health", Disposition::home_health}, {"home health care", Disposition::home_health},
        {"home with home health", Disposition::home_health}, {"home health service", Disposition::home_health},
        {"skilled nursing facility", Disposition::snf}, {"snf", Disposition::snf}, {"swing bed", Disposition::snf},
        {"nursing facility", Disposition::nursing_facility}, {"nursing home", Disposition::nursing_facility},
        {"intermediate care facility", Disposition::nursing_facility},
        {"inpatient rehabilitation facility", Disposition::irf}, {"rehabilitation facility", Disposition::irf},
        {"rehab", Disposition::irf}, {"irf", Disposition::irf},
        {"long term care hospital", Disposition::ltch}, {"ltch", Disposition::ltch}, {"long term care", Disposition::ltch},
        {"acute care hospital", Disposition::acute_transfer}, {"short term hospital", Disposition::acute_transfer},
        {"transfer to another hospital", Disposition::acute_transfer}, {"another hospital", Disposition::acute_transfer},
        {"hospice", Disposition::hospice}, {"hospice home", Disposition::hospice},
        {"hospice medical facility", Disposition::hospice},
        {"left against medical advice", Disposition::ama}, {"against medical advice", Disposition::ama},
        {"ama", Disposition::ama},
        {"expired", Disposition::expired}, {"died", Disposition::expired}, {"deceased", Disposition::expired},
        {"other", Disposition::other}, {"psychiatric hospital", Disposition::other},
        {"other health care facility", Disposition::other},
    };
    const std::string k = text_key(t);
    for (const auto& [phrase, d] : table)
        if (k == phrase) return d;
    return std::nullopt;
}

// Coverage.type.text when no coding maps: the words Synthea, CARIN Blue Button and the CMS
// Blue Button API write (docs/fhir.md). Dual eligibility is Medicare with medicaid_dual full,
// and a second coverage, Medicaid (see with_dual_medicaid).
struct PayerText {
    Payer payer;
    MedicaidDual dual = MedicaidDual::none;
};
std::optional<PayerText> payer_text(std::string_view t) {
    static const std::pair<const char*, PayerText> table[] = {
        {"medicare", {Payer::medicare_ffs}}, {"original medicare", {Payer::medicare_ffs}},
        {"medicare part a", {Payer::medicare_ffs}}, {"medicare part b", {Payer::medicare_ffs}},
        {"part a", {Payer::medicare_ffs}}, {"part b", {Payer::medicare_ffs}},
        {"medicare fee for service", {Payer::medicare_ffs}}, {"medicare ffs", {Payer::medicare_ffs}},
        {"medicare advantage", {Payer::medicare_advantage}}, {"medicare part c", {Payer::medicare_advantage}},
        {"part c", {Payer::medicare_advantage}},
        {"medicaid", {Payer::medicaid}},
        {"dual eligible", {Payer::medicare_ffs, MedicaidDual::full}}, {"dual", {Payer::medicare_ffs, MedicaidDual::full}},
        {"private", {Payer::commercial}}, {"commercial", {Payer::commercial}},
        {"private insurance", {Payer::commercial}}, {"employer", {Payer::commercial}},
        {"no insurance", {Payer::uninsured}}, {"uninsured", {Payer::uninsured}}, {"self pay", {Payer::uninsured}},
        {"no payer", {Payer::uninsured}},
    };
    const std::string k = text_key(t);
    for (const auto& [phrase, p] : table)
        if (k == phrase) return p;
    return std::nullopt;
}

// A dual-eligible coverage read from a type text (Medicare, medicaid_dual full) is also a
// Medicaid coverage over the same period: both are added. No code sets this combination.
void push_with_dual_medicaid(std::vector<Coverage>& out, Coverage c) {
    const bool dual = c.payer == Payer::medicare_ffs && c.medicaid_dual == MedicaidDual::full;
    out.push_back(c);
    if (dual) {
        c.payer = Payer::medicaid;
        out.push_back(std::move(c));
    }
}

// The Social fields SDOH answers set, by their document path: written through the schema
// (model::set_field), as a document would write them.
constexpr std::string_view kHousing = "social.housing_instability";
constexpr std::string_view kFood = "social.food_insecurity";
constexpr std::string_view kTransportation = "social.transportation_insecurity";

// SDOH concepts of Conditions (and of Observation codes): the Social field, empty for none.
// SNOMED CT findings of the Gravity Project value sets US Core uses, and the
// ICD-10-CM Z59 codes (facts.md section 10; Z59.0 and Z59.4 by prefix).
std::string_view social_concept(std::string_view system, std::string_view c) {
    if (system == "snomed") {
        if (c == "32911000" || c == "105531004" || c == "1156191002") return kHousing;  // homeless; housing unsatisfactory; instability
        if (c == "733423003" || c == "445281000124101") return kFood;  // food insecurity; limited access to healthful foods
        if (c == "713458007") return kTransportation;                   // lack of access to transportation
        return {};
    }
    if (system == "icd10cm") {
        if (c.rfind("Z59.0", 0) == 0 || c.rfind("Z59.1", 0) == 0 || c.rfind("Z59.81", 0) == 0) return kHousing;
        if (c.rfind("Z59.4", 0) == 0) return kFood;
        if (c == "Z59.82") return kTransportation;
    }
    return {};
}

// Gravity SDOH category codes (SDOHCC temporary codes; US Core reuses them) for an
// Observation or Condition coded only by its category.
std::string_view social_category(std::string_view c) {
    if (c == "housing-instability" || c == "homelessness" || c == "inadequate-housing") return kHousing;
    if (c == "food-insecurity") return kFood;
    if (c == "transportation-insecurity") return kTransportation;
    return {};
}

// A yes/no answer: 1 yes, 0 no, -1 neither (SNOMED, LOINC answer and v2-0136 codes).
int yes_no(std::string_view c) {
    if (c == "373066001" || c == "LA33-6" || c == "Y") return 1;
    if (c == "373067005" || c == "LA32-8" || c == "N") return 0;
    return -1;
}

std::optional<MedicationStatus> medication_status(std::string_view c) {
    if (c == "active") return MedicationStatus::active;
    if (c == "on-hold") return MedicationStatus::on_hold;
    if (c == "stopped") return MedicationStatus::stopped;
    if (c == "completed") return MedicationStatus::completed;
    if (c == "unknown") return MedicationStatus::unknown;
    return std::nullopt;
}

// SDOH screening items read into Social: the Social field, empty for another item.
std::string_view social_item(std::string_view loinc) {
    if (loinc == "71802-3" || loinc == "93033-9") return kHousing;  // PRAPARE housing status; worried about losing housing
    if (loinc == "88124-3" || loinc == "88122-7" || loinc == "88123-5") return kFood;  // Hunger Vital Sign: risk; its two items
    if (loinc == "93030-5") return kTransportation;                  // PRAPARE: lack of transportation kept you from...
    return {};
}

// The answer to an SDOH item: 1 yes (a need), 0 no, -1 unknown (declined, unknown answer).
int social_answer(std::string_view loinc, std::string_view answer) {
    if (loinc == "71802-3") return answer == "LA30190-5" ? 1 : answer == "LA30191-3" ? 0 : -1;
    if (loinc == "88124-3") return answer == "LA19952-3" ? 1 : answer == "LA19983-8" ? 0 : -1;
    // HVS items: "often true" or "sometimes true" is a positive screen, "never true" negative.
    if (loinc == "88122-7" || loinc == "88123-5")
        return answer == "LA28397-0" || answer == "LA6729-3" ? 1 : answer == "LA28398-8" ? 0 : -1;
    if (loinc == "93033-9") return answer == "LA33-6" ? 1 : answer == "LA32-8" ? 0 : -1;
    if (loinc == "93030-5") return answer == "LA30133-5" || answer == "LA30134-3" ? 1 : answer == "LA32-8" ? 0 : -1;
    return -1;
}

// True when the resource's status is one of `dropped` (did not happen, or recorded in error).
bool status_in(Element r, std::initializer_list<std::string_view> dropped) {
    std::string_view status;
    text(r, "status", status);
    return std::find(dropped.begin(), dropped.end(), status) != dropped.end();
}

bool is_declined(std::string_view answer) { return answer == "LA30122-8"; }  // "I choose not to answer"

}  // namespace

// ---------------------------------------------------------------------------------------
// Shared helpers

std::string_view string_member(Element e, std::string_view key) {
    std::string_view out;
    return text(e, key, out) ? out : std::string_view{};
}

bool is_fhir_id(std::string_view s) {
    if (s.empty() || s.size() > 64) return false;
    for (char c : s)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
            return false;
    return true;
}

std::optional<Diagnostic> patient_id_problem(std::string_view id, const Origin& origin, std::string_view label) {
    if (is_fhir_id(id)) return std::nullopt;
    return make_diagnostic(codes::fhir_required_element, Severity::error, origin, label, "id",
                           id.empty() ? "a Patient without an id: skipped (the other resources cannot refer to it)"
                                      : "a Patient id that is not a FHIR id (1-64 of A-Z a-z 0-9 - .): skipped");
}

std::optional<Diagnostic> version_problem(Element r, const Origin& origin) {
    std::string_view type, id;
    text(r, "resourceType", type);
    text(r, "id", id);
    auto refuse = [&](std::string_view element, std::string message) {
        return make_diagnostic(codes::fhir_not_r4, Severity::error, origin, resource_label(type, id, origin), element,
                               std::move(message) + ": not FHIR R4, nothing is read from it");
    };
    Element meta, v;
    std::string_view version;
    if (member(r, "meta", meta) && member(meta, "fhirVersion", v)) {
        if (v.get_string().get(version) != SUCCESS) return refuse("meta.fhirVersion", "not a string");
        // R4 is 4.0.x; R4B (4.3.x) resources of the types read here have the R4 shape.
        if (version.rfind("4.0", 0) != 0 && version.rfind("4.3", 0) != 0) {
            const bool known = version.rfind("1.0", 0) == 0 || version.rfind("3.0", 0) == 0 || version.rfind("5.0", 0) == 0;
            return refuse("meta.fhirVersion", known ? std::string(version.rfind("1.0", 0) == 0   ? "DSTU2 (1.0)"
                                                                  : version.rfind("3.0", 0) == 0 ? "STU3 (3.0)"
                                                                                                 : "R5 (5.0)")
                                                    : std::string("a version other than 4.0"));
        }
    }
    if (type == "Condition") {
        for (std::string_view key : {"clinicalStatus", "verificationStatus"})
            if (member(r, key, v) && v.is_string())
                return refuse(key, "a plain string (STU3/DSTU2; R4 has a CodeableConcept)");
    }
    if (type == "Encounter" && member(r, "class", v) && v.is_string())
        return refuse("class", "a plain string (DSTU2; R4 has a Coding)");
    if ((type == "Condition" || type == "Encounter" || type == "Observation") && has(r, "patient") && !has(r, "subject"))
        return refuse("patient", "the patient in `patient` (DSTU2; R4 has `subject`)");
    // STU3 names the encounter of these `context`; R4 renamed it `encounter`.
    if ((type == "Condition" || type == "Observation" || type == "MedicationRequest") && has(r, "context"))
        return refuse("context", "the encounter in `context` (STU3; R4 has `encounter`)");
    return std::nullopt;
}

bool is_type_name(std::string_view s) {
    if (s.empty() || s.size() > 64 || s[0] < 'A' || s[0] > 'Z') return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); });
}

std::string resource_label(std::string_view type, std::string_view id, const Origin& origin) {
    std::string out = is_type_name(type) ? std::string(type) : std::string("resource");
    if (is_fhir_id(id)) return out + "/" + std::string(id);
    if (origin.entry >= 0) return out + " (entry " + std::to_string(origin.entry) + ")";
    if (origin.line > 0) return out + " (line " + std::to_string(origin.line) + ")";
    return out;
}

std::string_view reference_id(std::string_view ref, std::string_view type) {
    if (ref.rfind("urn:uuid:", 0) == 0) return ref.substr(9);
    if (auto h = ref.find("/_history/"); h != std::string_view::npos) ref = ref.substr(0, h);
    auto slash = ref.rfind('/');
    if (slash == std::string_view::npos) return {};
    std::string_view id = ref.substr(slash + 1);
    std::string_view before = ref.substr(0, slash);
    auto prev = before.rfind('/');
    std::string_view t = prev == std::string_view::npos ? before : before.substr(prev + 1);
    return t == type ? id : std::string_view{};
}

std::string_view patient_reference(Element resource) {
    for (std::string_view key : {"subject", "patient", "beneficiary"}) {
        Element r;
        std::string_view ref;
        if (member(resource, key, r) && text(r, "reference", ref)) return reference_id(ref, "Patient");
    }
    return {};
}

bool is_mapped_type(std::string_view t) {
    return t == "Condition" || t == "Encounter" || t == "Observation" || t == "Coverage" || t == "MedicationRequest" ||
           t == "ExplanationOfBenefit";
}

Result<const date::time_zone*> care_setting_zone(const FhirOptions& options) {
    if (options.time_zone.empty()) return static_cast<const date::time_zone*>(nullptr);
    try {
        return date::locate_zone(options.time_zone);
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception&) {
        return make_diagnostic(codes::fhir_unknown_time_zone, Severity::error, Origin{}, "time_zone", "",
                               "not a time zone of the system's time-zone database (an IANA name such as "
                               "America/New_York; Debian: the tzdata package)");
    }
}

Diagnostic make_diagnostic(const char* code, Severity severity, const Origin& origin, std::string_view label,
                           std::string_view element, std::string message) {
    Diagnostic d;
    d.code = code;
    d.severity = severity;
    d.file = std::string(origin.file);
    d.line = origin.line;
    d.field_path = std::string(label);
    if (!element.empty()) {
        if (!d.field_path.empty()) d.field_path += '.';
        d.field_path += element;
    }
    d.message = std::move(message);
    return d;
}

void DiagnosticSink::add(Diagnostic d) {
    if (d.severity == Severity::error) ++errors_;
    if (list_.size() < max_) {
        list_.push_back(std::move(d));
        return;
    }
    ++dropped_;
}

std::vector<Diagnostic> DiagnosticSink::take() {
    if (dropped_ > 0) {
        Diagnostic d;
        d.code = codes::fhir_limit;
        d.severity = Severity::warning;
        d.message = std::to_string(dropped_) + " more diagnostics were not kept (limit max_diagnostics, " +
                    std::to_string(max_) + ")";
        list_.push_back(std::move(d));
        dropped_ = 0;
    }
    return std::move(list_);
}

// ---------------------------------------------------------------------------------------
// The assembler

PatientAssembler::PatientAssembler(const FhirOptions& options) : options_(options), sink_(options.max_diagnostics) {
    // The readers check the zone before they read (care_setting_zone's error); here it is found.
    if (auto z = care_setting_zone(options); z.ok()) zone_ = *z;
}

std::optional<DateTime> PatientAssembler::datetime(std::string_view s) const {
    auto t = fhir_datetime(s);
    if (!t || !zone_) return t;
    // Only a time with an offset is moved: "Z" or +hh:mm/-hh:mm after a time of day.
    if (s.size() <= 10 || s[10] != 'T') return t;
    int offset = 0;
    if (s.back() == 'Z') offset = 0;
    else if (s.size() >= 22 && (s[s.size() - 6] == '+' || s[s.size() - 6] == '-') && s[s.size() - 3] == ':')
        offset = utc_offset_minutes(s);
    else return t;
    const auto utc = date::sys_time<std::chrono::minutes>((*t - std::chrono::minutes(offset)).time_since_epoch());
    const auto local = zone_->to_local(utc);
    return DateTime(std::chrono::floor<std::chrono::minutes>(local).time_since_epoch());
}

std::optional<Date> PatientAssembler::date_of_text(std::string_view s) const {
    auto t = datetime(s);
    if (!t) return std::nullopt;
    return time::date_of(*t);
}

void PatientAssembler::warn(const char* c, const Origin& o, std::string_view label, std::string_view element,
                            std::string message) {
    sink_.add(make_diagnostic(c, Severity::warning, o, label, element, std::move(message)));
}

void PatientAssembler::set_field(std::string_view path, std::string_view text) {
    for (auto& d : model::set_field(patient_, path, text)) sink_.add(std::move(d));
}

std::optional<Date> PatientAssembler::date_field(Element parent, std::string_view key, std::string_view element,
                                                 const Origin& o, std::string_view label) {
    std::string_view s;
    if (!text(parent, key, s)) return std::nullopt;
    auto d = date_of_text(s);
    if (!d) warn(codes::fhir_bad_date, o, label, element, "not a valid date or dateTime: ignored");
    return d;
}

void PatientAssembler::expect(Element reference, std::string_view type, std::string_view label, std::string element,
                              const Origin& o, std::size_t encounter) {
    std::string_view ref;
    if (!text(reference, "reference", ref)) return;
    std::string target(reference_id(ref, type));
    if (target.empty()) return;
    pending_.push_back(PendingRef{std::move(target), std::string(label), std::move(element), o, std::string(o.file),
                                  encounter, type == "Condition"});
}

void PatientAssembler::add(Element r, const Origin& o) {
    std::string_view type, id;
    text(r, "resourceType", type);
    text(r, "id", id);
    const std::string label = resource_label(type, id, o);
    if (auto problem = version_problem(r, o)) {
        sink_.add(std::move(*problem));
        return;
    }
    if (type == "Patient") add_patient(r, o, label);
    else if (type == "Condition") add_condition(r, o, label);
    else if (type == "Encounter") add_encounter(r, o, label);
    else if (type == "Observation") add_observation(r, o, label);
    else if (type == "Coverage") add_coverage(r, o, label);
    else if (type == "MedicationRequest") add_medication_request(r, o, label);
    else if (type == "Medication") add_medication(r, o, label);
    else if (type == "ExplanationOfBenefit") add_claim(r, o, label);
    else warn(codes::fhir_not_read, o, label, "", "this resource type is not read");
}

void PatientAssembler::add_patient(Element r, const Origin& o, std::string_view label) {
    if (have_patient_) {
        warn(codes::fhir_duplicate_resource, o, label, "", "a second Patient resource with the same id; ignored");
        return;
    }
    have_patient_ = true;
    patient_origin_ = o;
    patient_label_ = std::string(label);
    std::string_view id;
    text(r, "id", id);
    patient_.id = std::string(id);
    if (auto problem = patient_id_problem(id, o, label)) sink_.add(std::move(*problem));

    auto error = [&](const char* c, std::string_view element, std::string message) {
        sink_.add(make_diagnostic(c, Severity::error, o, label, element, std::move(message)));
    };
    // As in every input format (model/patient_decoder.hpp): an id with a control character
    // would cut a CSV row or be truncated at the C interface.
    if (util::has_control_char(id))
        error(codes::patient_control_char, "id", "an id must not contain control characters (U+0000-U+001F, U+007F)");
    std::string_view s;
    if (!text(r, "birthDate", s)) {
        error(codes::fhir_required_element, "birthDate", "no birthDate: the patient cannot be evaluated (age is needed)");
    } else if (auto d = date_of_text(s)) {
        patient_.birth_date = *d;
        birth_ok_ = true;
    } else {
        error(codes::fhir_bad_date, "birthDate", "not a valid FHIR date: the patient cannot be evaluated");
    }

    if (text(r, "gender", s)) {
        if (s == "female") patient_.sex = Sex::female;
        else if (s == "male") patient_.sex = Sex::male;
        else if (s == "other") patient_.sex = Sex::other;
        else if (s == "unknown") patient_.sex = Sex::unknown;
        else warn(codes::fhir_unknown_code, o, label, "gender", "not an administrative-gender code: sex unknown");
    }

    Element v;
    if (has(r, "deceasedDateTime")) {
        patient_.deceased = date_field(r, "deceasedDateTime", "deceasedDateTime", o, label);
    } else if (member(r, "deceasedBoolean", v)) {
        bool dead = false;
        if (v.get_bool().get(dead) == SUCCESS) deceased_unknown_date_ = dead;
    }

    // Preferred language: the communication marked preferred, else the only one.
    std::size_t n_comm = 0;
    std::optional<std::string> only, preferred;
    each(r, "communication", [&](Element c, std::size_t) {
        ++n_comm;
        std::string_view lang;
        for (const auto& k : codings(c, "language"))
            if (k.system == "urn:ietf:bcp:47" && !k.code.empty()) {
                lang = k.code;
                break;
            }
        if (lang.empty()) return;
        bool pref = false;
        Element p;
        if (member(c, "preferred", p) && p.get_bool().get(pref) == SUCCESS && pref && !preferred) preferred = std::string(lang);
        only = std::string(lang);
    });
    if (preferred) set_field("language.preferred", std::string_view(*preferred));
    else if (n_comm == 1 && only) set_field("language.preferred", std::string_view(*only));

    // Interpreter needed: US Core extension (a coded yes/no) or the core boolean extension.
    each(r, "extension", [&](Element ext, std::size_t i) {
        std::string_view url;
        text(ext, "url", url);
        if (url == "http://hl7.org/fhir/us/core/StructureDefinition/us-core-interpreter-needed") {
            Element vc;
            std::string_view c;
            if (member(ext, "valueCoding", vc)) text(vc, "code", c);
            else c = first_code(ext, "valueCodeableConcept");
            if (c == "373066001" || c == "Y" || c == "LA33-6" || c == "yes") set_field("language.interpreter_needed", "true");
            else if (c == "373067005" || c == "N" || c == "LA32-8" || c == "no") set_field("language.interpreter_needed", "false");
            else if (!(c == "261665006" || c == "UNK" || c == "ASKU" || c == "NASK" || c == "unknown"))
                warn(codes::fhir_unknown_code, o, label, "extension[" + std::to_string(i) + "]",
                     "interpreter-needed answer is not a yes, no or unknown code: left unknown");
        } else if (url == "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired") {
            Element b;
            bool need = false;
            if (member(ext, "valueBoolean", b) && b.get_bool().get(need) == SUCCESS)
                set_field("language.interpreter_needed", need ? "true" : "false");
        }
    });
}

void PatientAssembler::add_condition(Element r, const Origin& o, std::string_view label) {
    const std::string_view verification = first_code(r, "verificationStatus");
    if (verification == "entered-in-error" || verification == "refuted") return;
    if (!has(r, "code")) {
        warn(codes::fhir_required_element, o, label, "code", "no code: the condition is skipped");
        return;
    }
    const auto cs = codings(r, "code");
    const Coding* k = pick(cs, {"icd10cm", "snomed", "icd9cm"});
    if (!k) {
        warn(codes::fhir_unknown_code, o, label, "code.coding",
             "no coding in a supported system (ICD-10-CM, SNOMED CT, ICD-9-CM): the condition is skipped");
        return;
    }
    Condition c;
    c.system = std::string(system_word(k->system));
    c.code = normalize_code(c.system, k->code);
    c.also_coded = also_coded(cs, k);
    c.display = std::string(k->display);

    c.onset = date_field(r, "onsetDateTime", "onsetDateTime", o, label);
    c.abatement = date_field(r, "abatementDateTime", "abatementDateTime", o, label);
    c.recorded = date_field(r, "recordedDate", "recordedDate", o, label);
    Element period;
    if (!c.onset && member(r, "onsetPeriod", period)) c.onset = date_field(period, "start", "onsetPeriod.start", o, label);
    if (!c.abatement && member(r, "abatementPeriod", period))
        c.abatement = date_field(period, "start", "abatementPeriod.start", o, label);

    if (c.onset && c.abatement && *c.abatement < *c.onset) {
        warn(codes::fhir_bad_date, o, label, "onsetDateTime", "the onset is after the abatement: the onset is ignored");
        c.onset.reset();
    }

    const std::string_view clinical = first_code(r, "clinicalStatus");
    if (auto st = condition_status(clinical)) {
        c.status = *st;
    } else {
        if (!clinical.empty())
            warn(codes::fhir_unknown_code, o, label, "clinicalStatus",
                 "not a condition-clinical code: status taken from abatement (resolved when abated, else active)");
        c.status = c.abatement ? ConditionStatus::resolved : ConditionStatus::active;
    }

    // SDOH: a condition coded with a social concept (any coding), or whose category is one,
    // is a need while it is active and no longer one from its abatement.
    std::string_view social = social_concept(c.system, c.code);
    for (const auto& a : c.also_coded)
        if (social.empty()) social = social_concept(a.system, a.code);
    each(r, "category", [&](Element cat, std::size_t) {
        each(cat, "coding", [&](Element k2, std::size_t) {
            std::string_view cc;
            if (social.empty() && text(k2, "code", cc)) social = social_category(cc);
        });
    });
    if (!social.empty()) {
        const bool need = c.status == ConditionStatus::active || c.status == ConditionStatus::recurrence ||
                          c.status == ConditionStatus::relapse;
        const Date since = c.onset ? *c.onset : c.recorded ? *c.recorded : Date{};
        if (need) social_answers_.push_back(Answer{social, since, true});
        else if (c.abatement) social_answers_.push_back(Answer{social, *c.abatement, false});
    }

    std::string_view id;
    Element enc;
    if (text(r, "id", id) && !id.empty()) condition_codes_[std::string(id)] = ConditionRef{c.code, c.system, c.also_coded};
    if (member(r, "encounter", enc)) expect(enc, "Encounter", label, "encounter", o);
    patient_.conditions.push_back(std::move(c));
}

void PatientAssembler::add_encounter(Element r, const Origin& o, std::string_view label) {
    if (status_in(r, {"planned", "cancelled", "entered-in-error"})) return;

    Element cls;
    std::string_view class_code;
    if (member(r, "class", cls)) {
        if (!text(cls, "code", class_code)) {
            // R5 writes class as a list of CodeableConcepts.
            each(r, "class", [&](Element cc, std::size_t i) {
                if (i == 0) class_code = first_code_of(cc);
            });
        }
    }
    if (class_code.empty()) {
        warn(codes::fhir_required_element, o, label, "class", "no class: the encounter is skipped");
        return;
    }
    auto ec = encounter_class(class_code);
    if (!ec) {
        warn(codes::fhir_unknown_code, o, label, "class.code",
             "not a v3-ActCode encounter class (IMP, ACUTE, NONAC, OBSENC, EMER, AMB, SS, HH, VR, FLD, PRENC): "
             "the encounter is skipped");
        return;
    }
    Encounter e;
    e.encounter_class = *ec;
    std::string_view s;
    if (text(r, "id", s)) {
        if (!util::has_control_char(s)) e.id = std::string(s);
        else warn(codes::patient_control_char, o, label, "id", "an id must not contain control characters: the encounter is read without it");
    }
    // A skilled-nursing admission written as an inpatient encounter (Synthea does).
    each(r, "type", [&](Element t, std::size_t) {
        each(t, "coding", [&](Element c, std::size_t) {
            auto k = coding_of(c);
            if (system_word(k.system) == "snomed" && k.code == "449411000124106") e.encounter_class = EncounterClass::snf;
        });
    });

    Element period;
    std::string_view start_text, end_text;
    if (member(r, "period", period)) {
        if (text(period, "start", start_text)) {
            e.admit = datetime(start_text);
            if (!e.admit) warn(codes::fhir_bad_date, o, label, "period.start", "not a valid dateTime: ignored");
        }
        if (text(period, "end", end_text)) {
            e.discharge = datetime(end_text);
            if (!e.discharge) warn(codes::fhir_bad_date, o, label, "period.end", "not a valid dateTime: ignored");
        }
        if (e.admit && e.discharge && *e.discharge < *e.admit) {
            // Wall-clock times: across a daylight-saving change (01:52-04:00 to 01:07-05:00)
            // the end reads earlier although it is later. Then the end is taken as the start.
            const auto utc_start = *e.admit - std::chrono::minutes(utc_offset_minutes(start_text));
            const auto utc_end = *e.discharge - std::chrono::minutes(utc_offset_minutes(end_text));
            if (utc_end >= utc_start) {
                e.discharge = e.admit;
            } else {
                warn(codes::fhir_bad_date, o, label, "period.end", "the end is before the start: the end is ignored");
                e.discharge.reset();
            }
        }
    }

    if (e.encounter_class == EncounterClass::emergency) {
        e.emergent = true;
        e.planned = false;
    }
    const std::string_view priority = first_code(r, "priority");
    if (priority == "EM" || priority == "S") {
        e.emergent = true;
        e.planned = false;
    } else if (priority == "EL") {
        e.emergent = false;
        e.planned = true;
    } else if (priority == "R") {
        e.emergent = false;
    }
    Element hosp;
    if (member(r, "hospitalization", hosp)) {
        if (first_code(hosp, "admitSource") == "emd") {
            e.emergent = true;
            e.planned = false;
        }
        const auto ds = codings(hosp, "dischargeDisposition");
        if (!ds.empty()) {
            for (const auto& k : ds)
                if (auto d = disposition(k.system, k.code)) {
                    e.disposition = *d;
                    break;
                }
        }
        Element dd;
        if (member(hosp, "dischargeDisposition", dd)) {
            std::string_view t;
            if (!e.disposition && text(dd, "text", t)) e.disposition = disposition_text(t);
            if (!e.disposition)
                warn(codes::fhir_unknown_code, o, label, "hospitalization.dischargeDisposition",
                     "neither an HL7 discharge-disposition or NUBC code nor a text the mapping knows: disposition unknown");
        }
    }

    // Principal diagnosis: reasonCode first; a diagnosis (rank 1, else the first) or a
    // reasonReference naming a Condition replaces it once the Condition is found.
    std::vector<Coding> reasons;
    each(r, "reasonCode", [&](Element cc, std::size_t) {
        each(cc, "coding", [&](Element c, std::size_t) { reasons.push_back(coding_of(c)); });
    });
    if (const Coding* k = pick(reasons, {"icd10cm", "snomed", "icd9cm"})) {
        e.diagnosis_system = std::string(system_word(k->system));
        e.diagnosis = normalize_code(e.diagnosis_system, k->code);
        e.diagnosis_also_coded = also_coded(reasons, k);
    } else if (!reasons.empty()) {
        warn(codes::fhir_unknown_code, o, label, "reasonCode", "no coding in a supported system: not used as the diagnosis");
    }
    // The Reference to the principal diagnosis: the diagnosis of the lowest rank (the first
    // when none is ranked), else the first reasonReference.
    Element target;
    std::string element;
    std::int64_t best_rank = INT64_MAX;
    each(r, "diagnosis", [&](Element d, std::size_t i) {
        Element cond, rank;
        std::int64_t rk = INT64_MAX - 1;
        if (!member(d, "condition", cond)) return;
        if (member(d, "rank", rank) && rank.get_int64().get(rk) != SUCCESS) rk = INT64_MAX - 1;
        if (rk < best_rank) {
            best_rank = rk;
            target = cond;
            element = "diagnosis[" + std::to_string(i) + "].condition";
        }
    });
    if (element.empty())
        each(r, "reasonReference", [&](Element ref, std::size_t i) {
            if (!element.empty()) return;
            target = ref;
            element = "reasonReference[" + std::to_string(i) + "]";
        });
    const std::size_t index = patient_.encounters.size();
    if (!element.empty()) expect(target, "Condition", label, element, o, index);
    if (!e.id.empty()) encounter_index_[e.id] = index;
    patient_.encounters.push_back(std::move(e));
}

void PatientAssembler::add_observation(Element r, const Origin& o, std::string_view label) {
    if (status_in(r, {"entered-in-error", "cancelled", "registered"})) return;
    const auto cs = codings(r, "code");
    const Coding* k = pick(cs, {"loinc"});
    if (!k && !has(r, "category")) {
        if (cs.empty()) warn(codes::fhir_required_element, o, label, "code", "no code: the observation is skipped");
        else warn(codes::fhir_unknown_code, o, label, "code.coding", "no LOINC coding: the observation is skipped");
        return;
    }
    std::string_view s;
    Element period;
    std::string_view date_key;
    if (text(r, "effectiveDateTime", s)) date_key = "effectiveDateTime";
    else if (member(r, "effectivePeriod", period) && text(period, "start", s)) date_key = "effectivePeriod.start";
    else if (text(r, "effectiveInstant", s)) date_key = "effectiveInstant";
    else if (text(r, "issued", s)) date_key = "issued";
    if (date_key.empty()) {
        warn(codes::fhir_required_element, o, label, "effective[x]", "no effective date: the observation is skipped");
        return;
    }
    auto date = date_of_text(s);
    if (!date) {
        warn(codes::fhir_bad_date, o, label, date_key, "not a valid dateTime: the observation is skipped");
        return;
    }
    if (!k) {
        // Coded only by an SDOH category (Gravity): a yes/no value is the answer.
        std::string_view item;
        each(r, "category", [&](Element cat, std::size_t) {
            each(cat, "coding", [&](Element c, std::size_t) {
                std::string_view cc;
                if (item.empty() && text(c, "code", cc)) item = social_category(cc);
            });
        });
        if (item.empty()) {
            if (cs.empty()) warn(codes::fhir_required_element, o, label, "code", "no code: the observation is skipped");
            else warn(codes::fhir_unknown_code, o, label, "code.coding", "no LOINC coding: the observation is skipped");
            return;
        }
        Element b;
        bool yes = false;
        int answer = -1;
        if (member(r, "valueBoolean", b) && b.get_bool().get(yes) == SUCCESS) answer = yes ? 1 : 0;
        else answer = yes_no(first_code(r, "valueCodeableConcept"));
        if (answer < 0) {
            warn(codes::fhir_unknown_code, o, label, "value[x]",
                 "an SDOH observation without a yes/no value the mapping knows: left unknown");
            return;
        }
        social_answers_.push_back(Answer{item, *date, answer == 1});
        return;
    }

    if (std::string_view item = social_item(k->code); !item.empty()) {
        const std::string_view answer = first_code(r, "valueCodeableConcept");
        const int yes = social_answer(k->code, answer);
        if (yes >= 0) social_answers_.push_back(Answer{item, *date, yes == 1});
        else if (is_declined(answer))
            sink_.add(make_diagnostic(codes::fhir_unknown_code, Severity::note, o, label, "valueCodeableConcept",
                                      "the patient chose not to answer: left unknown"));
        else
            warn(codes::fhir_unknown_code, o, label, "valueCodeableConcept",
                 answer.empty() ? "no coded answer: left unknown" : "an answer the mapping does not know: left unknown");
        return;
    }

    Observation ob;
    ob.date = *date;
    ob.also_coded = also_coded(cs, k);
    if (auto name = model::short_observation_name(k->code); !name.empty()) {
        ob.code = std::string(name);
        ob.system = "carecoord";
    } else {
        ob.code = std::string(k->code);
        ob.system = "loinc";
    }
    Element q, v;
    double value = 0;
    std::string_view value_element;
    if (member(r, "valueQuantity", q) && member(q, "value", v) && v.get_double().get(value) == SUCCESS) {
        std::string_view unit;
        if (!text(q, "code", unit)) text(q, "unit", unit);
        if (ob.code == "hemoglobin" && unit == "g/L") value /= 10.0;  // the model holds g/dL
        ob.value = value;
        value_element = "valueQuantity.value";
    } else if (member(r, "valueInteger", v) && v.get_double().get(value) == SUCCESS) {
        ob.value = value;
        value_element = "valueInteger";
    }
    // The ranges of the patient schema (model/patient_schema.hpp), as for a document; but an
    // EHR's record is what it holds: a value outside them is read as unknown, with a warning
    // (docs/patient-schema.md#value-ranges), not a refused patient.
    if (ob.value)
        if (const model::ObservationRange* range = model::observation_range(ob.code, ob.system);
            range && !model::in_range(*range, *ob.value)) {
            ob.value.reset();
            warn(codes::fhir_value_out_of_range, o, label, value_element,
                 std::string(range->words) + ": the value is outside that range and is left unknown");
        }
    patient_.observations.push_back(std::move(ob));
}

bool PatientAssembler::map_coverage(Element r, Coverage& c, const Origin& o, std::string_view label,
                                    std::string_view element) {
    const std::string where = std::string(element) + (element.empty() ? "type" : ".type");
    const auto types = codings(r, "type");
    for (const auto& k : types)
        if (auto p = payer_of(k.system, k.code)) {
            c.payer = *p;
            return true;
        }
    Element type;
    std::string_view t;
    if (member(r, "type", type) && text(type, "text", t))
        if (auto p = payer_text(t)) {
            c.payer = p->payer;
            c.medicaid_dual = p->dual;
            return true;
        }
    if (!has(r, "type"))
        warn(codes::fhir_required_element, o, label, where, "no type: the payer cannot be classified (taken as other)");
    else
        warn(codes::fhir_unknown_code, o, label, where,
             "neither a Source of Payment Typology, v3-ActCode or self-pay code nor a type text the mapping knows: "
             "the payer cannot be classified (taken as other)");
    return false;
}

void PatientAssembler::add_coverage(Element r, const Origin& o, std::string_view label) {
    if (status_in(r, {"cancelled", "draft", "entered-in-error"})) return;
    Coverage c;
    map_coverage(r, c, o, label, "");
    Element period;
    if (member(r, "period", period)) {
        c.start = date_field(period, "start", "period.start", o, label);
        c.end = date_field(period, "end", "period.end", o, label);
    }
    if (c.start && c.end && *c.end < *c.start) {
        warn(codes::fhir_bad_date, o, label, "period.end", "the end is before the start: the coverage is skipped");
        return;
    }
    each(r, "class", [&](Element cl, std::size_t) {
        std::string_view value;
        if (c.plan.empty() && first_code(cl, "type") == "plan" && text(cl, "value", value)) c.plan = std::string(value);
    });
    std::string_view id;
    if (text(r, "id", id) && !id.empty()) coverage_index_[std::string(id)] = patient_.coverage.size();
    push_with_dual_medicaid(patient_.coverage, std::move(c));
}

// ExplanationOfBenefit: the coverage each claim was paid under (insurance[].coverage, a
// contained Coverage "#id" or a separate one), dated by the claim. finish() turns the claims
// into coverage periods.
void PatientAssembler::add_claim(Element r, const Origin& o, std::string_view label) {
    if (status_in(r, {"cancelled", "entered-in-error", "draft"})) return;
    std::optional<Date> date;
    Element period;
    if (member(r, "billablePeriod", period)) date = date_field(period, "start", "billablePeriod.start", o, label);
    if (!date) date = date_field(r, "created", "created", o, label);
    if (!date) {
        warn(codes::fhir_required_element, o, label, "billablePeriod", "no billablePeriod.start or created date: the claim's coverage is not read");
        return;
    }
    std::size_t read = 0;
    each(r, "insurance", [&](Element ins, std::size_t i) {
        const std::string element = "insurance[" + std::to_string(i) + "].coverage";
        Element cov;
        std::string_view ref;
        if (!member(ins, "coverage", cov) || !text(cov, "reference", ref)) {
            warn(codes::fhir_required_element, o, label, element, "no coverage reference: not read");
            return;
        }
        ClaimCoverage claim;
        claim.date = *date;
        claim.label = std::string(label);
        claim.element = element;
        claim.file = std::string(o.file);
        claim.origin = o;
        if (!ref.empty() && ref[0] == '#') {
            bool found = false;
            each(r, "contained", [&](Element c, std::size_t j) {
                std::string_view cid;
                if (found || string_member(c, "resourceType") != "Coverage" || !text(c, "id", cid) || cid != ref.substr(1))
                    return;
                found = true;
                claim.contained_known =
                    map_coverage(c, claim.coverage, o, label, "contained[" + std::to_string(j) + "]");
                each(c, "class", [&](Element cl, std::size_t) {
                    std::string_view value;
                    if (claim.coverage.plan.empty() && first_code(cl, "type") == "plan" && text(cl, "value", value))
                        claim.coverage.plan = std::string(value);
                });
            });
            if (!found) {
                warn(codes::fhir_dangling_reference, o, label, element, "refers to a contained Coverage that is not there: not read");
                return;
            }
        } else {
            claim.coverage_id = std::string(reference_id(ref, "Coverage"));
            if (claim.coverage_id.empty()) {
                warn(codes::fhir_dangling_reference, o, label, element, "not a reference to a Coverage: not read");
                return;
            }
        }
        ++read;
        claims_.push_back(std::move(claim));
    });
    if (read == 0 && !has(r, "insurance")) warn(codes::fhir_required_element, o, label, "insurance", "no insurance: the claim's coverage is not read");
}

void PatientAssembler::add_medication_request(Element r, const Origin& o, std::string_view label) {
    if (status_in(r, {"cancelled", "entered-in-error", "draft"})) return;
    const std::string_view status = string_member(r, "status");
    MedRow row;
    if (auto st = medication_status(status)) row.status = *st;
    else {
        row.status = MedicationStatus::unknown;
        warn(codes::fhir_unknown_code, o, label, "status", "not a medicationrequest-status code: status unknown");
    }
    Element medication_concept;  // the medication's CodeableConcept: in the request, or in a contained Medication
    std::string element = "medicationCodeableConcept";
    Element mref;
    std::string_view ref;
    if (member(r, "medicationCodeableConcept", medication_concept)) {
    } else if (member(r, "medicationReference", mref) && text(mref, "reference", ref)) {
        if (!ref.empty() && ref[0] == '#') {
            bool found = false;
            each(r, "contained", [&](Element c, std::size_t j) {
                std::string_view cid;
                if (found || string_member(c, "resourceType") != "Medication" || !text(c, "id", cid) || cid != ref.substr(1))
                    return;
                found = member(c, "code", medication_concept);
                element = "contained[" + std::to_string(j) + "].code";
                if (!found) {
                    warn(codes::fhir_required_element, o, label, element, "the contained Medication has no code: the request is skipped");
                    found = true;
                    medication_concept = Element{};
                    element.clear();
                }
            });
            if (element.empty()) return;
            if (!found) {
                warn(codes::fhir_dangling_reference, o, label, "medicationReference",
                     "refers to a contained Medication that is not there: the request is skipped");
                return;
            }
        } else {
            row.medication_ref = std::string(reference_id(ref, "Medication"));
            if (row.medication_ref.empty()) {
                warn(codes::fhir_dangling_reference, o, label, "medicationReference", "not a reference to a Medication: the request is skipped");
                return;
            }
        }
    } else {
        if (has(r, "medicationReference"))
            warn(codes::fhir_required_element, o, label, "medicationReference", "no reference: the request is skipped");
        else warn(codes::fhir_required_element, o, label, "medication[x]", "no medication: the request is skipped");
        return;
    }
    if (row.medication_ref.empty()) {
        std::vector<Coding> cs;
        each(medication_concept, "coding", [&](Element c, std::size_t) { cs.push_back(coding_of(c)); });
        const Coding* k = pick(cs, {"rxnorm", "ndc"});
        if (!k) {
            warn(codes::fhir_unknown_code, o, label, element + ".coding", "no RxNorm or NDC coding: the request is skipped");
            return;
        }
        row.system = std::string(system_word(k->system));
        row.code = std::string(k->code);
        row.name = std::string(k->display);
        row.also_coded = also_coded(cs, k);
    }
    row.label = std::string(label);
    row.file = std::string(o.file);
    row.origin = o;
    row.authored = date_field(r, "authoredOn", "authoredOn", o, label);
    Element enc;
    if (member(r, "encounter", enc)) expect(enc, "Encounter", label, "encounter", o);
    each(r, "reasonReference", [&](Element rr, std::size_t i) {
        expect(rr, "Condition", label, "reasonReference[" + std::to_string(i) + "]", o);
    });
    med_rows_.push_back(std::move(row));
}

// A separate Medication resource: its code, for the requests that name it.
void PatientAssembler::add_medication(Element r, const Origin& o, std::string_view label) {
    std::string_view id;
    if (!text(r, "id", id) || id.empty()) return;  // nothing can refer to it
    const auto cs = codings(r, "code");
    const Coding* k = pick(cs, {"rxnorm", "ndc"});
    MedicationCode m;
    m.label = std::string(label);
    m.file = std::string(o.file);
    m.origin = o;
    // Without an RxNorm or NDC coding the code stays empty: finish() skips the requests that
    // name it, with a warning at each.
    if (k) {
        m.system = std::string(system_word(k->system));
        m.code = std::string(k->code);
        m.name = std::string(k->display);
        m.also_coded = also_coded(cs, k);
    }
    medication_codes_.try_emplace(std::string(id), std::move(m));
}

std::vector<std::string> PatientAssembler::wanted_medications() const {
    std::vector<std::string> out;
    for (const auto& row : med_rows_)
        if (!row.medication_ref.empty() && !medication_codes_.count(row.medication_ref) &&
            std::find(out.begin(), out.end(), row.medication_ref) == out.end())
            out.push_back(row.medication_ref);
    return out;
}

Result<FhirPatient> PatientAssembler::finish() {
    // References between this patient's resources.
    for (auto& p : pending_) {
        p.origin.file = p.file;
        if (p.condition) {
            auto it = condition_codes_.find(p.target);
            if (it == condition_codes_.end()) {
                warn(codes::fhir_dangling_reference, p.origin, p.label, p.element, "refers to a Condition that is not in the input");
                continue;
            }
            if (p.encounter < patient_.encounters.size()) {
                patient_.encounters[p.encounter].diagnosis = it->second.code;
                patient_.encounters[p.encounter].diagnosis_system = it->second.system;
                patient_.encounters[p.encounter].diagnosis_also_coded = it->second.also_coded;
            }
        } else if (!encounter_index_.count(p.target)) {
            warn(codes::fhir_dangling_reference, p.origin, p.label, p.element, "refers to an Encounter that is not in the input");
        }
    }
    pending_.clear();

    // Requests naming a separate Medication take its code.
    std::vector<MedRow> resolved;
    for (auto& row : med_rows_) {
        if (!row.medication_ref.empty()) {
            row.origin.file = row.file;
            auto it = medication_codes_.find(row.medication_ref);
            if (it == medication_codes_.end()) {
                warn(codes::fhir_dangling_reference, row.origin, row.label, "medicationReference",
                     "refers to a Medication that is not in the input: the request is skipped");
                continue;
            }
            it->second.named = true;
            if (it->second.code.empty()) {
                warn(codes::fhir_unknown_code, row.origin, row.label, "medicationReference",
                     "the Medication it names has no RxNorm or NDC coding: the request is skipped");
                continue;
            }
            row.system = it->second.system;
            row.code = it->second.code;
            row.name = it->second.name;
            row.also_coded = it->second.also_coded;
        }
        resolved.push_back(std::move(row));
    }
    med_rows_ = std::move(resolved);
    // A Medication of a Bundle that no request names says nothing about the patient.
    std::vector<MedicationCode*> unnamed;
    for (auto& [id, m] : medication_codes_)
        if (!m.named) unnamed.push_back(&m);
    std::sort(unnamed.begin(), unnamed.end(), [](const MedicationCode* a, const MedicationCode* b) {
        return std::tie(a->file, a->origin.line, a->origin.entry) < std::tie(b->file, b->origin.line, b->origin.entry);
    });
    for (MedicationCode* m : unnamed) {
        m->origin.file = m->file;
        sink_.add(make_diagnostic(codes::fhir_not_read, Severity::note, m->origin, m->label, "",
                                  "a Medication no MedicationRequest of the patient names: not read"));
    }

    // Coverage from claims: a claim under a separate Coverage widens that Coverage's period to
    // the claim (the latest evidence wins); claims under contained Coverages of the same payer
    // and plan make one coverage, in force from the earliest claim until claims_grace_months
    // after the latest.
    struct Span {
        Coverage coverage;
        Date first{}, last{};
    };
    std::vector<Span> spans;
    for (auto& claim : claims_) {
        claim.origin.file = claim.file;
        if (!claim.coverage_id.empty()) {
            auto it = coverage_index_.find(claim.coverage_id);
            if (it == coverage_index_.end()) {
                warn(codes::fhir_dangling_reference, claim.origin, claim.label, claim.element,
                     "refers to a Coverage that is not in the input: not read");
                continue;
            }
            Coverage& c = patient_.coverage[it->second];
            if (c.start && claim.date < *c.start) c.start = claim.date;
            if (c.end && claim.date > *c.end) c.end = time::add_months(claim.date, options_.claims_grace_months);
            continue;
        }
        auto same = std::find_if(spans.begin(), spans.end(), [&](const Span& sp) {
            return sp.coverage.payer == claim.coverage.payer && sp.coverage.plan == claim.coverage.plan &&
                   sp.coverage.medicaid_dual == claim.coverage.medicaid_dual;
        });
        if (same == spans.end()) spans.push_back(Span{claim.coverage, claim.date, claim.date});
        else {
            same->first = std::min(same->first, claim.date);
            same->last = std::max(same->last, claim.date);
        }
    }
    claims_.clear();
    for (auto& sp : spans) {
        sp.coverage.start = sp.first;
        sp.coverage.end = time::add_months(sp.last, options_.claims_grace_months);
        push_with_dual_medicaid(patient_.coverage, std::move(sp.coverage));
    }

    // Medication requests -> one medication per code: the status of the latest request,
    // started on the earliest.
    std::stable_sort(med_rows_.begin(), med_rows_.end(), [](const MedRow& a, const MedRow& b) {
        if (a.system != b.system) return a.system < b.system;
        if (a.code != b.code) return a.code < b.code;
        return a.authored < b.authored;  // none first
    });
    for (std::size_t i = 0; i < med_rows_.size();) {
        std::size_t j = i;
        while (j < med_rows_.size() && med_rows_[j].system == med_rows_[i].system && med_rows_[j].code == med_rows_[i].code) ++j;
        const MedRow& last = med_rows_[j - 1];
        Medication m;
        m.code = last.code;
        m.system = last.system;
        m.name = last.name;
        m.also_coded = last.also_coded;
        m.status = last.status;
        for (std::size_t k = i; k < j; ++k)
            if (med_rows_[k].authored) {
                m.events.push_back(MedicationEvent{MedicationEventType::started, *med_rows_[k].authored});
                break;
            }
        patient_.medications.push_back(std::move(m));
        i = j;
    }
    med_rows_.clear();

    // SDOH answers: the latest answer of each need.
    std::stable_sort(social_answers_.begin(), social_answers_.end(),
                     [](const Answer& a, const Answer& b) { return a.date < b.date; });
    // Two housing items: either one answered on the latest date decides the need.
    for (const auto& a : social_answers_) set_field(a.field, a.value ? "true" : "false");

    if (have_patient_ && deceased_unknown_date_ && !patient_.deceased) {
        // deceasedBoolean true without a date: the last date in the record is the best bound.
        Date last = patient_.birth_date;
        for (const auto& e : patient_.encounters) {
            if (e.admit) last = std::max(last, time::date_of(*e.admit));
            if (e.discharge) last = std::max(last, time::date_of(*e.discharge));
        }
        for (const auto& c : patient_.conditions) {
            if (c.recorded) last = std::max(last, *c.recorded);
            if (c.onset) last = std::max(last, *c.onset);
        }
        for (const auto& ob : patient_.observations) last = std::max(last, ob.date);
        for (const auto& m : patient_.medications)
            for (const auto& ev : m.events) last = std::max(last, ev.date);
        patient_.deceased = last;
        Diagnostic d = make_diagnostic(codes::fhir_bad_date, Severity::note, patient_origin_, patient_label_, "deceasedBoolean",
                                       "deceased without a date: the date of death is taken as the last date in the record");
        sink_.add(std::move(d));
    }

    if (have_patient_ && birth_ok_ && patient_.deceased && *patient_.deceased < patient_.birth_date)
        sink_.add(make_diagnostic(codes::fhir_bad_date, Severity::warning, patient_origin_, patient_label_, "deceasedDateTime",
                                  "the date of death is before the birth date: kept (the patient is taken as deceased)"));

    if (!have_patient_) {
        Diagnostic d;
        d.code = codes::fhir_no_patient;
        d.message = "no Patient resource for these resources";
        sink_.add(std::move(d));
    }
    if (sink_.has_errors() || !have_patient_ || !birth_ok_) return sink_.take();
    FhirPatient out;
    out.patient = std::move(patient_);
    out.diagnostics = sink_.take();
    return out;
}

}  // namespace carecoord::fhir
