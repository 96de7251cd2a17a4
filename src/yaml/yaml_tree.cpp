#include "yaml/yaml_tree.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <sstream>
#include <unordered_set>

#include "util/codes.hpp"
#include "util/diagnostics.hpp"

namespace carecoord::yaml {

const YamlNode* YamlNode::find(std::string_view key) const {
    if (kind != Kind::mapping) return nullptr;
    for (const auto& [k, v] : entries)
        if (k.scalar == key) return &v;
    return nullptr;
}

std::string_view YamlNode::kind_name() const {
    switch (kind) {
        case Kind::null: return "null";
        case Kind::scalar: return "scalar";
        case Kind::sequence: return "sequence";
        case Kind::mapping: return "mapping";
    }
    return "?";
}

bool is_plain_null(std::string_view s) {
    return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

namespace {

// yaml-cpp's messages, by prefix, and the fixed words we report instead. A few of its
// messages end with document content (the escape character, the code point, the version
// text): those are matched by their fixed prefix and reported without what follows. A
// message not in the table (a newer yaml-cpp) gets the generic words: never e.what().
struct YamlMessage {
    const char* yaml_cpp;  // the message, or its fixed prefix
    bool prefix;           // followed by document content
    const char* words;
};
const YamlMessage kYamlMessages[] = {
    {YAML::ErrorMsg::INVALID_ESCAPE, true, "a backslash escape that YAML does not define"},
    {YAML::ErrorMsg::INVALID_UNICODE, true,
     "an escape names no Unicode character (a lone surrogate, or beyond U+10FFFF)"},
    {YAML::ErrorMsg::INVALID_HEX, false, "an escape sequence with a character that is not a hexadecimal digit"},
    {YAML::ErrorMsg::YAML_VERSION, true, "a %YAML directive with a version that is not a number"},
    {YAML::ErrorMsg::YAML_DIRECTIVE_ARGS, false, YAML::ErrorMsg::YAML_DIRECTIVE_ARGS},
    {YAML::ErrorMsg::YAML_MAJOR_VERSION, false, YAML::ErrorMsg::YAML_MAJOR_VERSION},
    {YAML::ErrorMsg::REPEATED_YAML_DIRECTIVE, false, YAML::ErrorMsg::REPEATED_YAML_DIRECTIVE},
    {YAML::ErrorMsg::TAG_DIRECTIVE_ARGS, false, YAML::ErrorMsg::TAG_DIRECTIVE_ARGS},
    {YAML::ErrorMsg::REPEATED_TAG_DIRECTIVE, false, YAML::ErrorMsg::REPEATED_TAG_DIRECTIVE},
    {YAML::ErrorMsg::CHAR_IN_TAG_HANDLE, false, YAML::ErrorMsg::CHAR_IN_TAG_HANDLE},
    {YAML::ErrorMsg::TAG_WITH_NO_SUFFIX, false, YAML::ErrorMsg::TAG_WITH_NO_SUFFIX},
    {YAML::ErrorMsg::END_OF_VERBATIM_TAG, false, YAML::ErrorMsg::END_OF_VERBATIM_TAG},
    {YAML::ErrorMsg::END_OF_MAP, false, YAML::ErrorMsg::END_OF_MAP},
    {YAML::ErrorMsg::END_OF_MAP_FLOW, false, YAML::ErrorMsg::END_OF_MAP_FLOW},
    {YAML::ErrorMsg::END_OF_SEQ, false, YAML::ErrorMsg::END_OF_SEQ},
    {YAML::ErrorMsg::END_OF_SEQ_FLOW, false, YAML::ErrorMsg::END_OF_SEQ_FLOW},
    {YAML::ErrorMsg::MULTIPLE_TAGS, false, YAML::ErrorMsg::MULTIPLE_TAGS},
    {YAML::ErrorMsg::MULTIPLE_ANCHORS, false, YAML::ErrorMsg::MULTIPLE_ANCHORS},
    {YAML::ErrorMsg::MULTIPLE_ALIASES, false, YAML::ErrorMsg::MULTIPLE_ALIASES},
    {YAML::ErrorMsg::ALIAS_CONTENT, false, YAML::ErrorMsg::ALIAS_CONTENT},
    {YAML::ErrorMsg::UNKNOWN_TOKEN, false, YAML::ErrorMsg::UNKNOWN_TOKEN},
    {YAML::ErrorMsg::DOC_IN_SCALAR, false, YAML::ErrorMsg::DOC_IN_SCALAR},
    {YAML::ErrorMsg::EOF_IN_SCALAR, false, YAML::ErrorMsg::EOF_IN_SCALAR},
    {YAML::ErrorMsg::CHAR_IN_SCALAR, false, YAML::ErrorMsg::CHAR_IN_SCALAR},
    {YAML::ErrorMsg::TAB_IN_INDENTATION, false, YAML::ErrorMsg::TAB_IN_INDENTATION},
    {YAML::ErrorMsg::FLOW_END, false, YAML::ErrorMsg::FLOW_END},
    {YAML::ErrorMsg::BLOCK_ENTRY, false, YAML::ErrorMsg::BLOCK_ENTRY},
    {YAML::ErrorMsg::MAP_KEY, false, YAML::ErrorMsg::MAP_KEY},
    {YAML::ErrorMsg::MAP_VALUE, false, YAML::ErrorMsg::MAP_VALUE},
    {YAML::ErrorMsg::ALIAS_NOT_FOUND, false, YAML::ErrorMsg::ALIAS_NOT_FOUND},
    {YAML::ErrorMsg::ANCHOR_NOT_FOUND, false, YAML::ErrorMsg::ANCHOR_NOT_FOUND},
    {YAML::ErrorMsg::CHAR_IN_ALIAS, false, YAML::ErrorMsg::CHAR_IN_ALIAS},
    {YAML::ErrorMsg::CHAR_IN_ANCHOR, false, YAML::ErrorMsg::CHAR_IN_ANCHOR},
    {YAML::ErrorMsg::ZERO_INDENT_IN_BLOCK, false, YAML::ErrorMsg::ZERO_INDENT_IN_BLOCK},
    {YAML::ErrorMsg::CHAR_IN_BLOCK, false, YAML::ErrorMsg::CHAR_IN_BLOCK},
    {YAML::ErrorMsg::AMBIGUOUS_ANCHOR, false, YAML::ErrorMsg::AMBIGUOUS_ANCHOR},
    {YAML::ErrorMsg::UNKNOWN_ANCHOR, false, YAML::ErrorMsg::UNKNOWN_ANCHOR},
    {YAML::ErrorMsg::INVALID_SCALAR, false, YAML::ErrorMsg::INVALID_SCALAR},
    {YAML::ErrorMsg::UNMATCHED_GROUP_TAG, false, YAML::ErrorMsg::UNMATCHED_GROUP_TAG},
    {YAML::ErrorMsg::UNEXPECTED_END_SEQ, false, YAML::ErrorMsg::UNEXPECTED_END_SEQ},
    {YAML::ErrorMsg::UNEXPECTED_END_MAP, false, YAML::ErrorMsg::UNEXPECTED_END_MAP},
    {YAML::ErrorMsg::INVALID_ANCHOR, false, YAML::ErrorMsg::INVALID_ANCHOR},
    {YAML::ErrorMsg::INVALID_ALIAS, false, YAML::ErrorMsg::INVALID_ALIAS},
    {YAML::ErrorMsg::INVALID_TAG, false, YAML::ErrorMsg::INVALID_TAG},
};

// Thrown from the event handler to stop yaml-cpp's parser at the first hard error.
struct Abort {
    Diagnostic diagnostic;
};

Mark to_mark(const YAML::Mark& m) {
    if (m.is_null()) return {};
    return {m.line + 1, m.column + 1};
}

class TreeBuilder : public YAML::EventHandler {
public:
    TreeBuilder(std::string_view file, const YamlLimits& limits) : file_(file), limits_(limits) {}

    void OnDocumentStart(const YAML::Mark& mark) override { document_start_ = to_mark(mark); }
    void OnDocumentEnd() override {}

    void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        check_anchor(mark, anchor);
        YamlNode n;
        n.kind = YamlNode::Kind::null;
        n.mark = to_mark(mark);
        add(std::move(n));
    }

    void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
        fail(mark, codes::yaml_anchor, "YAML aliases (*name) are not allowed; write the value out");
    }

    void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  const std::string& value) override {
        check_anchor(mark, anchor);
        check_tag(mark, tag);
        if (value.size() > limits_.max_string_length)
            fail(mark, codes::yaml_limit, "a string is longer than the limit max_string_length (" +
                                    std::to_string(limits_.max_string_length) + ")");
        YamlNode n;
        n.mark = to_mark(mark);
        // yaml-cpp gives plain scalars the non-specific tag "?" and quoted or block
        // scalars "!": only a plain scalar can be a null, number, boolean or date.
        n.quoted = (tag == "!");
        if (!n.quoted && is_plain_null(value)) {
            n.kind = YamlNode::Kind::null;
        } else {
            n.kind = YamlNode::Kind::scalar;
            n.scalar = value;
        }
        add(std::move(n));
    }

    void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value) override {
        start_collection(YamlNode::Kind::sequence, mark, tag, anchor);
    }
    void OnSequenceEnd() override { pop(); }

    void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value) override {
        start_collection(YamlNode::Kind::mapping, mark, tag, anchor);
    }
    void OnMapEnd() override { pop(); }

    // A sequence or mapping begins: checked like every node, then open until its end event.
    void start_collection(YamlNode::Kind kind, const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor) {
        check_anchor(mark, anchor);
        check_tag(mark, tag);
        YamlNode n;
        n.kind = kind;
        n.mark = to_mark(mark);
        push(std::move(n), mark);
    }

    YamlNode take_root() { return has_root_ ? std::move(root_) : YamlNode{}; }
    Mark document_start() const { return document_start_; }
    std::vector<Diagnostic>& diagnostics() { return diagnostics_; }

private:
    struct Frame {
        YamlNode node;
        bool have_key = false;  // mappings: a key is waiting for its value
        YamlNode key;
    };

    [[noreturn]] void fail(const YAML::Mark& mark, const char* code, std::string message) {
        Diagnostic d;
        d.code = code;
        d.message = std::move(message);
        d.file = std::string(file_);
        auto m = to_mark(mark);
        d.line = m.line;
        d.column = m.column;
        throw Abort{std::move(d)};
    }

    void check_anchor(const YAML::Mark& mark, YAML::anchor_t anchor) {
        if (anchor != YAML::NullAnchor)
            fail(mark, codes::yaml_anchor, "YAML anchors (&name) are not allowed; write the value out");
    }

    void check_tag(const YAML::Mark& mark, const std::string& tag) {
        if (!tag.empty() && tag != "?" && tag != "!")
            fail(mark, codes::yaml_tag, "YAML tags are not allowed");
    }

    void count_node(const YAML::Mark& mark) {
        if (++nodes_ > limits_.max_nodes)
            fail(mark, codes::yaml_limit, "the document has more nodes than the limit max_nodes (" +
                                    std::to_string(limits_.max_nodes) + ")");
    }

    void push(YamlNode n, const YAML::Mark& mark) {
        count_node(mark);
        if (stack_.size() >= limits_.max_depth)
            fail(mark, codes::yaml_limit, "nesting is deeper than the limit max_depth (" +
                                    std::to_string(limits_.max_depth) + ")");
        stack_.push_back(Frame{std::move(n), false, {}});
    }

    void pop() {
        Frame f = std::move(stack_.back());
        stack_.pop_back();
        if (f.node.kind == YamlNode::Kind::mapping) check_duplicates(f.node);
        place(std::move(f.node));
    }

    void add(YamlNode n) {
        if (nodes_ + 1 > limits_.max_nodes) {
            YAML::Mark m;
            m.line = n.mark.line - 1;
            m.column = n.mark.column - 1;
            count_node(m);
        }
        ++nodes_;
        place(std::move(n));
    }

    void place(YamlNode n) {
        if (stack_.empty()) {
            root_ = std::move(n);
            has_root_ = true;
            return;
        }
        Frame& top = stack_.back();
        if (top.node.kind == YamlNode::Kind::sequence) {
            top.node.items.push_back(std::move(n));
        } else if (!top.have_key) {
            if (n.kind != YamlNode::Kind::scalar) {
                Diagnostic d;
                d.code = codes::yaml_complex_key;
                d.message = "mapping keys must be plain strings";
                d.file = std::string(file_);
                d.line = n.mark.line;
                d.column = n.mark.column;
                throw Abort{std::move(d)};
            }
            top.key = std::move(n);
            top.have_key = true;
        } else {
            top.node.entries.push_back(YamlEntry{std::move(top.key), std::move(n)});
            top.have_key = false;
        }
    }

    void check_duplicates(const YamlNode& map) {
        std::unordered_set<std::string_view> seen;
        for (const auto& [k, v] : map.entries) {
            if (!seen.insert(k.scalar).second) {
                diagnostics_.push_back(util::make(codes::yaml_duplicate_key, "duplicate key '" + k.scalar + "'").file(std::string(file_)).at(k.mark.line, k.mark.column));
            }
        }
    }

    std::string_view file_;
    const YamlLimits& limits_;
    std::vector<Frame> stack_;
    YamlNode root_;
    bool has_root_ = false;
    std::size_t nodes_ = 0;
    std::vector<Diagnostic> diagnostics_;
    Mark document_start_;
};

// The text of 1-based line `line`, without its line break.
std::string_view line_text(std::string_view text, int line) {
    std::size_t b = 0;
    for (int l = 1; l < line && b != std::string_view::npos; ++l) {
        b = text.find('\n', b);
        if (b != std::string_view::npos) ++b;
    }
    if (b == std::string_view::npos || b > text.size()) return {};
    std::size_t e = text.find('\n', b);
    return text.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b);
}

// What a light scan of the YAML text finds that yaml-cpp reports late or not at all: a flow
// collection ('[' or '{') never closed (yaml-cpp reports the line after it), and a quoted
// scalar still open at the end of the file (yaml-cpp takes the rest of the file as its text).
// The scan knows comments, quotes, block scalars and flow brackets; nothing else of YAML.
struct ScanFinding {
    enum class Kind { none, unclosed_flow, unclosed_quote } kind = Kind::none;
    char opener = 0;
    int line = 0, column = 0;
};

ScanFinding scan_unclosed(std::string_view text) {
    struct Open {
        char c;
        int line, column;
    };
    std::vector<Open> flows;
    int line = 1;
    std::size_t i = 0;
    while (i < text.size()) {
        // One line: its indentation first.
        const std::size_t line_start = i;
        std::size_t indent = 0;
        while (i < text.size() && text[i] == ' ') ++i, ++indent;
        bool block_scalar = false;
        char prev = '\n';  // the last character that is not a space, for where a quote may start
        while (i < text.size() && text[i] != '\n') {
            const char c = text[i];
            const int column = static_cast<int>(i - line_start) + 1;
            if (c == '#' && (i == line_start || text[i - 1] == ' ' || text[i - 1] == '\t')) {
                while (i < text.size() && text[i] != '\n') ++i;
                break;
            }
            const bool at_value_start = prev == '\n' || prev == ':' || prev == '-' || prev == '[' || prev == '{' ||
                                        prev == ',' || prev == '?';
            if ((c == '"' || c == '\'') && at_value_start) {
                const int qline = line, qcolumn = column;
                ++i;
                bool closed = false;
                while (i < text.size()) {
                    if (text[i] == '\n') ++line;
                    if (c == '"' && text[i] == '\\' && i + 1 < text.size()) {
                        if (text[i + 1] == '\n') ++line;
                        i += 2;
                        continue;
                    }
                    if (text[i] == c) {
                        if (c == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
                            i += 2;
                            continue;
                        }
                        closed = true;
                        ++i;
                        break;
                    }
                    ++i;
                }
                if (!closed) return {ScanFinding::Kind::unclosed_quote, c, qline, qcolumn};
                prev = c;
                continue;
            }
            if (c == '[' || c == '{') {
                if (at_value_start) flows.push_back({c, line, column});
            } else if ((c == ']' || c == '}') && !flows.empty()) {
                flows.pop_back();
            } else if ((c == '|' || c == '>') && flows.empty() && (prev == ':' || prev == '-' || prev == '\n')) {
                // A block scalar's indicator, then only modifiers, spaces or a comment.
                std::size_t j = i + 1;
                while (j < text.size() && (text[j] == '-' || text[j] == '+' || (text[j] >= '1' && text[j] <= '9'))) ++j;
                while (j < text.size() && text[j] == ' ') ++j;
                if (j >= text.size() || text[j] == '\n' || text[j] == '#') block_scalar = true;
            }
            if (c != ' ' && c != '\t') prev = c;
            ++i;
        }
        if (i < text.size()) ++i, ++line;  // the line break
        if (block_scalar) {
            // Its lines: blank, or indented more than the line that opened it.
            while (i < text.size()) {
                std::size_t j = i, k = 0;
                while (j < text.size() && text[j] == ' ') ++j, ++k;
                const bool blank = j >= text.size() || text[j] == '\n' || text[j] == '\r';
                if (!blank && k <= indent) break;
                while (j < text.size() && text[j] != '\n') ++j;
                i = j < text.size() ? j + 1 : j;
                ++line;
            }
        }
    }
    if (!flows.empty()) return {ScanFinding::Kind::unclosed_flow, flows.back().c, flows.back().line, flows.back().column};
    return {};
}

Diagnostic scan_diagnostic(const ScanFinding& f, std::string_view file) {
    Diagnostic d;
    d.code = codes::yaml_syntax;
    d.file = std::string(file);
    d.line = f.line;
    d.column = f.column;
    if (f.kind == ScanFinding::Kind::unclosed_quote)
        d.message = std::string("YAML syntax error: the string opened here with ") + (f.opener == '"' ? "\"" : "'") +
                    " is never closed";
    else
        d.message = std::string("YAML syntax error: the '") + f.opener + "' opened here is never closed by '" +
                    (f.opener == '[' ? "]" : "}") + "'";
    return d;
}

}  // namespace

Result<YamlNode> parse_yaml(std::string_view text, std::string_view file, const YamlLimits& limits) {
    if (text.size() > limits.max_bytes) {
        return util::make(codes::yaml_limit, "the document is larger than the limit max_bytes (" + std::to_string(limits.max_bytes) + ")")
            .file(std::string(file))
            .build();
    }
    // yaml-cpp reads from a stream; a string stream over the text is the cheapest way in.
    std::istringstream in{std::string(text)};
    TreeBuilder builder(file, limits);
    try {
        YAML::Parser parser(in);
        if (!parser.HandleNextDocument(builder)) return YamlNode{};
        YamlNode root = builder.take_root();
        if (auto f = scan_unclosed(text); f.kind == ScanFinding::Kind::unclosed_quote) return scan_diagnostic(f, file);
        if (!builder.diagnostics().empty()) return std::move(builder.diagnostics());
        TreeBuilder second(file, limits);
        if (parser.HandleNextDocument(second)) {
            Diagnostic d;
            d.file = std::string(file);
            d.line = second.document_start().line;
            d.column = second.document_start().column;
            // A second document starts with '---' (or follows a '...'). yaml-cpp also starts
            // one at content that cannot continue the first document ("- a" then "b: 1").
            std::string_view here = line_text(text, d.line);
            std::string_view before = d.line > 1 ? line_text(text, d.line - 1) : std::string_view{};
            if (here.substr(0, 3) == "---" || before.substr(0, 3) == "...") {
                d.code = codes::yaml_many_documents;
                d.message = "more than one YAML document in one file";
            } else {
                d.code = codes::yaml_syntax;
                d.message = "YAML syntax error: content after the end of the document";
            }
            return d;
        }
        return root;
    } catch (const Abort& a) {
        return a.diagnostic;
    } catch (const YAML::Exception& e) {
        Diagnostic d;
        // yaml-cpp resolves an alias before reporting it: one without its anchor (the
        // anchor itself would have been rejected first) fails as an unknown anchor.
        if (e.msg == YAML::ErrorMsg::UNKNOWN_ANCHOR) {
            d.code = codes::yaml_anchor;
            d.message = "YAML aliases (*name) are not allowed; write the value out";
        } else {
            // An unclosed bracket or quote is reported where it opened, not where yaml-cpp
            // noticed (the line after, or the end of the file). A bad escape is found inside
            // a string, so the text before it always holds an open quote: it is not one.
            const bool in_string = e.msg.rfind(YAML::ErrorMsg::INVALID_ESCAPE, 0) == 0 ||
                                   e.msg.rfind(YAML::ErrorMsg::INVALID_UNICODE, 0) == 0 ||
                                   e.msg == YAML::ErrorMsg::INVALID_HEX;
            if (auto f = scan_unclosed(text.substr(0, std::min(text.size(), static_cast<std::size_t>(std::max(0, e.mark.pos)))));
                !in_string && f.kind != ScanFinding::Kind::none &&
                (e.msg == YAML::ErrorMsg::END_OF_SEQ_FLOW || e.msg == YAML::ErrorMsg::END_OF_MAP_FLOW ||
                 f.kind == ScanFinding::Kind::unclosed_quote))
                return scan_diagnostic(f, file);
            d.code = codes::yaml_syntax;
            d.message = std::string("YAML syntax error: ") + yaml_error_words(e.msg);
        }
        d.file = std::string(file);
        auto m = to_mark(e.mark);
        d.line = m.line;
        d.column = m.column;
        return d;
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception&) {
        // Not e.what(): an exception from inside the parser may quote the document.
        return util::make(codes::yaml_syntax, "YAML could not be read").file(std::string(file)).build();
    }
}

const char* yaml_error_words(std::string_view yaml_cpp_message) {
    for (const auto& m : kYamlMessages) {
        const std::string_view known = m.yaml_cpp;
        if (m.prefix ? yaml_cpp_message.substr(0, known.size()) == known : yaml_cpp_message == known) return m.words;
    }
    return "the document is not valid YAML here";
}

}  // namespace carecoord::yaml
