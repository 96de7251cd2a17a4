// The `carecoord` command-line tool: one function per command, each returning the exit code
// (0 clean, 1 findings or failures, 2 usage or I/O error).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace carecoord::cli {

using Args = std::vector<std::string>;

int cmd_check(const Args& args);
int cmd_test(const Args& args);
int cmd_eval(const Args& args);
int cmd_explain(const Args& args);
int cmd_diff(const Args& args);
int cmd_plan(const Args& args);

// Shared helpers.
int usage_error(const std::string& command, const std::string& message);

// A numeric option's value: decimal digits only (no sign, no spaces, no trailing
// characters, no leading '+'), within [min, max]. Every numeric option goes through here.
// False (and `out` unchanged) otherwise; the caller says which option and what range.
bool parse_whole_number(std::string_view text, unsigned long long min, unsigned long long max, unsigned long long& out);

// The highest --jobs accepted: far above any core count, low enough that a typo cannot
// ask for a million threads.
inline constexpr unsigned long long kMaxJobs = 1024;

// `--include-root DIR` (repeatable), accepted by every command that loads rulesets: one
// more directory an `include:` (and a tests file's `patient_file:`) may lead into
// (EngineOptions::include_roots). True when args[i] was it (i is then past its value);
// `error` set when the value is missing.
bool include_root_option(const std::vector<std::string>& args, std::size_t& i, std::vector<std::string>& roots,
                         bool& error);
bool is_terminal(int fd);

// Flushes and closes an output (a file or stdout): false, with an error naming the output
// (E0602) on stderr, when anything written to it was lost (a full disk, a closed pipe).
bool close_output(std::FILE* f, const std::string& name);

// Writes all of `text` to `f`: false when it could not (the loss and its cause are reported
// by close_output, once, when `f` is closed).
bool write_output(std::FILE* f, std::string_view text);

}  // namespace carecoord::cli
