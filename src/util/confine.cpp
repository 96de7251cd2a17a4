#include "util/confine.hpp"

#include <sys/stat.h>

#include "util/codes.hpp"

namespace carecoord::util {

namespace fs = std::filesystem;

namespace {

// Absolute and lexically normal, without a trailing separator ("/a/b/" -> "/a/b").
fs::path lexical_form(const fs::path& p) {
    std::error_code ec;
    fs::path a = fs::absolute(p, ec);
    if (ec) a = p;
    a = a.lexically_normal();
    if (!a.has_filename() && a != a.root_path()) a = a.parent_path();
    return a;
}

fs::path resolved_form(const fs::path& p, std::error_code& ec) {
    fs::path r = fs::weakly_canonical(p, ec);
    if (!ec && !r.has_filename() && r != r.root_path()) r = r.parent_path();
    return r;
}

bool under(const fs::path& p, const fs::path& root) {
    const fs::path rel = p.lexically_relative(root);
    return !rel.empty() && *rel.begin() != "..";
}

bool under_any(const fs::path& p, const std::vector<fs::path>& roots) {
    for (const auto& r : roots)
        if (under(p, r)) return true;
    return false;
}

// weakly_canonical resolves the part of the path that exists and appends the rest as
// written; a symbolic link that does not resolve (dangling, or a loop) ends the existing
// part. Such a link could point anywhere, and "refused" for an outside target that exists
// but "cannot be read" for one that does not would tell which: refuse it the same way.
bool has_unresolved_link(const fs::path& resolved) {
    fs::path prefix;
    for (const auto& part : resolved) {
        prefix /= part;
        struct stat st {};
        if (::lstat(prefix.c_str(), &st) != 0) return false;  // the rest does not exist
        if (S_ISLNK(st.st_mode)) return true;                  // canonical would have resolved it
    }
    return false;
}

const char* const kOutsideByLink =
    "a symbolic link on the path leads outside the tree being loaded, or does not resolve "
    "(include_roots / --include-root widens the tree)";

ConfineCheck refuse(const char* code, const char* message) {
    ConfineCheck c;
    c.code = code;
    c.message = message;
    return c;
}

// The second half of every check: where the links on the (lexically allowed) path lead.
ConfineCheck confine_resolved(const Confinement& c, const fs::path& lexical) {
    std::error_code ec;
    const fs::path resolved = resolved_form(lexical, ec);
    if (ec || has_unresolved_link(resolved) || !under_any(resolved, c.resolved))
        return refuse(codes::path_link_leaves_tree, kOutsideByLink);
    ConfineCheck ok;
    ok.path = resolved;
    return ok;
}

}  // namespace

void Confinement::add_root(const fs::path& root) {
    lexical.push_back(lexical_form(root));
    std::error_code ec;
    fs::path r = resolved_form(root, ec);
    resolved.push_back(ec ? lexical.back() : r);
}

Confinement confinement_of_file(const std::string& file, const std::vector<std::string>& extra_roots) {
    Confinement c;
    fs::path dir = lexical_form(fs::path(file).parent_path().empty() ? fs::path(".") : fs::path(file).parent_path());
    fs::path tree = dir.parent_path();
    // Both forms step up from their own directory: the resolved tree is the parent of the
    // resolved directory (a directory reached through a link has its parent where it lies).
    std::error_code ec;
    fs::path rdir = resolved_form(dir, ec);
    if (ec) rdir = dir;
    fs::path rtree = rdir.parent_path();
    if (tree == tree.root_path() || tree.empty()) tree = dir;
    if (rtree == rtree.root_path() || rtree.empty()) rtree = rdir;
    c.lexical.push_back(tree);
    c.resolved.push_back(rtree);
    for (const auto& r : extra_roots) c.add_root(r);
    return c;
}

Confinement confinement_of_directory(const std::string& directory, const std::vector<std::string>& extra_roots) {
    Confinement c;
    c.add_root(directory);
    for (const auto& r : extra_roots) c.add_root(r);
    return c;
}

ConfineCheck confine(const Confinement& c, const std::string& base_dir, const std::string& written) {
    const fs::path w(written);
    if (w.is_absolute() || w.has_root_name() || w.has_root_directory())
        return refuse(codes::path_absolute,
                      "an absolute path is not allowed: write it relative to the file "
                      "(include_roots / --include-root widens the tree)");
    const fs::path lexical = lexical_form(fs::path(base_dir.empty() ? "." : base_dir) / w);
    if (!under_any(lexical, c.lexical))
        return refuse(codes::path_leaves_tree,
                      "the path leaves the tree being loaded (the parent of the loaded file's directory; "
                      "include_roots / --include-root widens it)");
    return confine_resolved(c, lexical);
}

ConfineCheck confine_listed(const Confinement& c, const std::string& path) {
    return confine_resolved(c, lexical_form(path));
}

}  // namespace carecoord::util
