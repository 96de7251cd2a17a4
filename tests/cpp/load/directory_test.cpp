// Loading a directory: test files are skipped without being compiled, however they are
// written, and a library shared by several rulesets is read once but serves each of them.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "carecoord/carecoord.hpp"

namespace fs = std::filesystem;
using namespace carecoord;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() / ("carecoord-dir-test-" + std::to_string(::getpid()));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
    void write(const std::string& name, const std::string& text) const {
        fs::create_directories((path / name).parent_path());
        std::ofstream(path / name) << text;
    }
};

const char* kLibrary = "schema_version: 1\nkind: library\nlibrary: shared\nparameters: {threshold: 2}\n";

std::string ruleset(const std::string& id) {
    return "schema_version: 1\nruleset: " + id + "\nversion: 1.0.0\neffective: {from: 2024-01-01}\n"
           "include: [lib.yaml]\nfacts:\n  n: count(conditions)\n"
           "programs:\n  - {id: p_" + id + ", when: 'n >= threshold', reason: x}\n";
}

}  // namespace

TEST_CASE("directory: tests files are skipped in block and in flow style") {
    TempDir dir;
    dir.write("lib.yaml", kLibrary);
    dir.write("a.yaml", ruleset("a"));
    // Neither of these is a ruleset; both would fail to compile as one.
    dir.write("tests-block.yaml", "schema_version: 1\nkind: tests  # cases below\ncases: []\n");
    dir.write("tests-flow.yaml", "{schema_version: 1, kind: tests, cases: []}\n");
    auto e = Engine::load_directory(dir.path.string());
    REQUIRE(e.ok());
    CHECK(e->rulesets().size() == 1);
}

TEST_CASE("directory: one library included by two rulesets serves both") {
    TempDir dir;
    dir.write("lib.yaml", kLibrary);
    dir.write("a.yaml", ruleset("a"));
    dir.write("b.yaml", ruleset("b"));
    auto e = Engine::load_directory(dir.path.string());
    REQUIRE(e.ok());
    REQUIRE(e->rulesets().size() == 2);
    // Both rulesets' hashes cover the library's text, so they differ only by their own text.
    CHECK(e->rulesets()[0].sha256 != e->rulesets()[1].sha256);
    Patient p;
    p.id = "x";
    p.birth_date = std::chrono::sys_days{std::chrono::year{1950} / 1 / 1};
    p.conditions.resize(2);
    for (auto& c : p.conditions) c.code = "I10";
    auto d = e->evaluate(p, std::chrono::sys_days{std::chrono::year{2026} / 1 / 1});
    REQUIRE(d.ok());
    REQUIRE(d->programs.size() == 2);
    // threshold 2 from the shared library: 2 conditions are enough in both rulesets.
    for (const auto& prog : d->programs) CHECK(prog.status == Eligibility::eligible);
}

TEST_CASE("directory: a ruleset id with no version in force is named in the determination") {
    TempDir dir;
    dir.write("lib.yaml", kLibrary);
    dir.write("a.yaml", ruleset("a"));
    std::string later = ruleset("b");
    later.replace(later.find("from: 2024-01-01"), 16, "from: 2026-01-01");
    dir.write("b.yaml", later);
    auto e = Engine::load_directory(dir.path.string());
    REQUIRE(e.ok());
    Patient p;
    p.id = "x";
    p.birth_date = std::chrono::sys_days{std::chrono::year{1950} / 1 / 1};
    // The day before b takes effect: only a is used, and b is named as not in force.
    auto before = e->evaluate(p, std::chrono::sys_days{std::chrono::year{2025} / 12 / 31});
    REQUIRE(before.ok());
    REQUIRE(before->rulesets.size() == 1);
    CHECK(before->rulesets[0].id == "a");
    CHECK(before->rulesets_not_in_force == std::vector<std::string>{"b"});
    CHECK(to_json(*before).find("\"rulesets_not_in_force\":[\"b\"]") != std::string::npos);
    // The day it takes effect: both are used.
    auto on = e->evaluate(p, std::chrono::sys_days{std::chrono::year{2026} / 1 / 1});
    REQUIRE(on.ok());
    CHECK(on->rulesets.size() == 2);
    CHECK(on->rulesets_not_in_force.empty());
}
