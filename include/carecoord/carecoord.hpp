// Umbrella header for the carecoord C++ API.
#pragma once

#include "carecoord/version.hpp"
#include "carecoord/diagnostic.hpp"
#include "carecoord/patient.hpp"
#include "carecoord/determination.hpp"
#include "carecoord/engine.hpp"
#include "carecoord/limits.hpp"
#include "carecoord/check.hpp"
#include "carecoord/explain.hpp"
#include "carecoord/care_plan.hpp"
#include "carecoord/determination_fhir.hpp"
