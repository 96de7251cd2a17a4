// Value sets compiled for fast matching. Every (value set, category) and every value set's
// exclusion list gets a bit ("slot"); looking up one code gives the bit set of every slot it
// belongs to, so `code in vs` and `category(code, vs)` become bit tests. The evaluator looks
// up each patient code once per evaluation and caches the bits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace carecoord::rules {

struct ValueSetInfo {
    std::string name;
    std::vector<std::string> categories;     // empty for a flat value set
    std::vector<std::uint32_t> include_slots;  // one per category, or one for a flat set
    std::uint32_t exclude_slot = 0;
};

class ValueSetTable {
public:
    // Building. Returns an error message (naming the entry, never patient data) or nullopt.
    // `slot` comes from add_value_set's include_slots / exclude_slot.
    int add_value_set(std::string name, std::vector<std::string> categories);
    std::optional<std::string> add_entry(std::uint32_t slot, std::string_view system, std::string_view entry);
    void finish();  // sorts the lookup structures; call once after the last add

    std::size_t words() const { return (slots_ + 63) / 64; }
    const std::vector<ValueSetInfo>& sets() const { return sets_; }
    int find(std::string_view name) const;

    // Fills `bits` (words() words) with the slots the code belongs to.
    void lookup(std::string_view system, std::string_view code, std::uint64_t* bits) const;

    static bool test(const std::uint64_t* bits, std::uint32_t slot) {
        return (bits[slot >> 6] >> (slot & 63)) & 1u;
    }
    bool contains(const std::uint64_t* bits, int set) const;
    // True when lookup() gives every code the same bits in both tables, and each value set
    // and category has the same slots: bits looked up in one can be tested in the other.
    // (Two rulesets that include one library of value sets compile equal tables.) False
    // can also mean "not shown equal": the comparison is of the compiled structures.
    bool same_lookup(const ValueSetTable& other) const;
    int category_of(const std::uint64_t* bits, int set) const;  // -1: none

    // ICD-10-CM codes are compared without the dot and in upper case.
    static std::string normalize_icd(std::string_view code);
    // Systems whose entries match by prefix, ranges and wildcards (ICD-10-CM).
    static bool is_hierarchical(std::string_view system);
    // The (lo, hi) ranges of equal length whose codes an ICD-10-CM entry matches by prefix
    // (one for "E11" or "F10-F19", one per expansion of a wildcard); an error message otherwise.
    static std::optional<std::string> hierarchical_ranges(std::string_view entry,
                                                          std::vector<std::pair<std::string, std::string>>& out);

    // Display names (a value set's `displays:`, docs/ruleset-language.md#displays): one per
    // (system, code), the code as the engine matches it (ICD-10-CM without dot or case).
    // set_display returns the display already recorded for the code when it differs (the
    // loader reports the clash), nullopt when it was recorded or is the same.
    std::optional<std::string> set_display(std::string_view system, std::string_view code, std::string display);
    // The display of a code, or nullptr. Exact (after normalising an ICD-10-CM code): a
    // display names one code, never the codes below it.
    const std::string* display(std::string_view system, std::string_view code) const;
    bool has_displays() const;

private:
    // An ICD-10-CM entry as a range of code prefixes of one length, each prefix packed
    // big-endian into an integer so that integer order is string order (codes are at most
    // 7 characters without the dot; entries longer than kMaxKey are refused).
    static constexpr std::size_t kMaxKey = 8;
    static std::uint64_t pack(std::string_view s);
    struct Range {
        std::uint64_t lo, hi;
        std::uint32_t slot;
        bool operator==(const Range&) const = default;
    };
    struct Hierarchical {
        // Ranges grouped by their length; within a group sorted by lo, with the running
        // maximum of hi so that a lookup can stop scanning backwards early.
        std::vector<std::vector<Range>> by_length;  // index = length
        std::vector<std::vector<std::uint64_t>> max_hi;
    };
    // Heterogeneous lookup: a code from the patient is looked up as a string_view, with no
    // string built per lookup.
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    using ExactCodes = std::unordered_map<std::string, std::vector<std::uint32_t>, Hash, std::equal_to<>>;
    // One entry per code system named in any value set; a handful, so a linear search.
    struct System {
        std::string name;
        Hierarchical hierarchical;  // ICD-10-CM: prefixes, ranges, wildcards
        ExactCodes exact;           // every other system: exact codes
        std::unordered_map<std::string, std::string, Hash, std::equal_to<>> displays;
    };
    System& system(std::string_view name);
    const System* find_system(std::string_view name) const;

    std::uint32_t slots_ = 0;
    std::vector<ValueSetInfo> sets_;
    std::vector<System> systems_;
};

}  // namespace carecoord::rules
