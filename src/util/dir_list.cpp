#include "util/dir_list.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

namespace carecoord::util {

namespace {

struct DirCloser {
    DIR* d;
    ~DirCloser() {
        if (d) closedir(d);
    }
};

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool walk(const std::string& directory, const std::vector<std::string>& extensions, std::vector<std::string>& out,
          std::vector<std::string>* linked_dirs, int depth) {
    std::vector<DirEntry> entries;
    if (!list_directory(directory, entries)) return false;
    for (const auto& e : entries) {
        if (e.type == EntryType::directory) {
            // Like std::filesystem's default: symbolic links to directories are not followed
            // (no cycles), unreadable subdirectories are skipped; and a bound on depth.
            if (e.symlink) {
                if (linked_dirs) linked_dirs->push_back(e.path);
            } else if (depth < 64) {
                walk(e.path, extensions, out, linked_dirs, depth + 1);
            }
        } else if (e.type == EntryType::regular) {
            for (const auto& ext : extensions)
                if (ends_with(e.name, ext)) {
                    out.push_back(e.path);
                    break;
                }
        }
    }
    return true;
}

}  // namespace

bool list_directory(const std::string& directory, std::vector<DirEntry>& out) {
    out.clear();
    DirCloser dir{opendir(directory.c_str())};
    if (!dir.d) return false;
    const std::string prefix = directory.empty() || directory.back() == '/' ? directory : directory + "/";
    for (;;) {
        errno = 0;
        const dirent* ent = readdir(dir.d);
        if (!ent) {
            if (errno != 0) {
                out.clear();
                return false;
            }
            break;
        }
        const std::string name = ent->d_name;
        if (name == "." || name == "..") continue;
        DirEntry e;
        e.name = name;
        e.path = prefix + name;
        struct stat st {};
        struct stat lst {};
        e.symlink = lstat(e.path.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode);
        if (stat(e.path.c_str(), &st) != 0) e.type = EntryType::other;
        else if (S_ISREG(st.st_mode)) e.type = EntryType::regular;
        else if (S_ISDIR(st.st_mode)) e.type = EntryType::directory;
        else e.type = EntryType::other;
        out.push_back(std::move(e));
    }
    std::sort(out.begin(), out.end(), [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
    return true;
}

bool list_files_recursive(const std::string& directory, const std::vector<std::string>& extensions,
                          std::vector<std::string>& out, std::vector<std::string>* linked_dirs) {
    out.clear();
    if (linked_dirs) linked_dirs->clear();
    if (!walk(directory, extensions, out, linked_dirs, 0)) return false;
    std::sort(out.begin(), out.end());
    return true;
}

}  // namespace carecoord::util
