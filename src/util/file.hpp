#pragma once
// An owned C stdio stream, closed when it goes out of scope (for reading: a close of a file
// that was only read cannot lose data). A deleter type, not `&std::fclose`: a call through a
// function pointer is what UBSan's -fsanitize=function checks, and a C program linking the
// library does not bring the runtime for that check.
#include <cstdio>
#include <memory>

namespace carecoord::util {

struct FileCloser {
    void operator()(std::FILE* f) const {
        if (f) std::fclose(f);
    }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

}  // namespace carecoord::util
