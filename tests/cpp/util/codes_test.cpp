// The code list (src/util/codes.hpp) against docs/errors.md and the sources: every code in
// the header is listed exactly once in the documentation with the same meaning, no code is
// in the header twice, and every code a source file spells out is in the header.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>

#include "util/codes.hpp"

namespace fs = std::filesystem;

namespace {

std::string read_all(const fs::path& p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// docs/errors.md: "| E0203 | meaning |" rows, code -> meanings (more than one: listed twice).
std::map<std::string, std::vector<std::string>> documented_codes() {
    std::map<std::string, std::vector<std::string>> out;
    std::ifstream in(fs::path(CARECOORD_SOURCE_DIR) / "docs" / "errors.md");
    std::string line;
    static const std::regex row(R"(^\| ([EW][0-9]{4}) \| (.*) \|$)");
    std::smatch m;
    while (std::getline(in, line))
        if (std::regex_match(line, m, row)) out[m[1]].push_back(m[2]);
    return out;
}

}  // namespace

TEST_CASE("codes: each code of the header is one row of docs/errors.md, no code is defined twice") {
    auto docs = documented_codes();
    REQUIRE(docs.size() > 60);  // the table was found and read
    std::set<std::string_view> seen_codes, seen_names;
    for (const auto& c : carecoord::codes::all()) {
        CAPTURE(c.code);
        CHECK(seen_codes.insert(c.code).second);
        CHECK(seen_names.insert(c.name).second);
        auto it = docs.find(std::string(c.code));
        REQUIRE(it != docs.end());
        REQUIRE(it->second.size() == 1);
        // The documentation may add a link or detail after the header's one line.
        CHECK(it->second[0].rfind(std::string(c.meaning), 0) == 0);
    }
    for (const auto& [code, meanings] : docs) {
        CAPTURE(code);
        CHECK(seen_codes.count(code) == 1);
    }
}

TEST_CASE("codes: every code spelled out in src/ and capi/ is in the header") {
    std::set<std::string> header;
    for (const auto& c : carecoord::codes::all()) header.insert(std::string(c.code));
    static const std::regex literal("\"([EW][0-9]{4})\"");
    std::size_t files = 0;
    for (const char* dir : {"src", "capi"}) {
        for (const auto& e : fs::recursive_directory_iterator(fs::path(CARECOORD_SOURCE_DIR) / dir)) {
            if (!e.is_regular_file()) continue;
            auto ext = e.path().extension();
            if (ext != ".cpp" && ext != ".hpp") continue;
            ++files;
            std::string text = read_all(e.path());
            for (std::sregex_iterator it(text.begin(), text.end(), literal), end; it != end; ++it) {
                CAPTURE(e.path().string());
                CHECK_MESSAGE(header.count((*it)[1]) == 1, (*it)[1]);
            }
        }
    }
    CHECK(files > 40);
}
