// Patient documents: JSON (simdjson DOM) and YAML (yaml::YamlNode) adapters over the one
// schema decoder in model/patient_decoder.hpp, the entry points and the enum names.
#include <simdjson.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <optional>
#include <sstream>

#include "carecoord/patient.hpp"
#include "yaml/yaml_tree.hpp"
#include "model/enums.hpp"
#include "model/patient_decoder.hpp"
#include "model/patient_node.hpp"
#include "util/codes.hpp"
#include "util/text.hpp"

namespace carecoord {

namespace {

using model::detail::Ctx;
using model::detail::NodeKind;
namespace code = model::detail::code;

// ---------------------------------------------------------------------------------------
// JSON adapter: a view of one simdjson DOM element. No copy of the document is made; the
// elements point into the parser's tape.

class JsonNode {
public:
    explicit JsonNode(simdjson::dom::element e) : e_(e) {}

    NodeKind kind() const {
        switch (e_.type()) {
            case simdjson::dom::element_type::ARRAY: return NodeKind::array;
            case simdjson::dom::element_type::OBJECT: return NodeKind::object;
            case simdjson::dom::element_type::INT64:
            case simdjson::dom::element_type::UINT64:
            case simdjson::dom::element_type::DOUBLE: return NodeKind::number;
            case simdjson::dom::element_type::STRING: return NodeKind::string;
            case simdjson::dom::element_type::BOOL: return NodeKind::boolean;
            case simdjson::dom::element_type::NULL_VALUE: return NodeKind::null;
        }
        return NodeKind::null;
    }

    bool text(std::string_view& out) const { return e_.get_string().get(out) == simdjson::SUCCESS; }
    bool boolean(bool& out) const { return e_.get_bool().get(out) == simdjson::SUCCESS; }
    bool number(double& out) const {
        return kind() == NodeKind::number && e_.get_double().get(out) == simdjson::SUCCESS;
    }
    bool integer(std::int64_t& out, bool& overflow) const {
        overflow = false;
        switch (e_.type()) {
            case simdjson::dom::element_type::INT64: return e_.get_int64().get(out) == simdjson::SUCCESS;
            case simdjson::dom::element_type::UINT64: overflow = true; return false;
            default: return false;
        }
    }

    std::size_t size() const {
        simdjson::dom::array a;
        if (e_.get_array().get(a) != simdjson::SUCCESS) return 0;
        return a.size();
    }

    template <class F>
    void items(F&& f) const {
        simdjson::dom::array a;
        if (e_.get_array().get(a) != simdjson::SUCCESS) return;
        for (simdjson::dom::element item : a) f(JsonNode(item));
    }

    template <class F>
    void fields(F&& f) const {
        simdjson::dom::object o;
        if (e_.get_object().get(o) != simdjson::SUCCESS) return;
        for (simdjson::dom::key_value_pair kv : o) f(kv.key, JsonNode(kv.value), yaml::Mark{});
    }

    yaml::Mark mark() const { return {}; }

private:
    simdjson::dom::element e_;
};

// ---------------------------------------------------------------------------------------
// YAML adapter. A plain (unquoted) scalar is text to text, code, enum and date fields:
// `010` and `250.00` stay "010" and "250.00". It counts as a number only where a number is
// expected, and as a boolean only when it is exactly `true` or `false`.

bool is_plain_bool(std::string_view s) { return s == "true" || s == "false"; }

// YAML 1.2 core schema decimal numbers: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool is_plain_number(std::string_view s) {
    std::size_t i = 0, n = s.size();
    if (i < n && (s[i] == '-' || s[i] == '+')) ++i;
    std::size_t int_digits = 0, frac_digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i, ++int_digits;
    if (i < n && s[i] == '.') {
        ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9') ++i, ++frac_digits;
    }
    if (int_digits == 0 && frac_digits == 0) return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < n && (s[i] == '-' || s[i] == '+')) ++i;
        std::size_t exp_digits = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') ++i, ++exp_digits;
        if (exp_digits == 0) return false;
    }
    return i == n;
}

bool is_plain_integer(std::string_view s) {
    std::size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    if (i == s.size()) return false;
    for (; i < s.size(); ++i)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

class YamlAdapter {
public:
    explicit YamlAdapter(const yaml::YamlNode& n) : n_(&n) {}

    NodeKind kind() const {
        switch (n_->kind) {
            case yaml::YamlNode::Kind::null: return NodeKind::null;
            case yaml::YamlNode::Kind::mapping: return NodeKind::object;
            case yaml::YamlNode::Kind::sequence: return NodeKind::array;
            case yaml::YamlNode::Kind::scalar: break;
        }
        if (n_->quoted) return NodeKind::string;
        if (is_plain_bool(n_->scalar)) return NodeKind::boolean;
        if (is_plain_number(n_->scalar)) return NodeKind::number;
        return NodeKind::string;
    }

    bool text(std::string_view& out) const {
        if (!n_->is_scalar() || (!n_->quoted && is_plain_bool(n_->scalar))) return false;
        out = n_->scalar;
        return true;
    }
    bool boolean(bool& out) const {
        if (!n_->is_scalar() || n_->quoted || !is_plain_bool(n_->scalar)) return false;
        out = n_->scalar == "true";
        return true;
    }
    bool number(double& out) const {
        if (!n_->is_scalar() || n_->quoted || !is_plain_number(n_->scalar)) return false;
        std::string_view s = n_->scalar;
        if (!s.empty() && s[0] == '+') s.remove_prefix(1);
        auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        if (ec == std::errc::result_out_of_range) {
            out = std::numeric_limits<double>::infinity();  // reported as not finite
            return true;
        }
        return ec == std::errc{} && ptr == s.data() + s.size();
    }
    bool integer(std::int64_t& out, bool& overflow) const {
        overflow = false;
        if (!n_->is_scalar() || n_->quoted || !is_plain_integer(n_->scalar)) return false;
        std::string_view s = n_->scalar;
        if (s[0] == '+') s.remove_prefix(1);
        auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        if (ec == std::errc::result_out_of_range) {
            overflow = true;
            return false;
        }
        return ec == std::errc{} && ptr == s.data() + s.size();
    }

    std::size_t size() const { return n_->items.size(); }

    template <class F>
    void items(F&& f) const {
        for (const auto& item : n_->items) f(YamlAdapter(item));
    }

    template <class F>
    void fields(F&& f) const {
        for (const auto& [k, v] : n_->entries) f(std::string_view(k.scalar), YamlAdapter(v), k.mark);
    }

    yaml::Mark mark() const { return n_->mark; }

private:
    const yaml::YamlNode* n_;
};

// ---------------------------------------------------------------------------------------
// Shared checks

std::optional<Diagnostic> check_document(std::string_view text, const PatientLimits& limits) {
    Diagnostic d;
    if (text.size() > limits.max_document_bytes) {
        d.code = code::too_large;
        d.message = "the document is larger than the limit max_document_bytes (" +
                    std::to_string(limits.max_document_bytes) + " bytes)";
        return d;
    }
    bool blank = std::all_of(text.begin(), text.end(),
                             [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
    if (blank) {
        d.code = code::syntax;
        d.message = "the document is empty";
        return d;
    }
    return std::nullopt;
}

template <class N>
Result<Patient> decode(const N& root, const PatientLimits& limits) {
    Ctx cx(limits);
    Patient p;
    model::detail::decode_patient(cx, root, p);
    if (!cx.diagnostics().empty()) return std::move(cx.diagnostics());
    return p;
}

// ---------------------------------------------------------------------------------------
// JSON

Diagnostic json_error(simdjson::error_code err, const PatientLimits& limits) {
    Diagnostic d;
    d.code = code::syntax;
    switch (err) {
        case simdjson::DEPTH_ERROR:
            d.code = code::limit;
            d.message = "nesting is deeper than the limit max_depth (" + std::to_string(limits.max_depth) + ")";
            break;
        case simdjson::MEMALLOC:
            // The parser's buffers could not be allocated: out of memory, not a bad document.
            d.code = codes::out_of_memory;
            d.message = "out of memory while parsing the patient document";
            break;
        case simdjson::CAPACITY:
            d.code = code::too_large;
            d.message = "the document is too large to parse";
            break;
        case simdjson::EMPTY: d.message = "the document is empty"; break;
        case simdjson::UTF8_ERROR: d.message = "JSON syntax error: the document is not valid UTF-8"; break;
        case simdjson::NUMBER_ERROR:
            d.message = "JSON syntax error: a number is malformed or out of range";
            break;
        default:
            // simdjson's messages are fixed texts that never quote the document.
            d.message = std::string("JSON syntax error: ") + simdjson::error_message(err);
            break;
    }
    return d;
}

// The YAML loader allows max_depth nested arrays and objects (the root counts). simdjson
// counts one level more for a container that holds values (its values sit one level
// deeper), so it is given one more to agree with the loader on every non-empty nesting.
std::size_t simdjson_depth(const PatientLimits& limits) { return limits.max_depth + 1; }

// ---------------------------------------------------------------------------------------
// YAML

// Every field name of the schema: a key of the document may be named in a field path
// only when it is one of these (anything else could be patient data).
bool is_schema_word(std::string_view key) { return model::detail::is_schema_word(key); }

// The loader reports a duplicate key with its position but without a field path (and it
// has no tree to give). On that error path only, replay the YAML events to find the path
// of the key at that position.
class KeyPathFinder : public YAML::EventHandler {
public:
    explicit KeyPathFinder(yaml::Mark target) : target_(target) {}

    // The path of the key at the target position, once the replay has passed it. The events
    // after it are ignored (yaml-cpp offers no way to stop a replay but an exception, and an
    // exception is not for the case that was looked for).
    const std::optional<std::string>& found() const { return found_; }

    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& m, YAML::anchor_t) override { scalar(m, {}); }
    void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { scalar(m, {}); }
    void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t, const std::string& value) override {
        scalar(m, value);
    }
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
        stack_.push_back(Frame{false, true, {}, 0});
    }
    void OnSequenceEnd() override { end_container(); }
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
        stack_.push_back(Frame{true, true, {}, 0});
    }
    void OnMapEnd() override { end_container(); }

private:
    struct Frame {
        bool map = false;
        bool want_key = true;
        std::string key;
        std::size_t index = 0;
    };

    void scalar(const YAML::Mark& m, const std::string& value) {
        if (found_) return;
        if (!stack_.empty() && stack_.back().map && stack_.back().want_key) {
            if (m.line + 1 == target_.line && m.column + 1 == target_.column) {
                std::string path = path_to_top();
                if (path_ok_ && is_schema_word(value)) {
                    if (!path.empty()) path += '.';
                    path += value;
                }
                found_ = std::move(path);
                return;
            }
            stack_.back().key = value;
            stack_.back().want_key = false;
            return;
        }
        value_done();
    }

    void end_container() {
        if (found_) return;
        stack_.pop_back();
        value_done();
    }

    void value_done() {
        if (stack_.empty()) return;
        Frame& f = stack_.back();
        if (f.map) f.want_key = true;
        else ++f.index;
    }

    // The path of the innermost container; stops at a key that is not a schema word.
    std::string path_to_top() {
        std::string out;
        path_ok_ = true;
        for (std::size_t i = 0; i + 1 < stack_.size(); ++i) {
            const Frame& f = stack_[i];
            if (f.map) {
                if (!is_schema_word(f.key)) {
                    path_ok_ = false;
                    return out;
                }
                if (!out.empty()) out += '.';
                out += f.key;
            } else {
                out += '[' + std::to_string(f.index) + ']';
            }
        }
        return out;
    }

    yaml::Mark target_;
    std::vector<Frame> stack_;
    bool path_ok_ = true;
    std::optional<std::string> found_;
};

std::string yaml_key_path(std::string_view text, yaml::Mark at) {
    if (at.line <= 0) return {};
    KeyPathFinder finder(at);
    try {
        std::istringstream in{std::string(text)};
        YAML::Parser parser(in);
        parser.HandleNextDocument(finder);
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception&) {
        // A syntax error later in the text: the key, when it came before, was found.
    }
    return finder.found().value_or(std::string{});
}

Result<Patient> parse_yaml_document(std::string_view text, const PatientLimits& limits) {
    yaml::YamlLimits yl;
    yl.max_bytes = limits.max_document_bytes;
    yl.max_depth = limits.max_depth;
    // String lengths are checked by the decoder, field by field (E0209 with a path); the
    // document size already bounds what the loader can be handed.
    yl.max_string_length = std::max(limits.max_document_bytes, limits.max_string_length);
    auto tree = yaml::parse_yaml(text, "", yl);
    if (!tree.ok()) {
        std::vector<Diagnostic> out = tree.diagnostics();
        for (auto& d : out) {
            if (d.code == codes::yaml_limit) {
                // Over a loader limit: the same limits as PatientLimits, so the same code as JSON.
                d.code = code::limit;
            } else if (d.code == codes::yaml_duplicate_key) {
                // The loader quotes the key; a patient document's diagnostics never quote it.
                d.message = "duplicate key: a field may appear only once in an object";
                d.field_path = yaml_key_path(text, yaml::Mark{d.line, d.column});
            }
        }
        return out;
    }
    return decode(YamlAdapter(*tree), limits);
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Entry points

Result<Patient> parse_patient_json(std::string_view text, const PatientLimits& limits) {
    text = util::strip_bom(text);
    if (auto d = check_document(text, limits)) return *d;
    // One parser per thread: its buffers grow to the largest document seen and are reused.
    thread_local simdjson::dom::parser parser;
    const std::size_t depth = simdjson_depth(limits);
    if (parser.max_depth() != depth) {
        if (auto err = parser.allocate(std::max<std::size_t>(text.size(), parser.capacity()), depth)) {
            if (err == simdjson::MEMALLOC) parser = simdjson::dom::parser{};  // see below
            return json_error(err, limits);
        }
    }
    simdjson::dom::element root;
    // realloc_if_needed: the text is copied into the parser's own padded buffer (reused).
    if (auto err = parser.parse(text.data(), text.size(), true).get(root)) {
        // simdjson keeps the capacity it failed to allocate: a fresh parser for the next call.
        if (err == simdjson::MEMALLOC) parser = simdjson::dom::parser{};
        return json_error(err, limits);
    }
    return decode(JsonNode(root), limits);
}

Result<Patient> parse_patient_yaml(std::string_view text, const PatientLimits& limits) {
    if (auto d = check_document(text, limits)) return *d;
    return parse_yaml_document(text, limits);
}

Result<Patient> parse_patient(std::string_view text, DocumentFormat format, const PatientLimits& limits) {
    return format == DocumentFormat::json ? parse_patient_json(text, limits) : parse_patient_yaml(text, limits);
}

std::string_view to_string(Payer v) { return model::enum_name(v); }
std::string_view to_string(EncounterClass v) { return model::enum_name(v); }
std::string_view to_string(CarePlanState v) { return model::enum_name(v); }

}  // namespace carecoord

// ---------------------------------------------------------------------------------------
// A patient inside a larger, already parsed YAML document (test cases).



namespace carecoord::model {

Result<Patient> decode_patient_node(const yaml::YamlNode& root, const PatientLimits& limits) {
    return decode(YamlAdapter(root), limits);
}

}  // namespace carecoord::model
