// Decoding a patient from a YAML tree that is already parsed: test cases hold their patients
// inline, inside a larger YAML document.
#pragma once

#include "carecoord/patient.hpp"
#include "yaml/yaml_tree.hpp"

namespace carecoord::model {

Result<Patient> decode_patient_node(const yaml::YamlNode& root, const PatientLimits& limits = {});

}  // namespace carecoord::model
