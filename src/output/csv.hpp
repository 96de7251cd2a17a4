#pragma once
// The one CSV cell writer (RFC 4180), for every CSV carecoord writes.
#include <string>
#include <string_view>

namespace carecoord::output {

// `s` as one CSV cell. A cell holding a comma, a quote, a line break or a control character
// is quoted (quotes doubled). A cell starting with '=', '+', '-', '@', a tab or a carriage
// return is a formula to a spreadsheet (CSV injection, OWASP): it gets a leading apostrophe
// and is quoted, so that it is shown as text. Ids with control characters are refused at
// input (E0215); quoting here keeps any other text from cutting a row.
inline std::string csv_cell(std::string_view s) {
    const bool formula = !s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r');
    bool quote = formula;
    for (unsigned char c : s)
        if (c == ',' || c == '"' || c < 0x20 || c == 0x7f) quote = true;
    if (!quote) return std::string(s);
    std::string out = "\"";
    if (formula) out += '\'';
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

}  // namespace carecoord::output
