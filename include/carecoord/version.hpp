#pragma once

#define CARECOORD_VERSION_MAJOR 0
#define CARECOORD_VERSION_MINOR 2
#define CARECOORD_VERSION_PATCH 0
#define CARECOORD_VERSION_STRING "0.2.0"

// The range of ruleset `schema_version` values this engine accepts.
#define CARECOORD_SCHEMA_VERSION_MIN 1
#define CARECOORD_SCHEMA_VERSION_MAX 1

namespace carecoord {
inline constexpr const char* engine_version() { return CARECOORD_VERSION_STRING; }
}  // namespace carecoord
