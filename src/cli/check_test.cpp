// carecoord check and carecoord test.
#include <cstdio>
#include <iostream>

#include "carecoord/engine.hpp"
#include "cli/cli.hpp"
#include "testing/case_runner.hpp"
#include "time/calendar.hpp"

namespace carecoord::cli {

int usage_error(const std::string& command, const std::string& message) {
    std::fprintf(stderr, "carecoord %s: %s (see carecoord %s --help)\n", command.c_str(), message.c_str(), command.c_str());
    return 2;
}

namespace {

const char* kCheckHelp = R"(Usage: carecoord check PATH...

Loads and type-checks every ruleset under the paths (files or directories) and reports every
error as file:line:col: error[CODE]: message, then a one-line summary.
Exit status: 0 clean, 1 errors found, 2 usage error.

Example:
  carecoord check rulesets/
)";

const char* kTestHelp = R"(Usage: carecoord test PATH...

Loads the rulesets under the paths and runs every test case in their `kind: tests` files.
Each failure shows the case, the expected and actual values side by side, and the rules that
fired. Ends with rule coverage: the tier rules, flag rules, programs and triggers that no
case exercised. Exit status: 0 all passed, 1 a case failed, 2 usage or load error.

Example:
  carecoord test rulesets/
)";

void print_diagnostics(const std::vector<Diagnostic>& ds) {
    for (const auto& d : ds) std::fprintf(stderr, "%s\n", d.to_string().c_str());
}

}  // namespace

int cmd_check(const Args& args) {
    if (args.empty()) return usage_error("check", "give at least one ruleset file or directory");
    for (const auto& a : args)
        if (a == "--help" || a == "-h") {
            std::fputs(kCheckHelp, stdout);
            return 0;
        }
    auto engine = Engine::load_paths(args);
    if (!engine.ok()) {
        print_diagnostics(engine.diagnostics());
        std::fprintf(stderr, "%zu error(s)\n", engine.diagnostics().size());
        return 1;
    }
    auto rulesets = engine->rulesets();
    std::printf("ok: %zu ruleset version(s) checked, no errors\n", rulesets.size());
    return 0;
}

int cmd_test(const Args& args) {
    if (args.empty()) return usage_error("test", "give at least one ruleset file or directory");
    for (const auto& a : args)
        if (a == "--help" || a == "-h") {
            std::fputs(kTestHelp, stdout);
            return 0;
        }
    auto engine = Engine::load_paths(args);
    if (!engine.ok()) {
        print_diagnostics(engine.diagnostics());
        return 2;
    }
    std::vector<Diagnostic> diags;
    auto files = testing::find_test_files(args, diags);
    auto report = testing::run_tests(*engine, files);
    print_diagnostics(diags);
    print_diagnostics(report.diagnostics);
    for (const auto& c : report.cases) {
        if (c.passed()) continue;
        std::printf("FAIL %s:%d: %s\n", c.file.c_str(), c.line, c.name.c_str());
        for (const auto& e : c.errors) std::printf("    error: %s\n", e.to_string().c_str());
        if (!c.mismatches.empty()) {
            std::printf("    %-40s %-28s %s\n", "what", "expected", "actual");
            for (const auto& m : c.mismatches)
                std::printf("    %-40s %-28s %s\n", m.what.c_str(), m.expected.c_str(), m.actual.c_str());
            const auto& d = c.determination;
            std::printf("    tier %s; rules fired:", d.tier.tier.c_str());
            for (const auto& m : d.tier.matched) std::printf(" %s", m.rule_id.c_str());
            for (const auto& f : d.flags)
                for (const auto& m : f.matched) std::printf(" %s(flag %s)", m.rule_id.c_str(), f.id.c_str());
            std::printf("\n    triggers due:");
            for (const auto& t : d.triggers) std::printf(" %s@%s", t.id.c_str(), time::format_date(t.due).c_str());
            std::printf("\n");
        }
    }
    std::vector<std::string> uncovered;
    for (const auto& item : report.all_items)
        if (!report.exercised.count(item)) uncovered.push_back(item);
    std::printf("coverage: %zu of %zu rules, programs and triggers exercised\n",
                report.all_items.size() - uncovered.size(), report.all_items.size());
    for (const auto& u : uncovered) std::printf("  not exercised: %s\n", u.c_str());
    std::printf("%zu passed, %zu failed\n", report.passed(), report.failed());
    if (!report.diagnostics.empty() || !diags.empty()) return 2;
    if (report.cases.empty()) {
        std::fprintf(stderr, "no test cases found\n");
        return 1;
    }
    return report.failed() ? 1 : 0;
}

}  // namespace carecoord::cli
