// The document names of every enum in the patient model, in declaration order. One table
// serves the patient decoder (names -> values), the rule checker (which string literals a
// field can be compared with) and the output (values -> names).
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string_view>

#include "carecoord/patient.hpp"

namespace carecoord::model {

template <class E> struct EnumNames;

#define CARECOORD_ENUM_NAMES(E, ...)                                               \
    template <> struct EnumNames<E> {                                              \
        static constexpr std::string_view names[] = {__VA_ARGS__};                 \
    };

CARECOORD_ENUM_NAMES(Sex, "female", "male", "other", "unknown")
CARECOORD_ENUM_NAMES(EnglishProficiency, "very_well", "well", "not_well", "not_at_all")
CARECOORD_ENUM_NAMES(Payer, "medicare_ffs", "medicare_advantage", "medicaid", "commercial", "other", "uninsured")
CARECOORD_ENUM_NAMES(SnpType, "none", "chronic", "dual", "institutional")
CARECOORD_ENUM_NAMES(MedicaidDual, "none", "partial", "full")
CARECOORD_ENUM_NAMES(ConditionStatus, "active", "recurrence", "relapse", "inactive", "remission", "resolved")
CARECOORD_ENUM_NAMES(EncounterClass, "inpatient", "inpatient_psych", "observation", "emergency", "snf", "irf",
                     "ltch", "nursing_facility", "home_health", "ambulatory", "virtual", "partial_hospitalization")
CARECOORD_ENUM_NAMES(Disposition, "home", "home_health", "assisted_living", "nursing_facility", "snf", "irf",
                     "ltch", "hospice", "acute_transfer", "ama", "expired", "other")
CARECOORD_ENUM_NAMES(Complexity, "low", "moderate", "high")
CARECOORD_ENUM_NAMES(CareRole, "pcp", "specialist", "behavioral", "case_manager", "other")
CARECOORD_ENUM_NAMES(MedicationStatus, "active", "on_hold", "stopped", "completed", "unknown")
CARECOORD_ENUM_NAMES(MedicationEventType, "started", "changed", "failed", "stopped", "adverse_reaction")
CARECOORD_ENUM_NAMES(SocialSupport, "reliable", "limited", "none")
CARECOORD_ENUM_NAMES(HealthLiteracy, "adequate", "marginal", "limited")
CARECOORD_ENUM_NAMES(CarePlanState, "identified", "assessed", "planned", "active", "monitoring",
                     "reassessment_due", "in_transition", "closed")

#undef CARECOORD_ENUM_NAMES

template <class E>
constexpr std::span<const std::string_view> enum_names() {
    return std::span<const std::string_view>(EnumNames<E>::names);
}

template <class E>
constexpr std::string_view enum_name(E value) {
    auto names = enum_names<E>();
    auto i = static_cast<std::size_t>(value);
    return i < names.size() ? names[i] : std::string_view("?");
}

template <class E>
constexpr std::optional<E> enum_from_name(std::string_view name) {
    auto names = enum_names<E>();
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == name) return static_cast<E>(i);
    return std::nullopt;
}

}  // namespace carecoord::model
