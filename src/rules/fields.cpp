// The patient fields that expressions can read, derived from model/patient_schema.hpp: one
// table for the checker (names, types, missing-data semantics) and the evaluator (field ids).
#include <array>
#include <span>

#include "model/enums.hpp"
#include "rules/plan.hpp"

namespace carecoord::rules {

namespace {

template <class E> constexpr EnumId enum_id_of();
template <> constexpr EnumId enum_id_of<Sex>() { return EnumId::sex; }
template <> constexpr EnumId enum_id_of<EnglishProficiency>() { return EnumId::english_proficiency; }
template <> constexpr EnumId enum_id_of<Payer>() { return EnumId::payer; }
template <> constexpr EnumId enum_id_of<SnpType>() { return EnumId::snp; }
template <> constexpr EnumId enum_id_of<MedicaidDual>() { return EnumId::medicaid_dual; }
template <> constexpr EnumId enum_id_of<ConditionStatus>() { return EnumId::condition_status; }
template <> constexpr EnumId enum_id_of<EncounterClass>() { return EnumId::encounter_class; }
template <> constexpr EnumId enum_id_of<Disposition>() { return EnumId::disposition; }
template <> constexpr EnumId enum_id_of<Complexity>() { return EnumId::complexity; }
template <> constexpr EnumId enum_id_of<CareRole>() { return EnumId::care_role; }
template <> constexpr EnumId enum_id_of<MedicationStatus>() { return EnumId::medication_status; }
template <> constexpr EnumId enum_id_of<MedicationEventType>() { return EnumId::medication_event_type; }
template <> constexpr EnumId enum_id_of<SocialSupport>() { return EnumId::social_support; }
template <> constexpr EnumId enum_id_of<HealthLiteracy>() { return EnumId::health_literacy; }
template <> constexpr EnumId enum_id_of<CarePlanState>() { return EnumId::care_plan_state; }

// The collection a record's fields are read through (none: the patient's own fields).
template <class R> constexpr Coll record_coll();
#define CARECOORD_RECORD_COLL(R, COLL) \
    template <> constexpr Coll record_coll<R>() { return Coll::COLL; }
CARECOORD_RULE_RECORDS(CARECOORD_RECORD_COLL)
#undef CARECOORD_RECORD_COLL

// The rules type of a schema column.
template <model::Kind K, class T>
constexpr Type type_of() {
    Type t;
    switch (K) {
        case model::Kind::text:
        case model::Kind::system: t.kind = TypeKind::string; break;
        case model::Kind::code: t.kind = TypeKind::code; break;
        case model::Kind::date: t.kind = TypeKind::date; break;
        case model::Kind::datetime: t.kind = TypeKind::datetime; break;
        case model::Kind::boolean: t.kind = TypeKind::boolean; break;
        case model::Kind::number:
        case model::Kind::whole_number: t.kind = TypeKind::number; break;
        case model::Kind::enumeration: t.kind = TypeKind::enumeration; break;
        case model::Kind::list:
        case model::Kind::object: t.kind = TypeKind::list; break;
    }
    if constexpr (K == model::Kind::enumeration) t.enum_id = enum_id_of<T>();
    if constexpr (K == model::Kind::list) t.coll = record_coll<T>();
    return t;
}

// Marks a field whose absence means "unknown" until the numbering below gives it its
// missing-data bit.
constexpr int kNeedsBit = -2;

#define CARECOORD_FIELD_ROW_X(R, ID, NAME, MEMBER, KIND, TYPE, ABSENCE, ASOF, SET)                     \
    FieldInfo{Field::ID, record_coll<R>(), CARECOORD_PREFIX_##R NAME, NAME, CARECOORD_OBJECT_##R,     \
              type_of<model::Kind::KIND, TYPE>(),                                                     \
              model::Absence::ABSENCE == model::Absence::unknown ? kNeedsBit : -1},
#define CARECOORD_FIELD_ROW_N(...)
#define CARECOORD_FIELD_ROWS(R, COLL) CARECOORD_FIELDS_##R(CARECOORD_FIELD_ROW_X, CARECOORD_FIELD_ROW_N)

// Each field whose absence means "unknown" has its own bit, numbered in table order.
constexpr auto kFields = [] {
    std::array rows{CARECOORD_RULE_RECORDS(CARECOORD_FIELD_ROWS)};
    int bit = 0;
    for (auto& f : rows)
        if (f.missing_bit == kNeedsBit) f.missing_bit = bit++;
    return rows;
}();

#undef CARECOORD_FIELD_ROWS
#undef CARECOORD_FIELD_ROW_N
#undef CARECOORD_FIELD_ROW_X

static_assert(kFields.size() == static_cast<std::size_t>(Field::count));
static_assert([] {
    for (std::size_t i = 0; i < kFields.size(); ++i)
        if (static_cast<std::size_t>(kFields[i].field) != i) return false;
    return true;
}(), "field_table() is indexed by Field");
static_assert([] {
    int bits = 0;
    for (const auto& f : kFields) bits += f.missing_bit >= 0;
    return bits <= 64;
}(), "missing-data bits are a 64-bit mask");

}  // namespace

std::span<const FieldInfo> field_table() { return kFields; }
const FieldInfo& field_info(Field f) { return kFields[static_cast<std::size_t>(f)]; }

std::string no_coverage_reason(std::uint64_t payer_mask) {
    std::string payers;
    auto domain = enum_domain(EnumId::payer);
    for (std::size_t i = 0; i < domain.size(); ++i)
        if ((payer_mask >> i) & 1u) payers += (payers.empty() ? "" : " or ") + std::string(domain[i]);
    return "no active coverage by " + payers;
}

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
