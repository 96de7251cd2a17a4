#include "rules/valueset.hpp"

#include <algorithm>
#include <cctype>

namespace carecoord::rules {

bool ValueSetTable::is_hierarchical(std::string_view system) { return system == "icd10cm" || system == "icd10"; }

std::string ValueSetTable::normalize_icd(std::string_view code) {
    std::string out;
    out.reserve(code.size());
    for (char c : code) {
        if (c == '.' || c == ' ') continue;
        out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
}

int ValueSetTable::add_value_set(std::string name, std::vector<std::string> categories) {
    ValueSetInfo info;
    info.name = std::move(name);
    info.categories = std::move(categories);
    std::size_t n = info.categories.empty() ? 1 : info.categories.size();
    for (std::size_t i = 0; i < n; ++i) info.include_slots.push_back(slots_++);
    info.exclude_slot = slots_++;
    sets_.push_back(std::move(info));
    return static_cast<int>(sets_.size() - 1);
}

int ValueSetTable::find(std::string_view name) const {
    for (std::size_t i = 0; i < sets_.size(); ++i)
        if (sets_[i].name == name) return static_cast<int>(i);
    return -1;
}

ValueSetTable::System& ValueSetTable::system(std::string_view name) {
    for (auto& s : systems_)
        if (s.name == name) return s;
    systems_.push_back(System{std::string(name), {}, {}, {}});
    return systems_.back();
}

const ValueSetTable::System* ValueSetTable::find_system(std::string_view name) const {
    for (const auto& s : systems_)
        if (s.name == name) return &s;
    return nullptr;
}

std::optional<std::string> ValueSetTable::add_entry(std::uint32_t slot, std::string_view system,
                                                    std::string_view entry) {
    if (entry.empty()) return "an empty code";
    if (!is_hierarchical(system)) {
        this->system(system).exact[std::string(entry)].push_back(slot);
        return std::nullopt;
    }
    std::vector<std::pair<std::string, std::string>> ranges;
    if (auto err = hierarchical_ranges(entry, ranges)) return err;
    auto& h = this->system(system).hierarchical;
    for (auto& [lo, hi] : ranges) {
        std::size_t len = lo.size();
        if (len > kMaxKey) return "longer than any ICD-10-CM code (at most 7 characters without the dot)";
        if (h.by_length.size() <= len) h.by_length.resize(len + 1);
        h.by_length[len].push_back(Range{pack(lo), pack(hi), slot});
    }
    return std::nullopt;
}

std::optional<std::string> ValueSetTable::hierarchical_ranges(std::string_view entry,
                                                              std::vector<std::pair<std::string, std::string>>& out) {
    if (entry.empty()) return "an empty code";
    auto valid = [](const std::string& s) {
        return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c));
        });
    };
    if (auto dash = entry.find('-'); dash != std::string_view::npos) {
        std::string lo = normalize_icd(entry.substr(0, dash));
        std::string hi = normalize_icd(entry.substr(dash + 1));
        if (!valid(lo) || !valid(hi)) return "a range needs a code on each side of '-'";
        if (lo.size() != hi.size()) return "the two ends of a range must have the same length";
        if (hi < lo) return "a range's first code is after its last";
        out.emplace_back(std::move(lo), std::move(hi));
        return std::nullopt;
    }
    // Wildcards: a lower-case 'x' stands for any one character (ICD-10-CM codes are upper case).
    std::string pattern;
    for (char c : entry)
        if (c != '.' && c != ' ') pattern += (c == 'x') ? 'x' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (pattern.empty()) return "an empty code";
    std::size_t wild = static_cast<std::size_t>(std::count(pattern.begin(), pattern.end(), 'x'));
    if (wild > 2) return "at most two 'x' wildcards in one entry";
    std::vector<std::string> expanded{pattern};
    static constexpr std::string_view alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    for (std::size_t pos = 0; pos < pattern.size(); ++pos) {
        if (pattern[pos] != 'x') continue;
        std::vector<std::string> next;
        for (const auto& p : expanded)
            for (char c : alphabet) {
                std::string q = p;
                q[pos] = c;
                next.push_back(std::move(q));
            }
        expanded = std::move(next);
    }
    for (auto& p : expanded) {
        if (!valid(p)) return "a code may hold only letters, digits and '.'";
        out.emplace_back(p, p);
    }
    return std::nullopt;
}

void ValueSetTable::finish() {
    for (auto& sys : systems_) {
        auto& h = sys.hierarchical;
        h.max_hi.assign(h.by_length.size(), {});
        for (std::size_t len = 0; len < h.by_length.size(); ++len) {
            auto& v = h.by_length[len];
            std::sort(v.begin(), v.end(), [](const Range& a, const Range& b) { return a.lo < b.lo; });
            std::uint64_t running = 0;
            for (const auto& r : v) {
                if (r.hi > running) running = r.hi;
                h.max_hi[len].push_back(running);
            }
        }
    }
}

std::uint64_t ValueSetTable::pack(std::string_view s) {
    std::uint64_t k = 0;
    for (std::size_t i = 0; i < kMaxKey; ++i)
        k = (k << 8) | (i < s.size() ? static_cast<unsigned char>(s[i]) : 0u);
    return k;
}

void ValueSetTable::lookup(std::string_view system, std::string_view code, std::uint64_t* bits) const {
    std::fill(bits, bits + words(), 0);
    auto set = [&](std::uint32_t slot) { bits[slot >> 6] |= std::uint64_t{1} << (slot & 63); };
    const System* sys = find_system(system);
    if (!sys) return;
    if (!sys->exact.empty())
        if (auto it = sys->exact.find(code); it != sys->exact.end())
            for (auto slot : it->second) set(slot);
    if (sys->hierarchical.by_length.empty()) return;
    // Normalize into a small stack buffer: codes are short.
    char buf[kMaxKey];
    std::size_t n = 0;
    for (char c : code) {
        if (c == '.' || c == ' ') continue;
        if (n == kMaxKey) return;  // longer than any ICD-10-CM code: matches nothing
        buf[n++] = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    const auto& h = sys->hierarchical;
    // The code's prefix of each length, packed as the ranges are: one shift per character.
    std::uint64_t prefix = 0;
    for (std::size_t len = 1; len < h.by_length.size() && len <= n; ++len) {
        prefix |= std::uint64_t{static_cast<unsigned char>(buf[len - 1])} << (8 * (kMaxKey - len));
        const auto& v = h.by_length[len];
        if (v.empty()) continue;
        const std::uint64_t key = prefix;
        auto ub = std::upper_bound(v.begin(), v.end(), key, [](std::uint64_t k, const Range& r) { return k < r.lo; });
        for (auto i = static_cast<std::ptrdiff_t>(ub - v.begin()) - 1; i >= 0; --i) {
            if (h.max_hi[len][static_cast<std::size_t>(i)] < key) break;
            const Range& r = v[static_cast<std::size_t>(i)];
            if (key <= r.hi) set(r.slot);
        }
    }
}

std::optional<std::string> ValueSetTable::set_display(std::string_view system, std::string_view code,
                                                      std::string display) {
    std::string key = is_hierarchical(system) ? normalize_icd(code) : std::string(code);
    auto& displays = this->system(system).displays;
    if (auto it = displays.find(key); it != displays.end())
        return it->second == display ? std::nullopt : std::optional<std::string>(it->second);
    displays.emplace(std::move(key), std::move(display));
    return std::nullopt;
}

const std::string* ValueSetTable::display(std::string_view system, std::string_view code) const {
    const System* sys = find_system(system);
    if (!sys || sys->displays.empty()) return nullptr;
    auto it = is_hierarchical(system) ? sys->displays.find(normalize_icd(code)) : sys->displays.find(code);
    return it == sys->displays.end() ? nullptr : &it->second;
}

bool ValueSetTable::has_displays() const {
    return std::any_of(systems_.begin(), systems_.end(), [](const System& s) { return !s.displays.empty(); });
}

bool ValueSetTable::same_lookup(const ValueSetTable& o) const {
    if (slots_ != o.slots_ || sets_.size() != o.sets_.size() || systems_.size() != o.systems_.size()) return false;
    for (std::size_t i = 0; i < sets_.size(); ++i) {
        const auto &a = sets_[i], &b = o.sets_[i];
        if (a.name != b.name || a.categories != b.categories || a.include_slots != b.include_slots ||
            a.exclude_slot != b.exclude_slot)
            return false;
    }
    for (std::size_t i = 0; i < systems_.size(); ++i) {
        const auto &a = systems_[i], &b = o.systems_[i];
        if (a.name != b.name || a.exact != b.exact || a.hierarchical.by_length != b.hierarchical.by_length ||
            a.hierarchical.max_hi != b.hierarchical.max_hi)
            return false;
    }
    return true;
}

bool ValueSetTable::contains(const std::uint64_t* bits, int set) const {
    const auto& info = sets_[static_cast<std::size_t>(set)];
    if (test(bits, info.exclude_slot)) return false;
    for (auto slot : info.include_slots)
        if (test(bits, slot)) return true;
    return false;
}

int ValueSetTable::category_of(const std::uint64_t* bits, int set) const {
    const auto& info = sets_[static_cast<std::size_t>(set)];
    if (info.categories.empty() || test(bits, info.exclude_slot)) return -1;
    for (std::size_t i = 0; i < info.include_slots.size(); ++i)
        if (test(bits, info.include_slots[i])) return static_cast<int>(i);
    return -1;
}

}  // namespace carecoord::rules
