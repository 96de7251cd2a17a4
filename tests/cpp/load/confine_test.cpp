// Issue 15, security: `include:` (rulesets) and `patient_file:` (tests files) are confined to
// the tree being loaded, the parent of the naming file's directory (util/confine.hpp,
// docs/ruleset-language.md#includes-and-the-tree). An absolute path (E0350), a `..` out of
// the tree (E0351) and a symbolic link out of it (E0352) are refused before anything is
// opened: the message is the same whether the target exists or not, and never holds its
// content. EngineOptions::include_roots widens the tree.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "carecoord/carecoord.hpp"
#include "testing/case_runner.hpp"

namespace fs = std::filesystem;
using namespace carecoord;

namespace {

// A secret that must never show in a message: the first bytes of a file outside the tree.
const char* kSecret = "SECRET-0123: root:x:0:0";

const char* kLibrary = "schema_version: 1\nkind: library\nlibrary: shared\nparameters: {threshold: 2}\n";

// root/
//   tree/rules/        the directory loaded (its files' tree is tree/)
//   tree/common/lib.yaml
//   outside/lib.yaml   a valid library outside the tree
//   outside/secret.txt
struct Layout {
    fs::path root;
    Layout() {
        root = fs::temp_directory_path() / ("carecoord-confine-test-" + std::to_string(::getpid()));
        fs::remove_all(root);
        fs::create_directories(root / "tree" / "rules");
        fs::create_directories(root / "tree" / "common");
        fs::create_directories(root / "outside");
        write("tree/common/lib.yaml", kLibrary);
        write("outside/lib.yaml", std::string("# ") + kSecret + "\n" + kLibrary);
        write("outside/secret.txt", std::string(kSecret) + "\n");
    }
    ~Layout() { fs::remove_all(root); }
    void write(const std::string& name, const std::string& text) const {
        fs::create_directories((root / name).parent_path());
        std::ofstream(root / name) << text;
    }
    std::string ruleset_including(const std::string& include) const {
        return "schema_version: 1\nruleset: r\nversion: 1.0.0\neffective: {from: 2024-01-01}\n"
               "include: ['" + include + "']\n"
               "programs:\n  - {id: p, when: 'threshold > 1', reason: x}\n";
    }
    // Loads tree/rules/r.yaml including `include`.
    Result<Engine> load(const std::string& include, const EngineOptions& o = {}) const {
        write("tree/rules/r.yaml", ruleset_including(include));
        return Engine::load_path((root / "tree" / "rules" / "r.yaml").string(), o);
    }
};

void no_content(const Diagnostic& d) {
    CAPTURE(d.to_string());
    CHECK(d.message.find("SECRET") == std::string::npos);
    CHECK(d.message.find("root:x") == std::string::npos);
}

// The refusal of the include (the ruleset's use of the library's parameter then fails too,
// as an unknown name: a follow-on, not about the file).
Diagnostic only(const Result<Engine>& r) {
    REQUIRE_FALSE(r.ok());
    for (const auto& d : r.diagnostics()) no_content(d);
    std::vector<Diagnostic> refusals;
    for (const auto& d : r.diagnostics())
        if (d.code.rfind("E035", 0) == 0 || d.code == "E0307") refusals.push_back(d);
    REQUIRE(refusals.size() == 1);
    return refusals.front();
}

}  // namespace

TEST_CASE("confine: an include inside the tree loads, the shipped layout ../common/ included") {
    Layout l;
    auto r = l.load("../common/lib.yaml");
    INFO(std::string(r.ok() ? "" : r.diagnostics().front().to_string()));
    CHECK(r.ok());
    // The shipped rulesets, loaded one directory at a time and one file at a time.
    for (const char* p : {"rulesets", "rulesets/programs", "rulesets/intensity/intensity-v2.yaml"}) {
        CAPTURE(p);
        auto shipped = Engine::load_path(std::string(CARECOORD_SOURCE_DIR) + "/" + p);
        CHECK(shipped.ok());
    }
}

TEST_CASE("confine: an absolute include is refused (E0350), whether the file exists or not") {
    Layout l;
    auto existing = l.load((l.root / "outside" / "lib.yaml").string());
    const Diagnostic a = only(existing);
    CHECK(a.code == "E0350");
    CHECK(a.line == 5);
    no_content(a);
    auto missing = only(l.load((l.root / "outside" / "missing.yaml").string()));
    CHECK(missing.code == a.code);
    CHECK(missing.message == a.message);
    CHECK(only(l.load("/etc/passwd")).code == "E0350");
}

TEST_CASE("confine: a .. out of the tree is refused (E0351), with one message for an existing and a missing file") {
    Layout l;
    const Diagnostic lib = only(l.load("../../outside/lib.yaml"));
    CHECK(lib.code == "E0351");
    no_content(lib);
    const Diagnostic secret = only(l.load("../../outside/secret.txt"));
    const Diagnostic missing = only(l.load("../../outside/missing.yaml"));
    for (const auto* d : {&secret, &missing}) {
        CHECK(d->code == lib.code);
        CHECK(d->message == lib.message);
        CHECK(d->line == lib.line);
        CHECK(d->column == lib.column);
        no_content(*d);
    }
    // A path that goes out and comes back stays inside: lexically normal, it is in the tree.
    CHECK(l.load("../../tree/common/lib.yaml").ok());
}

TEST_CASE("confine: a symbolic link out of the tree is refused (E0352), file or directory, existing or dangling") {
    Layout l;
    fs::create_symlink(l.root / "outside" / "lib.yaml", l.root / "tree" / "rules" / "link.yaml");
    fs::create_symlink(l.root / "outside", l.root / "tree" / "common" / "linkdir");
    fs::create_symlink(l.root / "outside" / "missing.yaml", l.root / "tree" / "rules" / "dangling.yaml");
    const Diagnostic file = only(l.load("link.yaml"));
    CHECK(file.code == "E0352");
    no_content(file);
    const Diagnostic dir = only(l.load("../common/linkdir/lib.yaml"));
    const Diagnostic dir_missing = only(l.load("../common/linkdir/missing.yaml"));
    const Diagnostic dangling = only(l.load("dangling.yaml"));
    for (const auto* d : {&dir, &dir_missing, &dangling}) {
        CHECK(d->code == "E0352");
        CHECK(d->message == file.message);
        no_content(*d);
    }
    // A link that stays inside the tree is followed.
    fs::create_symlink(l.root / "tree" / "common" / "lib.yaml", l.root / "tree" / "rules" / "inside.yaml");
    CHECK(l.load("inside.yaml").ok());
}

TEST_CASE("confine: an entry of a loaded directory that links out of it is refused (E0352), not read") {
    Layout l;
    l.write("tree/rules/r.yaml", l.ruleset_including("../common/lib.yaml"));
    fs::create_symlink(l.root / "outside" / "lib.yaml", l.root / "tree" / "rules" / "out.yaml");
    fs::create_symlink(l.root / "outside", l.root / "tree" / "rules" / "outdir");
    auto r = Engine::load_directory((l.root / "tree" / "rules").string());
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.diagnostics().size() == 2);
    for (const auto& d : r.diagnostics()) {
        CHECK(d.code == "E0352");
        no_content(d);
    }
    CHECK(r.diagnostics()[0].file.find("out.yaml") != std::string::npos);
    CHECK(r.diagnostics()[1].file.find("outdir") != std::string::npos);
    // Allowed by include_roots: the file is read (and found to be a library, not a ruleset).
    EngineOptions o;
    o.include_roots = {(l.root / "outside").string()};
    auto widened = Engine::load_directory((l.root / "tree" / "rules").string(), o);
    INFO(std::string(widened.ok() ? "" : widened.diagnostics().front().to_string()));
    CHECK(widened.ok());
}

TEST_CASE("confine: include_roots widens the tree, and only by the roots given") {
    Layout l;
    EngineOptions o;
    o.include_roots = {(l.root / "outside").string()};
    auto r = l.load("../../outside/lib.yaml", o);
    INFO(std::string(r.ok() ? "" : r.diagnostics().front().to_string()));
    CHECK(r.ok());
    fs::create_symlink(l.root / "outside" / "lib.yaml", l.root / "tree" / "rules" / "link.yaml");
    CHECK(l.load("link.yaml", o).ok());
    // Still refused: an absolute path (even into a root), and what lies outside every root.
    CHECK(only(l.load((l.root / "outside" / "lib.yaml").string(), o)).code == "E0350");
    l.write("elsewhere/lib.yaml", kLibrary);
    CHECK(only(l.load("../../elsewhere/lib.yaml", o)).code == "E0351");
}

TEST_CASE("confine: a tests file's patient_file is confined like an include") {
    Layout l;
    l.write("tree/rules/r.yaml", l.ruleset_including("../common/lib.yaml"));
    const std::string patient = "id: p1\nbirth_date: 1950-01-01\n";
    l.write("tree/common/p.yaml", patient);
    l.write("outside/p.yaml", std::string("# ") + kSecret + "\n" + patient);
    fs::create_symlink(l.root / "outside" / "p.yaml", l.root / "tree" / "rules" / "plink.yaml");
    auto tests = [&](const std::string& patient_file) {
        return "schema_version: 1\nkind: tests\ncases:\n  - name: c\n    as_of: 2026-01-01\n    patient_file: '" +
               patient_file + "'\n    expect: {programs: {p: eligible}}\n";
    };
    auto engine = Engine::load_path((l.root / "tree" / "rules" / "r.yaml").string());
    REQUIRE(engine.ok());
    auto run = [&](const std::string& patient_file, const std::vector<std::string>& roots = {}) {
        l.write("tree/rules/tests.yaml", tests(patient_file));
        auto report = carecoord::testing::run_tests(*engine, {(l.root / "tree" / "rules" / "tests.yaml").string()}, roots);
        REQUIRE(report.cases.size() == 1);
        return report.cases.front();
    };
    auto first_error = [](const carecoord::testing::CaseResult& c) {
        REQUIRE(c.errors.size() == 1);
        no_content(c.errors.front());
        return c.errors.front();
    };
    CHECK(run("../common/p.yaml").passed());
    CHECK(first_error(run((l.root / "outside" / "p.yaml").string())).code == "E0350");
    const Diagnostic out = first_error(run("../../outside/p.yaml"));
    CHECK(out.code == "E0351");
    CHECK(out.line == 6);
    const Diagnostic out_missing = first_error(run("../../outside/missing.yaml"));
    CHECK(out_missing.code == out.code);
    CHECK(out_missing.message == out.message);
    CHECK(first_error(run("plink.yaml")).code == "E0352");
    CHECK(run("../../outside/p.yaml", {(l.root / "outside").string()}).passed());
}
