#pragma once
// Where a path written inside a document (`include:` in a ruleset, `patient_file:` in a tests
// file) may lead: into the tree being loaded, or into an extra root the caller allowed
// (EngineOptions::include_roots, --include-root). Everything is decided before the file is
// opened, from the path's text and the symbolic links on its way, so that a refusal reads the
// same whether the file exists or not (no existence oracle) and never holds file content.
//
// The tree of a file is the parent of the directory it lies in (rulesets/<name>/x.yaml:
// rulesets/), so that the shipped layout, rulesets/<name>/ including ../common/, loads; when
// that parent would be the file-system root, the tree is the file's own directory.
// docs/ruleset-language.md#includes-and-the-tree.
#include <filesystem>
#include <string>
#include <vector>

namespace carecoord::util {

struct Confinement {
    // Each allowed root twice: as written (absolute, lexically normal) and resolved
    // (canonical). A path must lie under one in both forms.
    std::vector<std::filesystem::path> lexical;
    std::vector<std::filesystem::path> resolved;

    void add_root(const std::filesystem::path& root);
    bool empty() const { return lexical.empty(); }
};

// The tree of `file` (see above) and the extra roots.
Confinement confinement_of_file(const std::string& file, const std::vector<std::string>& extra_roots);
// `directory` itself and the extra roots (for the entries of a directory being listed).
Confinement confinement_of_directory(const std::string& directory, const std::vector<std::string>& extra_roots);

struct ConfineCheck {
    const char* code = nullptr;   // null: allowed
    std::string message;          // fixed words only: never the path's target nor content
    std::filesystem::path path;   // allowed: what to open (resolved); the written form is for names
};

// `written` as found in a document in `base_dir`.
ConfineCheck confine(const Confinement& c, const std::string& base_dir, const std::string& written);

// A path found by listing a loaded directory (it may be a symbolic link): allowed or not.
ConfineCheck confine_listed(const Confinement& c, const std::string& path);

}  // namespace carecoord::util
