#include "util/suggest.hpp"

#include <algorithm>
#include <cctype>

namespace carecoord::util {

std::size_t edit_distance(std::string_view a, std::string_view b) {
    const std::size_t n = a.size(), m = b.size();
    // Three rows: the one before the previous is needed for transpositions.
    std::vector<std::size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
    for (std::size_t j = 0; j <= m; ++j) prev[j] = j;
    for (std::size_t i = 1; i <= n; ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= m; ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                cur[j] = std::min(cur[j], prev2[j - 2] + 1);
        }
        prev2.swap(prev);
        prev.swap(cur);
    }
    return prev[m];
}

namespace {

std::string folded(std::string_view s) {
    std::string out;
    for (char c : s)
        if (c != '_' && c != '-') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

std::vector<std::string> closest_names(std::string_view wrong, const std::vector<std::string>& candidates) {
    const std::size_t limit = std::max<std::size_t>(1, (wrong.size() + 2) / 3);
    const std::string wrong_folded = folded(wrong);
    std::vector<std::pair<std::size_t, std::size_t>> hits;  // (distance, index)
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        const std::string& c = candidates[i];
        if (c == wrong) continue;
        std::size_t d = folded(c) == wrong_folded ? 0 : edit_distance(wrong, c);
        if (d <= limit) hits.emplace_back(d, i);
    }
    std::stable_sort(hits.begin(), hits.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    std::vector<std::string> out;
    for (const auto& h : hits) {
        // Only the nearest and those nearly as near: `chronic_condtions` suggests
        // `chronic_conditions`, not also `snp_chronic_conditions` four edits further.
        if (h.first > hits.front().first + 1) break;
        const std::string& c = candidates[h.second];
        if (std::find(out.begin(), out.end(), c) != out.end()) continue;
        out.push_back(c);
        if (out.size() == 3) break;
    }
    return out;
}

std::string did_you_mean(std::string_view wrong, const std::vector<std::string>& candidates, std::string_view what,
                         std::size_t list_max) {
    std::vector<std::string> unique;
    for (const auto& c : candidates)
        if (std::find(unique.begin(), unique.end(), c) == unique.end()) unique.push_back(c);
    const std::vector<std::string> close = closest_names(wrong, unique);
    std::string text;
    if (!close.empty()) {
        text = "did you mean ";
        for (std::size_t i = 0; i < close.size(); ++i) {
            if (i > 0) text += i + 1 == close.size() ? " or " : ", ";
            text += "'" + close[i] + "'";
        }
        text += "?";
    }
    if (!unique.empty() && unique.size() <= list_max) {
        if (!text.empty()) text += " ";
        text += what.empty() ? "valid" : std::string(what);
        text += ": ";
        for (std::size_t i = 0; i < unique.size(); ++i) text += (i ? ", " : "") + unique[i];
    }
    return text.empty() ? text : " (" + text + ")";
}

}  // namespace carecoord::util
