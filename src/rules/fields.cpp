// The patient fields that expressions can read: one table for the checker (names, types,
// missing-data semantics) and the evaluator (field ids).
#include <span>

#include "model/enums.hpp"
#include "rules/plan.hpp"

namespace carecoord::rules {

namespace {

constexpr Type T(TypeKind k) { Type t; t.kind = k; return t; }
constexpr Type E(EnumId e) { Type t; t.kind = TypeKind::enumeration; t.enum_id = e; return t; }
constexpr Type L(Coll c) { Type t; t.kind = TypeKind::list; t.coll = c; return t; }

using K = TypeKind;
using C = Coll;
using F = Field;

// missing_bit numbering: each field whose absence means "unknown" has its own bit.
const FieldInfo kFields[] = {
    {F::id, C::none, "id", "id", "", T(K::string), -1},
    {F::birth_date, C::none, "birth_date", "birth_date", "", T(K::date), -1},
    {F::sex, C::none, "sex", "sex", "", E(EnumId::sex), -1},
    {F::deceased, C::none, "deceased", "deceased", "", T(K::date), -1},
    {F::lang_preferred, C::none, "language.preferred", "preferred", "language", T(K::string), 0},
    {F::lang_interpreter, C::none, "language.interpreter_needed", "interpreter_needed", "language", T(K::boolean), 1},
    {F::lang_proficiency, C::none, "language.english_proficiency", "english_proficiency", "language", E(EnumId::english_proficiency), 2},
    {F::soc_housing, C::none, "social.housing_instability", "housing_instability", "social", T(K::boolean), 3},
    {F::soc_food, C::none, "social.food_insecurity", "food_insecurity", "social", T(K::boolean), 4},
    {F::soc_transport, C::none, "social.transportation_insecurity", "transportation_insecurity", "social", T(K::boolean), 5},
    {F::soc_support, C::none, "social.social_support", "social_support", "social", E(EnumId::social_support), 6},
    {F::soc_literacy, C::none, "social.health_literacy", "health_literacy", "social", E(EnumId::health_literacy), 7},
    {F::ltc_open, C::none, "ltc_placement.decision_open", "decision_open", "ltc_placement", T(K::boolean), 8},
    {F::ltc_since, C::none, "ltc_placement.since", "since", "ltc_placement", T(K::date), -1},
    {F::ltc_stay_days, C::none, "ltc_placement.expected_stay_days", "expected_stay_days", "ltc_placement", T(K::number), 9},
    {F::ltc_assessed, C::none, "ltc_placement.assessed", "assessed", "ltc_placement", T(K::date), -1},
    {F::cp_state, C::none, "care_plan.state", "state", "care_plan", E(EnumId::care_plan_state), -1},
    {F::cp_enrolled, C::none, "care_plan.enrolled", "enrolled", "care_plan", T(K::date), -1},
    {F::cp_assessment, C::none, "care_plan.last_comprehensive_assessment", "last_comprehensive_assessment", "care_plan", T(K::date), -1},
    {F::cp_hra, C::none, "care_plan.last_hra", "last_hra", "care_plan", T(K::date), -1},
    {F::cp_snp_enrolled, C::none, "care_plan.snp_enrolled", "snp_enrolled", "care_plan", T(K::date), -1},

    {F::cov_payer, C::coverage, "coverage[].payer", "payer", "", E(EnumId::payer), -1},
    {F::cov_plan, C::coverage, "coverage[].plan", "plan", "", T(K::string), -1},
    {F::cov_snp, C::coverage, "coverage[].snp", "snp", "", E(EnumId::snp), -1},
    {F::cov_dual, C::coverage, "coverage[].medicaid_dual", "medicaid_dual", "", E(EnumId::medicaid_dual), -1},
    {F::cov_start, C::coverage, "coverage[].start", "start", "", T(K::date), 10},
    {F::cov_end, C::coverage, "coverage[].end", "end", "", T(K::date), -1},

    {F::cond_code, C::conditions, "conditions[].code", "code", "", T(K::code), -1},
    {F::cond_status, C::conditions, "conditions[].status", "status", "", E(EnumId::condition_status), -1},
    {F::cond_onset, C::conditions, "conditions[].onset", "onset", "", T(K::date), 11},
    {F::cond_recorded, C::conditions, "conditions[].recorded", "recorded", "", T(K::date), 12},
    {F::cond_abatement, C::conditions, "conditions[].abatement", "abatement", "", T(K::date), -1},

    {F::enc_id, C::encounters, "encounters[].id", "id", "", T(K::string), -1},
    {F::enc_class, C::encounters, "encounters[].class", "class", "", E(EnumId::encounter_class), -1},
    {F::enc_admit, C::encounters, "encounters[].admit", "admit", "", T(K::datetime), 13},
    {F::enc_discharge, C::encounters, "encounters[].discharge", "discharge", "", T(K::datetime), -1},
    {F::enc_emergent, C::encounters, "encounters[].emergent", "emergent", "", T(K::boolean), 14},
    {F::enc_planned, C::encounters, "encounters[].planned", "planned", "", T(K::boolean), 15},
    {F::enc_disposition, C::encounters, "encounters[].disposition", "disposition", "", E(EnumId::disposition), 16},
    {F::enc_complexity, C::encounters, "encounters[].complexity", "complexity", "", E(EnumId::complexity), 17},
    {F::enc_diagnosis, C::encounters, "encounters[].diagnosis", "diagnosis", "", T(K::code), -1},

    {F::team_role, C::care_team, "care_team[].role", "role", "", E(EnumId::care_role), -1},
    {F::team_specialty, C::care_team, "care_team[].specialty", "specialty", "", T(K::string), -1},

    {F::med_code, C::medications, "medications[].code", "code", "", T(K::code), -1},
    {F::med_name, C::medications, "medications[].name", "name", "", T(K::string), -1},
    {F::med_status, C::medications, "medications[].status", "status", "", E(EnumId::medication_status), -1},
    {F::med_events, C::medications, "medications[].events", "events", "", L(C::med_events), -1},

    {F::ev_type, C::med_events, "medications[].events[].type", "type", "", E(EnumId::medication_event_type), -1},
    {F::ev_date, C::med_events, "medications[].events[].date", "date", "", T(K::date), -1},

    {F::obs_code, C::observations, "observations[].code", "code", "", T(K::code), -1},
    {F::obs_date, C::observations, "observations[].date", "date", "", T(K::date), -1},
    {F::obs_value, C::observations, "observations[].value", "value", "", T(K::number), 18},
};

static_assert(std::size(kFields) == static_cast<std::size_t>(Field::count));

}  // namespace

std::span<const FieldInfo> field_table() { return kFields; }
const FieldInfo& field_info(Field f) { return kFields[static_cast<std::size_t>(f)]; }

std::span<const std::string_view> enum_domain(EnumId id) {
    using namespace model;
    switch (id) {
        case EnumId::sex: return enum_names<Sex>();
        case EnumId::english_proficiency: return enum_names<EnglishProficiency>();
        case EnumId::payer: return enum_names<Payer>();
        case EnumId::snp: return enum_names<SnpType>();
        case EnumId::medicaid_dual: return enum_names<MedicaidDual>();
        case EnumId::condition_status: return enum_names<ConditionStatus>();
        case EnumId::encounter_class: return enum_names<EncounterClass>();
        case EnumId::disposition: return enum_names<Disposition>();
        case EnumId::complexity: return enum_names<Complexity>();
        case EnumId::care_role: return enum_names<CareRole>();
        case EnumId::medication_status: return enum_names<MedicationStatus>();
        case EnumId::medication_event_type: return enum_names<MedicationEventType>();
        case EnumId::social_support: return enum_names<SocialSupport>();
        case EnumId::health_literacy: return enum_names<HealthLiteracy>();
        case EnumId::care_plan_state: return enum_names<CarePlanState>();
        case EnumId::count: break;
    }
    return {};
}

std::string type_name(const Type& t) {
    switch (t.kind) {
        case TypeKind::boolean: return "boolean";
        case TypeKind::number: return "number";
        case TypeKind::string: return "string";
        case TypeKind::date: return "date";
        case TypeKind::datetime: return "datetime";
        case TypeKind::duration: return t.clock ? "duration (hours)" : "duration";
        case TypeKind::code: return "code";
        case TypeKind::enumeration: return "enumeration";
        case TypeKind::valueset: return "value set";
        case TypeKind::literal_list: return "list of values";
        case TypeKind::list:
            switch (t.coll) {
                case Coll::coverage: return "list of coverage";
                case Coll::conditions: return "list of conditions";
                case Coll::encounters: return "list of encounters";
                case Coll::care_team: return "list of care-team members";
                case Coll::medications: return "list of medications";
                case Coll::observations: return "list of observations";
                case Coll::med_events: return "list of medication events";
                case Coll::none: break;
            }
            return "list";
    }
    return "?";
}

}  // namespace carecoord::rules
