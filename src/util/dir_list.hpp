#pragma once
// Directory listing without std::filesystem's iterators. libstdc++ builds each
// directory_entry inside noexcept functions, so a refused allocation there is
// std::terminate, not std::bad_alloc: the C interface could not report it as
// CARECOORD_ERR_NOMEM. Here every allocation happens in ordinary code and std::bad_alloc
// reaches the caller.
#include <string>
#include <vector>

namespace carecoord::util {

enum class EntryType { regular, directory, other };

struct DirEntry {
    std::string path;       // directory + "/" + name
    std::string name;       // the entry's name
    EntryType type;         // of what a symbolic link points to (other when it dangles)
    bool symlink = false;   // the entry itself is a symbolic link
};

// The entries of `directory` (without "." and ".."), sorted by name. False, with `out`
// empty, when the directory cannot be opened or read.
bool list_directory(const std::string& directory, std::vector<DirEntry>& out);

// The regular files under `directory` whose names end with one of `extensions`, sorted,
// descending into subdirectories (not into symbolic links to directories, and not into
// subdirectories that cannot be opened). False when `directory` itself cannot be read.
// `linked_dirs`, when given, receives the symbolic links to directories that were not
// followed (so that one leading out of the tree can be reported).
bool list_files_recursive(const std::string& directory, const std::vector<std::string>& extensions,
                          std::vector<std::string>& out, std::vector<std::string>* linked_dirs = nullptr);

}  // namespace carecoord::util
