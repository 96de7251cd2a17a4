#pragma once
// Checks on text from outside (patient documents, the C builder, FHIR resources) shared by
// every input format, so that all of them accept and refuse the same strings.
#include <cstddef>
#include <string_view>

namespace carecoord::util {

// Without a UTF-8 byte order mark (EF BB BF) at the start. Editors on Windows write one at
// the start of a file; JSON (RFC 8259 section 8.1) lets a parser ignore it, and YAML
// already does: every JSON entry point (a patient, a FHIR Bundle, each NDJSON line) strips it.
inline std::string_view strip_bom(std::string_view s) {
    return s.size() >= 3 && s[0] == '\xEF' && s[1] == '\xBB' && s[2] == '\xBF' ? s.substr(3) : s;
}

// A C0 control character (U+0000-U+001F) or DEL (U+007F). In an id such a character cuts or
// splits a CSV row and a NUL truncates the id at the C interface, so two ids would collide.
inline bool has_control_char(std::string_view s) {
    for (unsigned char c : s)
        if (c < 0x20 || c == 0x7f) return true;
    return false;
}

// Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates (U+D800-U+DFFF), nothing
// above U+10FFFF.
inline bool is_valid_utf8(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    std::size_t i = 0;
    while (i < n) {
        const unsigned char c = p[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len;
        unsigned char lo = 0x80, hi = 0xbf;  // the allowed range of the second byte
        if (c >= 0xc2 && c <= 0xdf) len = 2;
        else if (c == 0xe0) len = 3, lo = 0xa0;
        else if (c >= 0xe1 && c <= 0xec) len = 3;
        else if (c == 0xed) len = 3, hi = 0x9f;
        else if (c >= 0xee && c <= 0xef) len = 3;
        else if (c == 0xf0) len = 4, lo = 0x90;
        else if (c >= 0xf1 && c <= 0xf3) len = 4;
        else if (c == 0xf4) len = 4, hi = 0x8f;
        else return false;
        if (n - i < len) return false;
        if (p[i + 1] < lo || p[i + 1] > hi) return false;
        for (std::size_t k = 2; k < len; ++k)
            if (p[i + k] < 0x80 || p[i + k] > 0xbf) return false;
        i += len;
    }
    return true;
}

}  // namespace carecoord::util
