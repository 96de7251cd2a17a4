#include <cstdio>
#include <iostream>
#include <string>

#include "carecoord/version.hpp"
#include "cli/cli.hpp"

namespace {

const char* kUsage = R"(carecoord - care-management rules: tiers, program eligibility, follow-up triggers

Usage: carecoord COMMAND [OPTIONS]

Commands:
  check PATH...                          load and check rulesets; report every error
  test PATH...                           run the ruleset test cases (kind: tests files)
  eval --rules PATH --as-of DATE [INPUT...]   evaluate patients, write determinations
  explain --rules PATH --as-of DATE PATIENT   a readable account of one determination
  diff --from PATH --to PATH --as-of DATE POPULATION
                                         impact of a ruleset change over a population:
                                         tier transitions, programs gained and lost
  plan start|allowed|apply|replay ...    the care-plan workflow: start a plan, the events
                                         allowed in a state, apply or replay an event log

Options:
  --version    print the engine version and the ruleset schema versions it accepts
  --help       this text; `carecoord COMMAND --help` for a command's options
)";

}  // namespace

namespace {

// Every command's exit: what it wrote to stdout must have reached it (a full disk or a
// closed pipe is an error, exit status 2, never a silent success).
int finish(int status) { return carecoord::cli::close_output(stdout, "standard output") ? status : 2; }

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    const std::string cmd = args.front();
    args.erase(args.begin());
    try {
        if (cmd == "--help" || cmd == "-h" || cmd == "help") {
            std::fputs(kUsage, stdout);
            return finish(0);
        }
        if (cmd == "--version") {
            std::printf("carecoord %s (ruleset schema versions %d-%d)\n", CARECOORD_VERSION_STRING,
                        CARECOORD_SCHEMA_VERSION_MIN, CARECOORD_SCHEMA_VERSION_MAX);
            return finish(0);
        }
        if (cmd == "check") return finish(carecoord::cli::cmd_check(args));
        if (cmd == "test") return finish(carecoord::cli::cmd_test(args));
        if (cmd == "eval") return finish(carecoord::cli::cmd_eval(args));
        if (cmd == "explain") return finish(carecoord::cli::cmd_explain(args));
        if (cmd == "diff") return finish(carecoord::cli::cmd_diff(args));
        if (cmd == "plan") return finish(carecoord::cli::cmd_plan(args));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "carecoord: %s\n", e.what());
        return 2;
    }
    std::fprintf(stderr, "carecoord: unknown command '%s'\n\n%s", cmd.c_str(), kUsage);
    return 2;
}
