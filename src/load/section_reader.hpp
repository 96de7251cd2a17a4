// Reading the sections of one ruleset file: diagnostics at a node's position, key checks,
// and "this must be a mapping / list / text" with the stable codes of the error table.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "carecoord/diagnostic.hpp"
#include "yaml/yaml_tree.hpp"
#include "rules/compiler.hpp"
#include "util/suggest.hpp"
#include "util/codes.hpp"
#include "util/diagnostics.hpp"

namespace carecoord::load {

// Rulesets are read from YAML trees (src/yaml).
using yaml::is_plain_null;
using yaml::Mark;
using yaml::parse_yaml;
using yaml::YamlLimits;
using yaml::YamlNode;

// A file's text with the offset of each line, to map scalars back onto their source.
struct SourceLines {
    std::string text;
    std::vector<std::size_t> line_starts;
};

// The line and column of each byte of a scalar's text (quotes, escapes, block indicators,
// indentation and folded line breaks make the text differ from its source).
std::vector<rules::TextPos> locate_scalar(const SourceLines& src, const YamlNode& n);

struct SectionReader {
    std::string file;
    std::vector<Diagnostic>& diags;
    const SourceLines* source = nullptr;  // when known: exact positions inside expressions

    void diag(const YamlNode& at, const char* code, std::string message, std::string rule = {}) const {
        diags.push_back(util::make(code, std::move(message)).file(file).at(at.mark.line, at.mark.column).rule(std::move(rule)));
    }

    // Where an expression's text starts, for the compiler's positions.
    rules::TextOrigin origin(const YamlNode& n) const {
        rules::TextOrigin o;
        o.file = file;
        o.line = n.mark.line;
        o.column = n.mark.column;
        if (source) o.chars = locate_scalar(*source, n);
        return o;
    }

    // `rule`: the id of the rule, program, trigger or flag the mapping is, for the diagnostic.
    bool check_keys(const YamlNode& map, const std::set<std::string, std::less<>>& allowed, std::string_view what,
                    const std::string& rule = {}) const {
        bool ok = true;
        for (const auto& [k, v] : map.entries)
            if (!allowed.count(k.scalar)) {
                const std::vector<std::string> names(allowed.begin(), allowed.end());
                diag(k, codes::unknown_key, "unknown key '" + k.scalar + "' in " + std::string(what) +
                                     util::did_you_mean(k.scalar, names, "allowed", names.size()), rule);
                ok = false;
            }
        return ok;
    }

    // The citation a mapping names in `source`, checked against the declared ones (E0309).
    std::string source_of(const YamlNode& map, const std::set<std::string, std::less<>>& declared,
                          const std::string& rule = {}) const {
        const YamlNode* s = map.find("source");
        if (!s || !s->is_scalar()) return {};
        if (!declared.count(s->scalar)) {
            const std::vector<std::string> names(declared.begin(), declared.end());
            const auto close = util::closest_names(s->scalar, names);
            diag(*s, codes::unknown_reference, "unknown source '" + s->scalar + "' (" +
                                  (close.empty() ? "declare it under sources" : "did you mean '" + close.front() + "'?") + ")", rule);
        }
        return s->scalar;
    }

    const YamlNode* want_map(const YamlNode* n, std::string_view what) const {
        if (!n || n->is_null()) return nullptr;
        if (!n->is_mapping()) {
            diag(*n, codes::wrong_yaml_kind, std::string(what) + " must be a mapping, found a " + std::string(n->kind_name()));
            return nullptr;
        }
        return n;
    }

    const YamlNode* want_seq(const YamlNode* n, std::string_view what) const {
        if (!n || n->is_null()) return nullptr;
        if (!n->is_sequence()) {
            diag(*n, codes::wrong_yaml_kind, std::string(what) + " must be a list, found a " + std::string(n->kind_name()));
            return nullptr;
        }
        return n;
    }

    bool want_text(const YamlNode* n, std::string_view what, std::string& out, bool required, const YamlNode& parent) const {
        if (!n || n->is_null()) {
            if (required) diag(parent, codes::missing_key, "missing required key '" + std::string(what) + "'");
            return false;
        }
        if (!n->is_scalar()) {
            diag(*n, codes::wrong_yaml_kind, "'" + std::string(what) + "' must be text, found a " + std::string(n->kind_name()));
            return false;
        }
        out = n->scalar;
        return true;
    }
};

}  // namespace carecoord::load
