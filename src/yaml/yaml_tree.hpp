// YAML text -> our own immutable tree, with a source position on every node.
//
// Built from yaml-cpp's event parser, so that no yaml-cpp node ever leaves this module.
// It rejects what YAML would otherwise let through silently: anchors and aliases (a
// "billion laughs" document cannot expand), duplicate mapping keys, non-scalar keys,
// several documents in one stream, and input over the limits.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "carecoord/diagnostic.hpp"

namespace carecoord::yaml {

struct Mark {
    int line = 0;    // 1-based
    int column = 0;  // 1-based
};

struct YamlEntry;

struct YamlNode {
    enum class Kind { null, scalar, sequence, mapping };
    Kind kind = Kind::null;
    Mark mark;
    // For scalars: the text, and whether it was quoted ('x', "x", | or >). A quoted scalar is
    // always a string; a plain one may be read as a number, boolean or date by the caller.
    std::string scalar;
    bool quoted = false;
    std::vector<YamlNode> items;                            // sequence items
    std::vector<YamlEntry> entries;                         // mapping entries, in order

    bool is_null() const { return kind == Kind::null; }
    bool is_scalar() const { return kind == Kind::scalar; }
    bool is_sequence() const { return kind == Kind::sequence; }
    bool is_mapping() const { return kind == Kind::mapping; }
    // The value for a key of a mapping, or nullptr.
    const YamlNode* find(std::string_view key) const;
    // "mapping", "sequence", "string", "null": for error messages.
    std::string_view kind_name() const;
};

// A mapping entry. A struct of its own rather than std::pair: the pair of a type that is not
// complete yet is not allowed by every standard library.
struct YamlEntry {
    YamlNode key;
    YamlNode value;
};

struct YamlLimits {
    std::size_t max_bytes = 4u << 20;
    std::size_t max_depth = 64;
    std::size_t max_nodes = 1000000;
    std::size_t max_string_length = 65536;
};

// Parses one YAML document. An empty document gives a null node. Diagnostics carry
// `file` and the line and column; codes are listed in docs/errors.md (E01xx).
Result<YamlNode> parse_yaml(std::string_view text, std::string_view file, const YamlLimits& limits = {});

// The fixed words reported for one of yaml-cpp's error messages (YAML::Exception::msg).
// Some of its messages quote the document ("unknown escape character: q"); every place that
// turns a yaml-cpp error into a diagnostic goes through here, keeps only the position, and
// never passes on e.what().
const char* yaml_error_words(std::string_view yaml_cpp_message);

// A plain (unquoted) scalar that YAML 1.2 core schema would read as null.
bool is_plain_null(std::string_view s);

}  // namespace carecoord::yaml
