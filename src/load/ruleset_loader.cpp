#include "load/ruleset_loader.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "carecoord/version.hpp"
#include "load/section_reader.hpp"
#include "yaml/yaml_tree.hpp"
#include "rules/compiler.hpp"
#include "time/calendar.hpp"
#include "util/confine.hpp"
#include "util/dir_list.hpp"
#include "util/file.hpp"
#include "util/sha256.hpp"
#include "load/workflow_compiler.hpp"
#include "util/codes.hpp"
#include "util/diagnostics.hpp"
#include "util/suggest.hpp"

namespace carecoord::load {

namespace fs = std::filesystem;
using rules::Compiler;
using rules::ExprContext;
using rules::TextOrigin;
using rules::Type;
using rules::TypeKind;
using rules::Value;

bool read_file(const std::string& path, std::size_t max_bytes, std::string& out, std::vector<Diagnostic>& diagnostics) {
    auto fail = [&](std::string msg) {
        diagnostics.push_back(util::make(codes::unreadable_file, std::move(msg)).file(path));
        return false;
    };
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return fail("not a readable file");
    auto size = fs::file_size(path, ec);
    if (ec) return fail("cannot read the file");
    if (size > max_bytes) {
        diagnostics.push_back(util::make(codes::yaml_limit, "the file is larger than the limit max_file_bytes (" + std::to_string(max_bytes) + ")").file(path));
        return false;
    }
    // Not `stream << rdbuf()`: it swallows exceptions, so a refused allocation would hand
    // back a truncated file (then reported as a bad ruleset) instead of std::bad_alloc.
    util::File f(std::fopen(path.c_str(), "rb"));
    if (!f) return fail("cannot open the file");
    std::string text(static_cast<std::size_t>(size), '\0');
    const std::size_t got = text.empty() ? 0 : std::fread(text.data(), 1, text.size(), f.get());
    if (got != text.size() || std::ferror(f.get())) return fail("cannot read the file");
    if (std::fgetc(f.get()) != EOF) return fail("the file changed while it was read");
    out = std::move(text);
    return true;
}

std::vector<std::string> ruleset_files(const std::string& path, std::vector<Diagnostic>& diagnostics,
                                       const std::vector<std::string>& extra_roots) {
    std::vector<std::string> out;
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        std::vector<std::string> listed, linked_dirs;
        if (!util::list_files_recursive(path, {".yaml", ".yml"}, listed, &linked_dirs)) {
            diagnostics.push_back(util::make(codes::unreadable_file, "the directory cannot be read").file(path));
        }
        // An entry that is a symbolic link out of the directory loaded is refused, never read
        // (and never silently left out). Links to directories inside it stay unfollowed.
        const util::Confinement tree = util::confinement_of_directory(path, extra_roots);
        auto allowed = [&](const std::string& entry) {
            const util::ConfineCheck check = util::confine_listed(tree, entry);
            if (check.code) diagnostics.push_back(util::make(check.code, check.message).file(entry));
            return !check.code;
        };
        for (auto& file : listed)
            if (allowed(file)) out.push_back(std::move(file));
        for (const auto& dir : linked_dirs) allowed(dir);
    } else if (fs::exists(path, ec)) {
        out.push_back(path);
    } else {
        diagnostics.push_back(util::make(codes::unreadable_file, "no such file or directory").file(path));
    }
    return out;
}

std::string document_kind(const std::string& text) {
    auto tree = parse_yaml(text, "");
    if (!tree.ok()) return "";
    const YamlNode* k = tree->find("kind");
    if (!k) return "ruleset";
    return k->is_scalar() ? k->scalar : "";
}

namespace {

// Each file is read and parsed once per load, however many rulesets include it (yaml-cpp is
// most of the load time). Keyed by canonical path. A file whose parse failed keeps no tree;
// its diagnostics were reported when it was parsed.
struct ParsedFile {
    std::string text;
    std::shared_ptr<const YamlNode> tree;
};
using ParseCache = std::map<std::string, ParsedFile, std::less<>>;

std::string canonical(const std::string& path) {
    std::error_code ec;
    auto c = fs::weakly_canonical(path, ec);
    return ec ? path : c.string();
}

const std::set<std::string, std::less<>> kRulesetKeys = {
    "schema_version", "kind", "ruleset", "version", "effective", "description", "sources", "include",
    "calendar", "parameters", "valuesets", "facts", "calendars", "tiers", "flags", "programs", "triggers", "workflow"};
const std::set<std::string, std::less<>> kLibraryKeys = {
    "schema_version", "kind", "library", "description", "sources", "include", "parameters", "valuesets",
    "facts", "calendars"};

// The line and column of each byte of a scalar's text. The text differs from its source by
// quotes and escapes, a block scalar's indicator line, indentation and folded line breaks:
// walk the source from the scalar's start and match the text's bytes in order, skipping
// what the text does not hold (a folded line break matches the space it became).
std::vector<rules::TextPos> locate_scalar_in(const SourceLines& src, const YamlNode& n) {
    std::vector<rules::TextPos> out;
    if (n.mark.line < 1 || static_cast<std::size_t>(n.mark.line) > src.line_starts.size()) return out;
    const std::string_view s = src.text;
    std::size_t j = src.line_starts[static_cast<std::size_t>(n.mark.line - 1)] + static_cast<std::size_t>(n.mark.column - 1);
    int line = n.mark.line;
    int column = n.mark.column;
    auto step = [&] {
        if (j >= s.size()) return;
        if (s[j] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
        ++j;
    };
    if (j >= s.size()) return out;
    char style = s[j];
    if (style == '"' || style == '\'') {
        step();
    } else if (style == '|' || style == '>') {
        while (j < s.size() && s[j] != '\n') step();
    } else {
        style = 0;
    }
    auto escape_at = [&](std::size_t k) {
        return (style == '"' && s[k] == '\\') || (style == '\'' && s[k] == '\'' && k + 1 < s.size() && s[k + 1] == '\'');
    };
    out.reserve(n.scalar.size());
    for (char v : n.scalar) {
        while (j < s.size() && !escape_at(j) && s[j] != v && !(v == ' ' && s[j] == '\n')) step();
        if (j >= s.size()) return {};  // the text does not match its source: no positions
        out.push_back(rules::TextPos{line, column});
        if (escape_at(j)) step();
        step();
    }
    return out;
}

class Loader {
public:
    Loader(const RulesetLimits& limits, std::vector<Diagnostic>& diags, ParseCache& cache)
        : limits_(limits), diags_(diags), cache_(cache) {}

    std::shared_ptr<rules::Plan> load(const SourceText& src, const YamlNode& root);
    // What the last load() compiled beside its Plan (rules/plan_source.hpp).
    std::shared_ptr<rules::PlanSource> take_source() { return std::move(source_); }

private:
    // One file's contribution: the ruleset or a library.
    struct Unit {
        std::string file;
        std::string dir;
        const YamlNode* root;
    };

    // The shared section helpers (load/section_reader.hpp), for one file of this ruleset.
    SectionReader reader(const std::string& file) const {
        auto it = sources_.find(file);
        return SectionReader{file, diags_, it == sources_.end() ? nullptr : &it->second};
    }
    void diag(const std::string& file, const YamlNode& at, const char* code, std::string message, std::string rule = {}) {
        reader(file).diag(at, code, std::move(message), std::move(rule));
    }
    TextOrigin origin(const std::string& file, const YamlNode& n) const { return reader(file).origin(n); }

    void add_source(const std::string& file, std::string text) {
        SourceLines& s = sources_[file];
        s.text = std::move(text);
        s.line_starts = {0};
        for (std::size_t i = 0; i < s.text.size(); ++i)
            if (s.text[i] == '\n') s.line_starts.push_back(i + 1);
    }

    bool check_keys(const std::string& file, const YamlNode& map, const std::set<std::string, std::less<>>& allowed,
                    std::string_view what, const std::string& rule = {}) {
        return reader(file).check_keys(map, allowed, what, rule);
    }

    std::string source_of(const std::string& file, const YamlNode& map, const std::string& rule = {}) {
        return reader(file).source_of(map, source_ids_, rule);
    }

    const YamlNode* want_map(const std::string& file, const YamlNode* n, std::string_view what) {
        return reader(file).want_map(n, what);
    }
    const YamlNode* want_seq(const std::string& file, const YamlNode* n, std::string_view what) {
        return reader(file).want_seq(n, what);
    }
    bool want_text(const std::string& file, const YamlNode* n, std::string_view what, std::string& out, bool required,
                   const YamlNode& parent) {
        return reader(file).want_text(n, what, out, required, parent);
    }
    // An optional template key (reason, not_reason): the node when it is text; absent or
    // null gives none; anything else is E0303 rather than a reason silently dropped.
    const YamlNode* template_node(const std::string& file, const YamlNode& parent, std::string_view key,
                                  const std::string& id) {
        const YamlNode* n = parent.find(key);
        if (!n || n->is_null()) return nullptr;
        if (n->is_scalar()) return n;
        diag(file, *n, codes::wrong_yaml_kind, "'" + std::string(key) + "' must be a text template, found a " + std::string(n->kind_name()), id);
        return nullptr;
    }

    void collect_units(const std::string& file, const std::string& dir, const YamlNode& root, std::set<std::string>& seen,
                       util::Sha256& hash, int depth);
    void declare_valuesets(const Unit& u);
    void read_displays(const Unit& u, const YamlNode& displays, int set, const std::set<std::string>& systems);
    void check_displays();
    void declare_parameters(const Unit& u);
    void declare_facts(const Unit& u);
    void declare_calendars(const Unit& u);
    void compile_ruleset_sections(const std::string& file, const YamlNode& root);
    rules::CompiledRule compile_rule(const std::string& file, const YamlNode& rule, bool is_tier, std::set<std::string>& ids);

    const RulesetLimits& limits_;
    std::vector<Diagnostic>& diags_;
    std::shared_ptr<rules::Plan> plan_;
    std::shared_ptr<rules::PlanSource> source_;
    std::unique_ptr<Compiler> compiler_;
    std::vector<Unit> units_;
    ParseCache& cache_;
    const util::Confinement* confine_ = nullptr;  // where the includes of the ruleset being loaded may lead
    std::vector<std::shared_ptr<const YamlNode>> owned_;  // included libraries' trees
    std::map<std::string, time::Calendar, std::less<>> calendars_;
    std::set<std::string, std::less<>> source_ids_;
    std::map<std::string, std::string, std::less<>> defined_at_;  // "valueset x" -> "file:line:col"
    std::map<std::string, SourceLines, std::less<>> sources_;     // every file read, for positions
    // A value set's display names, checked once every value set is built (membership needs
    // the finished lookup tables).
    struct PendingDisplay {
        std::string file;
        const YamlNode* code;  // the key: its position and text
        int set;
        std::string system, display;
    };
    std::vector<PendingDisplay> pending_displays_;
};

// The id of a rule, program, trigger or flag mapping, or "".
std::string id_of(const YamlNode& n) {
    const YamlNode* id = n.find("id");
    return id && id->is_scalar() ? id->scalar : "";
}

std::string place(const std::string& file, const YamlNode& n) {
    return file + ":" + std::to_string(n.mark.line) + ":" + std::to_string(n.mark.column);
}

bool valid_id(std::string_view s) {
    if (s.empty() || s.size() > 128) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

bool valid_semver(std::string_view s) {
    int parts = 0;
    std::size_t i = 0;
    while (true) {
        std::size_t b = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
        if (i == b) return false;
        ++parts;
        if (i == s.size()) return parts == 3;
        if (s[i] == '-' || s[i] == '+') return parts == 3;  // pre-release or build metadata
        if (s[i] != '.' || parts == 3) return false;
        ++i;
    }
}

void Loader::collect_units(const std::string& file, const std::string& dir, const YamlNode& root,
                           std::set<std::string>& seen, util::Sha256& hash, int depth) {
    units_.push_back(Unit{file, dir, &root});
    if (const YamlNode* srcs = want_map(file, root.find("sources"), "sources"))
        for (const auto& [k, v] : srcs->entries) {
            source_ids_.insert(k.scalar);
            if (v.is_mapping()) {
                check_keys(file, v, {"title", "url", "note"}, "a source");
                const YamlNode* title = v.find("title");
                const YamlNode* url = v.find("url");
                plan_->sources.emplace(k.scalar, std::pair{title && title->is_scalar() ? title->scalar : k.scalar,
                                                           url && url->is_scalar() ? url->scalar : std::string()});
            }
            else diag(file, v, codes::wrong_yaml_kind, "source '" + k.scalar + "' must be a mapping {title, url, note}");
        }
    const YamlNode* inc = want_seq(file, root.find("include"), "include");
    if (!inc) return;
    for (const auto& item : inc->items) {
        if (!item.is_scalar()) {
            diag(file, item, codes::wrong_yaml_kind, "an include must be a file path");
            continue;
        }
        if (dir.empty()) {
            diag(file, item, codes::include_not_found, "includes are resolved relative to a file; a ruleset given as a string cannot include");
            continue;
        }
        // Confined to the tree being loaded before anything is opened: a refusal says the
        // same whether the file exists or not, and names neither its target nor its content.
        const util::ConfineCheck allowed = util::confine(*confine_, dir, item.scalar);
        if (allowed.code) {
            diag(file, item, allowed.code, allowed.message);
            continue;
        }
        // Normalised, so that diagnostics name `common/clinical.yaml`, not `programs/../common/clinical.yaml`.
        fs::path p = (fs::path(dir) / item.scalar).lexically_normal();
        // The resolved path is both the cache key and what is read: the file checked is the file opened.
        const std::string canon = allowed.path.string();
        if (seen.count(canon)) continue;  // included already (diamond or cycle)
        seen.insert(canon);
        if (depth > 16) {
            diag(file, item, codes::include_not_found, "includes are nested more than 16 deep");
            continue;
        }
        auto cached = cache_.find(canon);
        if (cached == cache_.end()) {
            ParsedFile parsed;
            std::vector<Diagnostic> read_diags;
            if (!read_file(canon, limits_.max_file_bytes, parsed.text, read_diags)) {
                diag(file, item, codes::include_not_found, "included file '" + item.scalar + "' cannot be read");
                continue;
            }
            YamlLimits yl{limits_.max_file_bytes, limits_.max_yaml_depth, 1000000, limits_.max_string_length};
            auto result = parse_yaml(parsed.text, p.string(), yl);
            if (result.ok()) parsed.tree = std::make_shared<const YamlNode>(std::move(result.value()));
            else
                for (const auto& d : result.diagnostics()) diags_.push_back(d);
            cached = cache_.emplace(canon, std::move(parsed)).first;
        }
        if (!cached->second.tree) continue;  // did not parse: reported where it was parsed
        std::shared_ptr<const YamlNode> tree = cached->second.tree;
        const std::string& text = cached->second.text;
        const YamlNode* kind = tree->find("kind");
        if (!kind || !kind->is_scalar() || kind->scalar != "library") {
            diag(file, item, codes::include_not_found, "included file '" + item.scalar + "' is not a library (kind: library)");
            continue;
        }
        hash.update(item.scalar);
        hash.update(std::string_view("\0", 1));
        hash.update(text);
        add_source(p.string(), text);
        owned_.push_back(tree);
        const YamlNode& lib = *owned_.back();
        check_keys(p.string(), lib, kLibraryKeys, "a library");
        collect_units(p.string(), p.parent_path().string(), lib, seen, hash, depth + 1);
    }
}

void Loader::declare_valuesets(const Unit& u) {
    const YamlNode* vss = want_map(u.file, u.root->find("valuesets"), "valuesets");
    if (!vss) return;
    for (const auto& [name, body] : vss->entries) {
        if (auto [first, added] = defined_at_.emplace("valueset " + name.scalar, place(u.file, name)); !added) {
            diag(u.file, name, codes::defined_twice, "value set '" + name.scalar + "' is defined twice; first at " + first->second);
            continue;
        }
        if (!valid_id(name.scalar)) {
            diag(u.file, name, codes::invalid_value, "value set names use lowercase letters, digits and '_'");
            continue;
        }
        if (!body.is_mapping()) {
            diag(u.file, body, codes::wrong_yaml_kind, "value set '" + name.scalar + "' must be a mapping of code systems to code lists");
            continue;
        }
        source_of(u.file, body);
        const YamlNode* cats = body.find("categories");
        std::vector<std::string> cat_names;
        if (cats) {
            if (!cats->is_mapping()) {
                diag(u.file, *cats, codes::wrong_yaml_kind, "categories must be a mapping of category names to code lists");
                continue;
            }
            for (const auto& [cn, cv] : cats->entries) cat_names.push_back(cn.scalar);
        }
        int set = plan_->valuesets.add_value_set(name.scalar, cat_names);
        const auto& info = plan_->valuesets.sets()[static_cast<std::size_t>(set)];
        // Keys beside the code lists: a value set's own (kValueSet), a category's description and
        // source (kCategory: the published category it follows, docs/value-sets.md), none in
        // an exclude list.
        enum Meta { kNone, kValueSet, kCategory };
        std::set<std::string> systems;  // the code systems the value set includes codes of
        auto add_codes = [&](const YamlNode& map, std::uint32_t slot, Meta meta) {
            for (const auto& [sys, codes] : map.entries) {
                if (meta == kValueSet && (sys.scalar == "description" || sys.scalar == "categories" ||
                                          sys.scalar == "exclude" || sys.scalar == "source" || sys.scalar == "displays"))
                    continue;
                if (meta == kCategory && (sys.scalar == "description" || sys.scalar == "source")) continue;
                if (meta != kValueSet && sys.scalar == "displays") {
                    diag(u.file, sys, codes::unknown_key,
                         "displays go at the value set's level (beside description), not in " +
                             std::string(meta == kCategory ? "a category" : "exclude"));
                    continue;
                }
                if (!valid_id(sys.scalar)) {
                    diag(u.file, sys, codes::bad_valueset_entry, "'" + sys.scalar + "' is not a code system name (lowercase, e.g. icd10cm, snomed)");
                    continue;
                }
                if (!codes.is_sequence()) {
                    diag(u.file, codes, codes::bad_valueset_entry, "the codes of '" + sys.scalar + "' must be a list");
                    continue;
                }
                if (meta != kNone) systems.insert(sys.scalar);
                for (const auto& c : codes.items) {
                    if (!c.is_scalar()) {
                        diag(u.file, c, codes::bad_valueset_entry, "a code must be text");
                        continue;
                    }
                    if (auto err = plan_->valuesets.add_entry(slot, sys.scalar, c.scalar))
                        diag(u.file, c, codes::bad_valueset_entry, "invalid code entry: " + *err);
                }
            }
        };
        if (cats) {
            std::size_t i = 0;
            for (const auto& [cn, cv] : cats->entries) {
                if (!cv.is_mapping()) {
                    diag(u.file, cv, codes::wrong_yaml_kind, "category '" + cn.scalar + "' must be a mapping of code systems to code lists");
                } else {
                    source_of(u.file, cv);
                    add_codes(cv, info.include_slots[i], kCategory);
                }
                ++i;
            }
        } else {
            add_codes(body, info.include_slots[0], kValueSet);
        }
        if (const YamlNode* ex = body.find("exclude")) {
            if (!ex->is_mapping()) diag(u.file, *ex, codes::wrong_yaml_kind, "exclude must be a mapping of code systems to code lists");
            else add_codes(*ex, info.exclude_slot, kNone);
        }
        for (const auto& [k, v] : body.entries)
            if (cats && k.scalar != "categories" && k.scalar != "exclude" && k.scalar != "description" &&
                k.scalar != "source" && k.scalar != "displays")
                diag(u.file, k, codes::unknown_key, "unknown key '" + k.scalar + "' in a value set with categories (codes go under a category)");
        if (const YamlNode* displays = body.find("displays")) read_displays(u, *displays, set, systems);
    }
}

// `displays: {system: {code: "title"}}`: the shape here, membership in check_displays.
void Loader::read_displays(const Unit& u, const YamlNode& displays, int set, const std::set<std::string>& systems) {
    const std::string& name = plan_->valuesets.sets()[static_cast<std::size_t>(set)].name;
    if (displays.is_null()) return;
    if (!displays.is_mapping()) {
        diag(u.file, displays, codes::wrong_yaml_kind, "displays must be a mapping of code systems to {code: display} mappings");
        return;
    }
    const std::vector<std::string> listed(systems.begin(), systems.end());
    for (const auto& [sys, codes] : displays.entries) {
        if (!systems.count(sys.scalar)) {
            diag(u.file, sys, codes::unknown_key,
                 "value set '" + name + "' lists no '" + sys.scalar + "' codes to display" +
                     util::did_you_mean(sys.scalar, listed, "code systems of the value set"));
            continue;
        }
        if (!codes.is_mapping()) {
            diag(u.file, codes, codes::wrong_yaml_kind, "the displays of '" + sys.scalar + "' must be a mapping of codes to display names");
            continue;
        }
        for (const auto& [code, display] : codes.entries) {
            if (!display.is_scalar()) {
                diag(u.file, display, codes::wrong_yaml_kind,
                     "the display of '" + code.scalar + "' must be text, found a " + std::string(display.kind_name()));
                continue;
            }
            if (display.scalar.empty()) {
                diag(u.file, display, codes::wrong_yaml_kind, "the display of '" + code.scalar + "' is empty (leave the code out instead)");
                continue;
            }
            pending_displays_.push_back(PendingDisplay{u.file, &code, set, sys.scalar, display.scalar});
        }
    }
}

// A display names a code of its value set (not one it excludes), and a code has one display
// in all the value sets of a ruleset and its libraries.
void Loader::check_displays() {
    const auto& table = plan_->valuesets;
    std::vector<std::uint64_t> bits(table.words());
    std::map<std::pair<std::string, std::string>, const PendingDisplay*> first;
    for (const auto& p : pending_displays_) {
        const auto& info = table.sets()[static_cast<std::size_t>(p.set)];
        const std::string& code = p.code->scalar;
        table.lookup(p.system, code, bits.data());
        if (!table.contains(bits.data(), p.set)) {
            bool excluded = rules::ValueSetTable::test(bits.data(), info.exclude_slot);
            diag(p.file, *p.code, codes::display_not_in_set,
                 "a display for " + p.system + " code '" + code + "', which value set '" + info.name +
                     (excluded ? "' excludes" : "' does not contain") + " (a display names a code of its value set)");
            continue;
        }
        std::string key = rules::ValueSetTable::is_hierarchical(p.system) ? rules::ValueSetTable::normalize_icd(code) : code;
        auto [it, added] = first.emplace(std::pair{p.system, std::move(key)}, &p);
        if (!added && it->second->display != p.display) {
            diag(p.file, *p.code, codes::display_differs,
                 p.system + " code '" + code + "' has another display at " + place(it->second->file, *it->second->code) +
                     " (\"" + it->second->display + "\"); one code, one display");
            continue;
        }
        plan_->valuesets.set_display(p.system, code, p.display);
    }
    pending_displays_.clear();
}

void Loader::declare_parameters(const Unit& u) {
    const YamlNode* ps = want_map(u.file, u.root->find("parameters"), "parameters");
    if (!ps) return;
    for (const auto& [name, body] : ps->entries) {
        if (!valid_id(name.scalar) || name.scalar.find('-') != std::string::npos) {
            diag(u.file, name, codes::invalid_value, "parameter names use lowercase letters, digits and '_'");
            continue;
        }
        const YamlNode* value = &body;
        if (body.is_mapping()) {
            check_keys(u.file, body, {"value", "description", "source"}, "a parameter");
            source_of(u.file, body);
            value = body.find("value");
            if (!value) {
                diag(u.file, body, codes::missing_key, "parameter '" + name.scalar + "' needs a value");
                continue;
            }
        }
        TextOrigin at = origin(u.file, *value);
        if (value->is_sequence()) {
            rules::LiteralList list;
            TypeKind elem = TypeKind::string;
            bool ok = true;
            for (std::size_t i = 0; i < value->items.size(); ++i) {
                const auto& it = value->items[i];
                Value v;
                Type t;
                if (!it.is_scalar()) { diag(u.file, it, codes::wrong_yaml_kind, "a list parameter holds strings or numbers"); ok = false; break; }
                bool number = !it.quoted && Compiler::parse_literal(it.scalar, v, t) && t.kind == TypeKind::number;
                if (i == 0) elem = number ? TypeKind::number : TypeKind::string;
                if ((elem == TypeKind::number) != number) {
                    diag(u.file, it, codes::wrong_yaml_kind, "a list parameter holds either strings or numbers, not both");
                    ok = false;
                    break;
                }
                if (number) list.numbers.push_back(v.num);
                else list.strings.push_back(it.scalar);
            }
            if (ok) compiler_->declare_list_parameter(name.scalar, std::move(list), elem, at);
            continue;
        }
        if (!value->is_scalar()) {
            diag(u.file, *value, codes::wrong_yaml_kind, "parameter '" + name.scalar + "' must be a single value or a list");
            continue;
        }
        Value v;
        Type t;
        if (value->quoted || !Compiler::parse_literal(value->scalar, v, t)) {
            plan_->strings.push_back(value->scalar);
            v = Value{};
            v.s = plan_->strings.back();
            t = Type{};
            t.kind = TypeKind::string;
        }
        compiler_->declare_parameter(name.scalar, v, t, at);
    }
}

void Loader::declare_facts(const Unit& u) {
    const YamlNode* fs_ = want_map(u.file, u.root->find("facts"), "facts");
    if (!fs_) return;
    for (const auto& [name, body] : fs_->entries) {
        if (!valid_id(name.scalar) || name.scalar.find('-') != std::string::npos) {
            diag(u.file, name, codes::invalid_value, "fact names use lowercase letters, digits and '_'");
            continue;
        }
        const YamlNode* expr = &body;
        std::string description;
        if (body.is_mapping()) {
            check_keys(u.file, body, {"expr", "description", "source"}, "a fact");
            source_of(u.file, body);
            expr = body.find("expr");
            if (const YamlNode* d = body.find("description"); d && d->is_scalar()) description = d->scalar;
            if (!expr) {
                diag(u.file, body, codes::missing_key, "fact '" + name.scalar + "' needs an expr");
                continue;
            }
        }
        if (!expr->is_scalar()) {
            diag(u.file, *expr, codes::wrong_yaml_kind, "fact '" + name.scalar + "' must be an expression");
            continue;
        }
        compiler_->declare_fact(name.scalar, expr->scalar, description, origin(u.file, *expr));
    }
}

void Loader::declare_calendars(const Unit& u) {
    const YamlNode* cals = want_map(u.file, u.root->find("calendars"), "calendars");
    if (!cals) return;
    static constexpr std::string_view weekdays[] = {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};
    auto weekday = [&](const YamlNode& n) -> int {
        if (n.is_scalar())
            for (int i = 0; i < 7; ++i)
                if (weekdays[i] == n.scalar) return i;
        diag(u.file, n, codes::invalid_value, "not a weekday name (sunday ... saturday)");
        return -1;
    };
    auto integer = [&](const YamlNode* n, int lo, int hi, const char* what) -> int {
        if (!n) return 0;
        Value v;
        Type t;
        if (n->is_scalar() && Compiler::parse_literal(n->scalar, v, t) && t.kind == TypeKind::number &&
            v.num == static_cast<int>(v.num) && v.num >= lo && v.num <= hi)
            return static_cast<int>(v.num);
        diag(u.file, *n, codes::invalid_value, std::string(what) + " must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi));
        return 0;
    };
    for (const auto& [name, body] : cals->entries) {
        if (auto [first, added] = defined_at_.emplace("calendar " + name.scalar, place(u.file, name)); !added) {
            diag(u.file, name, codes::defined_twice, "calendar '" + name.scalar + "' is defined twice; first at " + first->second);
            continue;
        }
        if (!body.is_mapping()) {
            diag(u.file, body, codes::wrong_yaml_kind, "calendar '" + name.scalar + "' must be a mapping");
            continue;
        }
        check_keys(u.file, body, {"weekend", "holidays", "description"}, "a calendar");
        std::vector<int> weekend;
        if (const YamlNode* w = want_seq(u.file, body.find("weekend"), "weekend"))
            for (const auto& d : w->items)
                if (int x = weekday(d); x >= 0) weekend.push_back(x);
        std::vector<time::HolidayRule> rules;
        if (const YamlNode* hs = want_seq(u.file, body.find("holidays"), "holidays")) {
            for (const auto& h : hs->items) {
                if (!h.is_mapping()) {
                    diag(u.file, h, codes::wrong_yaml_kind, "a holiday must be a mapping");
                    continue;
                }
                check_keys(u.file, h, {"name", "month", "day", "weekday", "nth", "observed", "from_year", "until_year"}, "a holiday");
                time::HolidayRule r;
                if (const YamlNode* n = h.find("name"); n && n->is_scalar()) r.name = n->scalar;
                r.month = integer(h.find("month"), 1, 12, "month");
                if (!h.find("month")) diag(u.file, h, codes::missing_key, "a holiday needs a month");
                const YamlNode* day = h.find("day");
                const YamlNode* wd = h.find("weekday");
                if ((day != nullptr) == (wd != nullptr)) {
                    diag(u.file, h, codes::invalid_value, "a holiday has either a day or a weekday with nth");
                    continue;
                }
                if (day) r.day = integer(day, 1, 31, "day");
                if (wd) {
                    r.weekday = weekday(*wd);
                    const YamlNode* nth = h.find("nth");
                    if (nth && nth->is_scalar() && nth->scalar == "last") r.nth = -1;
                    else if (!nth) diag(u.file, h, codes::missing_key, "a weekday holiday needs nth (1-5 or last)");
                    else r.nth = integer(nth, 1, 5, "nth");
                }
                if (const YamlNode* o = h.find("observed")) {
                    if (o->is_scalar() && o->scalar == "none") r.observed = time::Observed::none;
                    else if (o->is_scalar() && o->scalar == "nearest_weekday") r.observed = time::Observed::nearest_weekday;
                    else if (o->is_scalar() && o->scalar == "next_weekday") r.observed = time::Observed::next_weekday;
                    else diag(u.file, *o, codes::invalid_value, "observed must be none, nearest_weekday or next_weekday");
                }
                r.from_year = integer(h.find("from_year"), 1800, 2999, "from_year");
                r.until_year = integer(h.find("until_year"), 1800, 2999, "until_year");
                rules.push_back(std::move(r));
            }
        }
        calendars_[name.scalar] = time::Calendar(name.scalar, std::move(weekend), std::move(rules));
    }
}

rules::CompiledRule Loader::compile_rule(const std::string& file, const YamlNode& rule, bool is_tier,
                                         std::set<std::string>& ids) {
    rules::CompiledRule r;
    if (!rule.is_mapping()) {
        diag(file, rule, codes::wrong_yaml_kind, "a rule must be a mapping with id, when and reason");
        return r;
    }
    check_keys(file, rule, is_tier ? std::set<std::string, std::less<>>{"id", "tier", "when", "reason", "source", "description"}
                                   : std::set<std::string, std::less<>>{"id", "when", "reason", "source", "description"},
               is_tier ? "a tier rule" : "a flag rule", id_of(rule));
    want_text(file, rule.find("id"), "id", r.id, true, rule);
    if (!r.id.empty() && !ids.insert(r.id).second) diag(file, *rule.find("id"), codes::defined_twice, "rule id '" + r.id + "' is used twice", r.id);
    r.where = rules::SourceRef{file, rule.mark.line, rule.mark.column};
    ExprContext ctx;
    ctx.rule_id = r.id;
    ctx.allow_tier = !is_tier;
    if (is_tier) {
        std::string tier;
        if (want_text(file, rule.find("tier"), "tier", tier, true, rule)) {
            auto it = std::find(plan_->tier_order.begin(), plan_->tier_order.end(), tier);
            if (it == plan_->tier_order.end()) diag(file, *rule.find("tier"), codes::unknown_reference, "unknown tier '" + tier + "'" + util::did_you_mean(tier, plan_->tier_order, "tiers"), r.id);
            else r.tier = static_cast<int>(it - plan_->tier_order.begin());
        }
    }
    if (const YamlNode* w = rule.find("when"); w && w->is_scalar()) {
        r.when = compiler_->compile(w->scalar, origin(file, *w), ctx, TypeKind::boolean);
        compiler_->record_when_text(r.when, w->scalar);
    }
    else diag(file, w ? *w : rule, w ? codes::wrong_yaml_kind : codes::missing_key, w ? "'when' must be an expression" : "missing required key 'when'", r.id);
    if (const YamlNode* re = template_node(file, rule, "reason", r.id))
        r.reason = compiler_->compile_template(re->scalar, origin(file, *re), ctx);
    r.source = source_of(file, rule, r.id);
    return r;
}

void Loader::compile_ruleset_sections(const std::string& file, const YamlNode& root) {
    std::set<std::string> ids;
    if (const YamlNode* tiers = want_map(file, root.find("tiers"), "tiers")) {
        check_keys(file, *tiers, {"order", "default", "rules", "description"}, "tiers");
        plan_->has_tiers = true;
        plan_->tiers_where = rules::SourceRef{file, tiers->mark.line, tiers->mark.column};
        if (const YamlNode* order = want_seq(file, tiers->find("order"), "tiers.order")) {
            for (const auto& t : order->items) {
                if (!t.is_scalar() || !valid_id(t.scalar)) { diag(file, t, codes::invalid_value, "a tier name uses lowercase letters, digits and '_'"); continue; }
                if (std::find(plan_->tier_order.begin(), plan_->tier_order.end(), t.scalar) != plan_->tier_order.end())
                    diag(file, t, codes::defined_twice, "tier '" + t.scalar + "' is listed twice");
                else plan_->tier_order.push_back(t.scalar);
            }
        } else {
            diag(file, *tiers, codes::missing_key, "tiers needs an order (lowest first)");
        }
        std::string def;
        if (want_text(file, tiers->find("default"), "default", def, true, *tiers)) {
            auto it = std::find(plan_->tier_order.begin(), plan_->tier_order.end(), def);
            if (it == plan_->tier_order.end()) diag(file, *tiers->find("default"), codes::unknown_reference, "the default tier '" + def + "' is not in the order" + util::did_you_mean(def, plan_->tier_order, "tiers"));
            else plan_->default_tier = static_cast<int>(it - plan_->tier_order.begin());
        }
        compiler_->declare_tier_names(plan_->tier_order);
        if (const YamlNode* rs = want_seq(file, tiers->find("rules"), "tiers.rules"))
            for (const auto& r : rs->items) plan_->tier_rules.push_back(compile_rule(file, r, true, ids));
    }
    if (const YamlNode* flags = want_seq(file, root.find("flags"), "flags")) {
        std::set<std::string> flag_ids;
        for (const auto& f : flags->items) {
            if (!f.is_mapping()) { diag(file, f, codes::wrong_yaml_kind, "a flag must be a mapping with id and rules"); continue; }
            check_keys(file, f, {"id", "description", "rules"}, "a flag", id_of(f));
            rules::CompiledFlag cf;
            want_text(file, f.find("id"), "id", cf.id, true, f);
            if (!cf.id.empty() && !flag_ids.insert(cf.id).second) diag(file, *f.find("id"), codes::defined_twice, "flag '" + cf.id + "' is defined twice");
            if (const YamlNode* d = f.find("description"); d && d->is_scalar()) cf.description = d->scalar;
            if (const YamlNode* rs = want_seq(file, f.find("rules"), "flag rules"))
                for (const auto& r : rs->items) cf.rules.push_back(compile_rule(file, r, false, ids));
            plan_->flags.push_back(std::move(cf));
        }
    }
    if (const YamlNode* programs = want_seq(file, root.find("programs"), "programs")) {
        std::set<std::string> program_ids;
        for (const auto& p : programs->items) {
            if (!p.is_mapping()) { diag(file, p, codes::wrong_yaml_kind, "a program must be a mapping"); continue; }
            check_keys(file, p, {"id", "name", "payers", "when", "reason", "not_reason", "source", "description"}, "a program", id_of(p));
            rules::CompiledProgram cp;
            want_text(file, p.find("id"), "id", cp.id, true, p);
            if (!cp.id.empty() && !program_ids.insert(cp.id).second) diag(file, *p.find("id"), codes::defined_twice, "program '" + cp.id + "' is defined twice");
            want_text(file, p.find("name"), "name", cp.name, false, p);
            cp.where = rules::SourceRef{file, p.mark.line, p.mark.column};
            ExprContext ctx;
            ctx.rule_id = cp.id;
            if (const YamlNode* payers = want_seq(file, p.find("payers"), "payers")) {
                auto domain = rules::enum_domain(rules::EnumId::payer);
                for (const auto& x : payers->items) {
                    auto it = x.is_scalar() ? std::find(domain.begin(), domain.end(), x.scalar) : domain.end();
                    if (it == domain.end()) diag(file, x, codes::invalid_value, "not a payer (medicare_ffs, medicare_advantage, medicaid, commercial, other, uninsured)", cp.id);
                    else cp.payer_mask |= std::uint64_t{1} << (it - domain.begin());
                }
                if (cp.payer_mask) cp.no_coverage_reason = rules::no_coverage_reason(cp.payer_mask);
            }
            if (const YamlNode* w = p.find("when"); w && w->is_scalar()) {
                cp.when = compiler_->compile(w->scalar, origin(file, *w), ctx, TypeKind::boolean);
                compiler_->record_when_text(cp.when, w->scalar);
            }
            else diag(file, w ? *w : p, w ? codes::wrong_yaml_kind : codes::missing_key, w ? "'when' must be an expression" : "missing required key 'when'", cp.id);
            if (const YamlNode* re = template_node(file, p, "reason", cp.id)) cp.reason = compiler_->compile_template(re->scalar, origin(file, *re), ctx);
            if (const YamlNode* re = template_node(file, p, "not_reason", cp.id)) cp.not_reason = compiler_->compile_template(re->scalar, origin(file, *re), ctx);
            cp.source = source_of(file, p, cp.id);
            plan_->programs.push_back(std::move(cp));
        }
    }
    if (const YamlNode* triggers = want_seq(file, root.find("triggers"), "triggers")) {
        std::set<std::string> trigger_ids;
        for (const auto& t : triggers->items) {
            if (!t.is_mapping()) { diag(file, t, codes::wrong_yaml_kind, "a trigger must be a mapping"); continue; }
            check_keys(file, t, {"id", "anchor", "when", "due", "action", "reason", "source", "description"}, "a trigger", id_of(t));
            rules::CompiledTrigger ct;
            want_text(file, t.find("id"), "id", ct.id, true, t);
            if (!ct.id.empty() && !trigger_ids.insert(ct.id).second) diag(file, *t.find("id"), codes::defined_twice, "trigger '" + ct.id + "' is defined twice");
            ct.where = rules::SourceRef{file, t.mark.line, t.mark.column};
            ExprContext ctx;
            ctx.rule_id = ct.id;
            const YamlNode* a = t.find("anchor");
            if (a && a->is_scalar()) ct.anchor = compiler_->compile_time(a->scalar, origin(file, *a), ctx);
            else diag(file, a ? *a : t, a ? codes::wrong_yaml_kind : codes::missing_key, a ? "'anchor' must be an expression" : "missing required key 'anchor'", ct.id);
            if (ct.anchor >= 0) {
                ctx.allow_anchor = true;
                ctx.anchor_type = plan_->nodes[static_cast<std::size_t>(ct.anchor)].type;
                if (const YamlNode* w = t.find("when"); w && w->is_scalar())
                    ct.when = compiler_->compile(w->scalar, origin(file, *w), ctx, TypeKind::boolean);
                const YamlNode* d = t.find("due");
                if (d && d->is_scalar()) ct.due = compiler_->compile_time(d->scalar, origin(file, *d), ctx);
                else diag(file, d ? *d : t, d ? codes::wrong_yaml_kind : codes::missing_key, d ? "'due' must be an expression" : "missing required key 'due'", ct.id);
                if (const YamlNode* re = template_node(file, t, "reason", ct.id)) ct.reason = compiler_->compile_template(re->scalar, origin(file, *re), ctx);
            }
            want_text(file, t.find("action"), "action", ct.action, false, t);
            ct.source = source_of(file, t, ct.id);
            plan_->triggers.push_back(std::move(ct));
        }
    }
    if (const YamlNode* w = root.find("workflow"))
        plan_->workflow = workflow::compile_workflow(*w, workflow::SectionContext{file, *compiler_, *plan_, source_ids_, diags_, reader(file).source});
}

std::shared_ptr<rules::Plan> Loader::load(const SourceText& src, const YamlNode& root) {
    const std::string& file = src.name;
    std::size_t before = diags_.size();
    plan_ = std::make_shared<rules::Plan>();
    source_ = std::make_shared<rules::PlanSource>();
    plan_->file = file;
    check_keys(file, root, kRulesetKeys, "a ruleset");

    // Header.
    const YamlNode* sv = root.find("schema_version");
    if (!sv) diag(file, root, codes::missing_key, "missing required key 'schema_version'");
    else {
        Value v;
        Type t;
        if (!sv->is_scalar() || !Compiler::parse_literal(sv->scalar, v, t) || t.kind != TypeKind::number ||
            v.num < CARECOORD_SCHEMA_VERSION_MIN || v.num > CARECOORD_SCHEMA_VERSION_MAX || v.num != static_cast<int>(v.num))
            diag(file, *sv, codes::unsupported_schema, "schema_version must be from " + std::to_string(CARECOORD_SCHEMA_VERSION_MIN) + " to " +
                                         std::to_string(CARECOORD_SCHEMA_VERSION_MAX) + " for this engine (" CARECOORD_VERSION_STRING ")");
    }
    if (want_text(file, root.find("ruleset"), "ruleset", plan_->id, true, root) && !valid_id(plan_->id))
        diag(file, *root.find("ruleset"), codes::invalid_value, "a ruleset id uses lowercase letters, digits, '_' and '-'");
    if (want_text(file, root.find("version"), "version", plan_->version, true, root) && !valid_semver(plan_->version))
        diag(file, *root.find("version"), codes::invalid_value, "version must be a semantic version MAJOR.MINOR.PATCH");
    if (const YamlNode* d = root.find("description"); d && d->is_scalar()) plan_->description = d->scalar;
    const YamlNode* eff = root.find("effective");
    if (!eff) diag(file, root, codes::missing_key, "missing required key 'effective' ({from: DATE, until: DATE or null})");
    else if (want_map(file, eff, "effective")) {
        check_keys(file, *eff, {"from", "until"}, "effective");
        plan_->effective_where = rules::SourceRef{file, eff->mark.line, eff->mark.column};
        const YamlNode* from = eff->find("from");
        if (!from || !from->is_scalar() || !time::parse_date(from->scalar))
            diag(file, from ? *from : *eff, from ? codes::invalid_value : codes::missing_key,
                 from && from->is_scalar() && from->scalar.size() == 10 && time::date_problem(from->scalar) != "is not a date (YYYY-MM-DD)"
                     ? "effective.from: " + from->scalar + " " + time::date_problem(from->scalar)
                     : "effective.from must be a date (YYYY-MM-DD)");
        else plan_->effective_from = *time::parse_date(from->scalar);
        const YamlNode* until = eff->find("until");
        if (until && !until->is_null()) {
            if (!until->is_scalar() || !time::parse_date(until->scalar))
                diag(file, *until, codes::invalid_value,
                     until->is_scalar() && until->scalar.size() == 10 && time::date_problem(until->scalar) != "is not a date (YYYY-MM-DD)"
                         ? "effective.until: " + until->scalar + " " + time::date_problem(until->scalar)
                         : "effective.until must be a date or null");
            else {
                plan_->effective_until = *time::parse_date(until->scalar);
                if (*plan_->effective_until < plan_->effective_from)
                    diag(file, *until, codes::invalid_value, "effective.until is before effective.from");
            }
        }
    }
    if (const YamlNode* srcs = root.find("sources"); srcs && !srcs->is_null() && !srcs->is_mapping())
        diag(file, *srcs, codes::wrong_yaml_kind, "sources must be a mapping of citation ids to {title, url, note}");

    // Includes, then every unit's shared sections: value sets first (facts refer to them).
    util::Sha256 hash;
    hash.update(src.text);
    std::set<std::string> seen;
    units_.clear();
    add_source(file, src.text);
    // A source without a tree of its own (built by hand, not by read_sources): the tree of its file.
    const util::Confinement own = src.confine.empty() && !src.dir.empty() ? util::confinement_of_file(file, {}) : src.confine;
    confine_ = &own;
    collect_units(file, src.dir, root, seen, hash, 0);
    confine_ = nullptr;
    plan_->sha256 = hash.hex_finish();
    compiler_ = std::make_unique<Compiler>(*plan_, *source_, diags_,
                                           rules::ParseLimits{limits_.max_expression_depth, limits_.max_expression_nodes});
    pending_displays_.clear();
    for (const auto& u : units_) declare_valuesets(u);
    plan_->valuesets.finish();
    check_displays();
    calendars_.clear();
    for (const auto& u : units_) declare_calendars(u);
    plan_->calendar = time::us_federal_calendar();
    if (const YamlNode* c = root.find("calendar")) {
        if (!c->is_scalar()) diag(file, *c, codes::wrong_yaml_kind, "calendar must be a calendar name");
        else if (auto it = calendars_.find(c->scalar); it != calendars_.end()) plan_->calendar = it->second;
        else if (c->scalar != "us_federal") diag(file, *c, codes::unknown_reference, "unknown calendar '" + c->scalar + "'");
    }
    for (const auto& u : units_) declare_parameters(u);
    for (const auto& u : units_) declare_facts(u);
    compile_ruleset_sections(file, root);
    compiler_->compile_facts();  // also checks facts nothing uses
    compiler_->record_declarations();
    if (diags_.size() != before) return nullptr;
    return plan_;
}

}  // namespace

namespace {

// A top-level key that is not a section (`parametres:`) holding a mapping: the names under it
// are not declared, and every use of one is a consequence of the one misspelt key.
struct MisplacedSection {
    std::string file, key;
    int line = 0, column = 0;
    std::set<std::string, std::less<>> names;
};

void collect_misplaced(const std::string& file, const YamlNode& root, std::vector<MisplacedSection>& out) {
    if (!root.is_mapping()) return;
    for (const auto& [k, v] : root.entries) {
        if (kRulesetKeys.count(k.scalar) || kLibraryKeys.count(k.scalar) || !v.is_mapping()) continue;
        MisplacedSection m{fs::path(file).lexically_normal().string(), k.scalar, k.mark.line, k.mark.column, {}};
        for (const auto& [name, body] : v.entries) m.names.insert(name.scalar);
        if (!m.names.empty()) out.push_back(std::move(m));
    }
}

// The quoted word after `prefix` at the start of a message ("unknown name 'x'..." -> x).
std::optional<std::string> quoted_after(const std::string& message, std::string_view prefix) {
    if (message.rfind(prefix, 0) != 0) return std::nullopt;
    auto end = message.find('\'', prefix.size());
    if (end == std::string::npos) return std::nullopt;
    return message.substr(prefix.size(), end - prefix.size());
}

// One mistake, one error: file names normalised; a diagnostic repeated at the same place with
// the same code (a library's mistake, found once per ruleset including it) kept once; and
// the consequences of a misspelt section key (uses of the names it holds, a required key
// reported missing next to a misspelling of it) turned into notes naming their cause.
void settle_diagnostics(std::vector<Diagnostic>& ds, const std::vector<MisplacedSection>& misplaced) {
    std::vector<Diagnostic> kept;
    std::set<std::tuple<std::string, int, int, std::string>> seen;
    for (auto& d : ds) {
        if (!d.file.empty()) d.file = fs::path(d.file).lexically_normal().string();
        if (d.line > 0 && !seen.emplace(d.file, d.line, d.column, d.code).second) continue;
        kept.push_back(std::move(d));
    }
    auto place_of = [](const std::string& file, int line, int column) {
        return file + ":" + std::to_string(line) + ":" + std::to_string(column);
    };
    for (auto& d : kept) {
        if (d.severity != Severity::error) continue;
        if (d.code == codes::unknown_name) {
            auto name = quoted_after(d.message, "unknown name '");
            if (!name) continue;
            for (const auto& m : misplaced)
                if (m.names.count(*name)) {
                    d.severity = Severity::note;
                    d.message = "follow-on of the unknown key '" + m.key + "' at " + place_of(m.file, m.line, m.column) +
                                ": " + d.message;
                    break;
                }
        } else if (d.code == codes::missing_key) {
            auto key = quoted_after(d.message, "missing required key '");
            if (!key) continue;
            for (const auto& cause : kept)
                if (cause.code == codes::unknown_key && cause.file == d.file && cause.severity == Severity::error &&
                    cause.message.find("did you mean '" + *key + "'") != std::string::npos) {
                    d.severity = Severity::note;
                    d.message = "follow-on of the unknown key at " + place_of(cause.file, cause.line, cause.column) + ": " +
                                d.message;
                    break;
                }
        }
    }
    ds = std::move(kept);
}

}  // namespace

LoadOutput load_rulesets(const std::vector<SourceText>& sources, const RulesetLimits& limits) {
    LoadOutput out;
    std::vector<MisplacedSection> misplaced;
    YamlLimits yl{limits.max_file_bytes, limits.max_yaml_depth, 1000000, limits.max_string_length};
    ParseCache cache;
    for (const auto& src : sources) {
        // Every file is parsed, tests files too: the kind is read from the document, never
        // from its raw text (a description may wrap onto a line starting "kind: tests").
        auto tree = parse_yaml(src.text, src.name, yl);
        // Files given as paths are remembered, so that a ruleset including one reuses its tree.
        const bool from_file = !src.dir.empty();
        if (!tree.ok()) {
            for (const auto& d : tree.diagnostics()) out.diagnostics.push_back(d);
            if (from_file) cache.emplace(canonical(src.name), ParsedFile{src.text, nullptr});
            continue;
        }
        auto shared = std::make_shared<const YamlNode>(std::move(tree.value()));
        if (from_file) cache.emplace(canonical(src.name), ParsedFile{src.text, shared});
        const YamlNode& root = *shared;
        if (root.is_null()) continue;  // an empty file
        collect_misplaced(src.name, root, misplaced);
        if (!root.is_mapping()) {
            out.diagnostics.push_back(util::make(codes::wrong_yaml_kind, "a ruleset file must be a mapping at the top level").file(src.name).at(root.mark.line, root.mark.column));
            continue;
        }
        std::string kind = "ruleset";
        if (const YamlNode* k = root.find("kind")) kind = k->is_scalar() ? k->scalar : "";
        if (kind == "library" || kind == "tests") continue;  // libraries by include; tests by carecoord test
        if (kind != "ruleset") {
            Diagnostic d;
            d.code = codes::invalid_value;
            d.file = src.name;
            const YamlNode* k = root.find("kind");
            d.line = k->mark.line;
            d.column = k->mark.column;
            d.message = "kind must be ruleset, library or tests";
            out.diagnostics.push_back(std::move(d));
            continue;
        }
        Loader loader(limits, out.diagnostics, cache);
        if (auto plan = loader.load(src, root)) {
            out.plans.push_back(std::move(plan));
            out.sources.push_back(loader.take_source());
        }
    }
    workflow::check_trigger_references(out.plans, out.diagnostics);
    // Versions of one ruleset must not be in force at the same time, nor two rulesets that
    // define tiers: found here, before any patient is evaluated.
    for (std::size_t i = 0; i < out.plans.size(); ++i)
        for (std::size_t j = i + 1; j < out.plans.size(); ++j) {
            const auto& a = *out.plans[i];
            const auto& b = *out.plans[j];
            if (a.id == b.id && a.version == b.version && a.sha256 != b.sha256) {
                // A determination names a ruleset by id and version: two contents under one
                // name could not be told apart afterwards, whatever their periods.
                Diagnostic d;
                d.code = codes::version_twice;
                d.file = b.file;
                d.line = b.effective_where.line;
                d.column = b.effective_where.column;
                d.message = "ruleset '" + b.id + "' version " + b.version + " has different contents in " + a.file +
                            ": a new content needs a new version";
                out.diagnostics.push_back(std::move(d));
                continue;
            }
            if (a.id != b.id && !(a.has_tiers && b.has_tiers)) continue;
            Date a_end = a.effective_until.value_or(Date::max());
            Date b_end = b.effective_until.value_or(Date::max());
            if (a.effective_from > b_end || b.effective_from > a_end) continue;
            Diagnostic d;
            d.file = b.file;
            if (a.id == b.id) {
                d.code = codes::periods_overlap;
                d.line = b.effective_where.line;
                d.column = b.effective_where.column;
                d.message = "ruleset '" + b.id + "' version " + b.version + " is in force at the same time as version " +
                            a.version + " (" + a.file + ")";
            } else {
                d.code = codes::tiers_twice;
                d.line = b.tiers_where.line;
                d.column = b.tiers_where.column;
                d.message = "rulesets '" + a.id + "' (" + a.file + ") and '" + b.id +
                            "' both define tiers and are in force at the same time from " +
                            time::format_date(std::max(a.effective_from, b.effective_from));
            }
            out.diagnostics.push_back(std::move(d));
        }
    // Libraries are parsed once, into the cache; their misplaced sections count too.
    for (const auto& [path, parsed] : cache)
        if (parsed.tree) {
            std::vector<MisplacedSection> found;
            collect_misplaced(path, *parsed.tree, found);
            for (auto& m : found) {
                std::error_code ec;
                m.file = fs::relative(m.file, fs::current_path(ec), ec).lexically_normal().string();
                misplaced.push_back(std::move(m));
            }
        }
    settle_diagnostics(out.diagnostics, misplaced);
    return out;
}

std::vector<rules::TextPos> locate_scalar(const SourceLines& src, const YamlNode& n) { return locate_scalar_in(src, n); }

}  // namespace carecoord::load
