// Value-set matching (docs/ruleset-language.md, "Value sets"): ICD-10-CM prefixes, ranges,
// wildcards and exclusions without the dot and case-insensitively; other systems exact.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "rules/valueset.hpp"
#include "support/test_support.hpp"

using carecoord::rules::ValueSetTable;

namespace {

// A value-set table under construction: code lists per category (or one flat list) and
// an exclusion list, as a ruleset's valuesets section describes them.
struct Entry {
    std::string system;
    std::string code;
};

class Sets {
public:
    // Returns the set's index. `categories` empty: a flat set with `flat` codes.
    int add(const std::string& name, const std::vector<std::pair<std::string, std::vector<Entry>>>& categories,
            const std::vector<Entry>& exclude = {}) {
        std::vector<std::string> names;
        for (const auto& [n, codes] : categories) names.push_back(n);
        if (names.size() == 1 && names[0].empty()) names.clear();
        int set = table.add_value_set(name, names);
        const auto info = table.sets()[static_cast<std::size_t>(set)];
        for (std::size_t i = 0; i < categories.size(); ++i)
            for (const auto& e : categories[i].second) REQUIRE_FALSE(table.add_entry(info.include_slots[i], e.system, e.code));
        for (const auto& e : exclude) REQUIRE_FALSE(table.add_entry(info.exclude_slot, e.system, e.code));
        return set;
    }
    int flat(const std::string& name, const std::vector<Entry>& codes, const std::vector<Entry>& exclude = {}) {
        return add(name, {{"", codes}}, exclude);
    }
    void finish() { table.finish(); }

    bool in(int set, const std::string& system, const std::string& code) {
        std::vector<std::uint64_t> bits(table.words());
        table.lookup(system, code, bits.data());
        return table.contains(bits.data(), set);
    }
    bool icd(int set, const std::string& code) { return in(set, "icd10cm", code); }
    std::string category(int set, const std::string& system, const std::string& code) {
        std::vector<std::uint64_t> bits(table.words());
        table.lookup(system, code, bits.data());
        int c = table.category_of(bits.data(), set);
        return c < 0 ? "none" : table.sets()[static_cast<std::size_t>(set)].categories[static_cast<std::size_t>(c)];
    }

    ValueSetTable table;
};

std::vector<Entry> icd(std::initializer_list<const char*> codes) {
    std::vector<Entry> out;
    for (const char* c : codes) out.push_back({"icd10cm", c});
    return out;
}

}  // namespace

TEST_CASE("an exact ICD-10-CM code matches itself and the codes below it, not its parent or siblings") {
    Sets s;
    int vs = s.flat("vs", icd({"E11.9"}));
    s.finish();
    CHECK(s.icd(vs, "E11.9"));
    CHECK(s.icd(vs, "E11.91"));  // below E11.9 (a longer code with the same start)
    CHECK_FALSE(s.icd(vs, "E11"));
    CHECK_FALSE(s.icd(vs, "E11.8"));
    CHECK_FALSE(s.icd(vs, "E11.65"));
    CHECK_FALSE(s.icd(vs, "E10.9"));
}

TEST_CASE("a 3-character ICD-10-CM entry is a prefix: E11 holds E11, E11.9, E11.65") {
    Sets s;
    int vs = s.flat("vs", icd({"E11"}));
    s.finish();
    for (const char* c : {"E11", "E11.9", "E11.65", "E11.649"}) CHECK_MESSAGE(s.icd(vs, c), c);
    CHECK(s.icd(vs, "E111"));  // the same code as E11.1 without its dot
    for (const char* c : {"E1", "E10", "E10.9", "E12.0", "E13.9"}) CHECK_FALSE_MESSAGE(s.icd(vs, c), c);
}

TEST_CASE("a range F10-F19 holds every code whose first 3 characters are from F10 to F19") {
    Sets s;
    int vs = s.flat("vs", icd({"F10-F19"}));
    s.finish();
    // Both ends are inside, with and without subcodes.
    for (const char* c : {"F10", "F10.20", "F14.10", "F19", "F19.99"}) CHECK_MESSAGE(s.icd(vs, c), c);
    // Just outside on both sides.
    for (const char* c : {"F09", "F09.9", "F20", "F20.0", "F1", "G10"}) CHECK_FALSE_MESSAGE(s.icd(vs, c), c);
}

TEST_CASE("a range E08-E11 crosses from E09 to E10") {
    Sets s;
    int vs = s.flat("vs", icd({"E08-E11"}));
    s.finish();
    for (const char* c : {"E08", "E08.00", "E09.9", "E10.10", "E11.9", "E11.65"}) CHECK_MESSAGE(s.icd(vs, c), c);
    for (const char* c : {"E07.9", "E12", "E13.9", "D11", "F08"}) CHECK_FALSE_MESSAGE(s.icd(vs, c), c);
}

TEST_CASE("a range with letters in the third position: C7A-C7B and Z55-Z65") {
    Sets s;
    int vs = s.flat("vs", icd({"C7A-C7B", "Z55-Z65"}));
    s.finish();
    for (const char* c : {"C7A.00", "C7B.1", "Z55.0", "Z59.41", "Z65.9"}) CHECK_MESSAGE(s.icd(vs, c), c);
    // C79 < C7A < C7B < C80 in character order (digits sort before letters).
    for (const char* c : {"C79.9", "C80.1", "Z54", "Z66"}) CHECK_FALSE_MESSAGE(s.icd(vs, c), c);
}

TEST_CASE("exclusions remove F17 and the F1x.21 / F1x.11 / F1x.91 remission codes from F10-F19") {
    Sets s;
    int sud = s.flat("substance_use_disorder", icd({"F10-F19"}), icd({"F17", "F1x.11", "F1x.21", "F1x.91"}));
    s.finish();
    // F17 and everything below it is excluded.
    CHECK_FALSE(s.icd(sud, "F17"));
    CHECK_FALSE(s.icd(sud, "F17.210"));
    // The wildcard x stands for one character: F10.21 ... F19.21 and codes below them.
    for (const char* c : {"F10.21", "F11.21", "F19.21", "F10.11", "F15.91", "F10.211"}) CHECK_FALSE_MESSAGE(s.icd(sud, c), c);
    // Neighbours of the excluded codes stay in.
    for (const char* c : {"F10.20", "F10.2", "F11.10", "F19.90", "F16.20", "F18.10", "F10.229"}) CHECK_MESSAGE(s.icd(sud, c), c);
}

TEST_CASE("ICD-10-CM matching ignores the dot and the case, on both the entry and the code") {
    Sets s;
    int vs = s.flat("vs", icd({"e11.9", "I50", "f1x.21"}));
    s.finish();
    CHECK(s.icd(vs, "E119"));
    CHECK(s.icd(vs, "e11.9"));
    CHECK(s.icd(vs, "e1191"));
    CHECK(s.icd(vs, "i50.32"));
    CHECK(s.icd(vs, "I5032"));
    CHECK(s.icd(vs, "f10.21"));
    CHECK(s.icd(vs, "F1321"));
    CHECK_FALSE(s.icd(vs, "E11"));
    CHECK(ValueSetTable::normalize_icd("e11.65") == "E1165");
}

TEST_CASE("SNOMED codes match exactly: no prefixes, no ranges") {
    Sets s;
    int vs = s.flat("vs", {{"snomed", "44054006"}});
    s.finish();
    CHECK(s.in(vs, "snomed", "44054006"));
    CHECK_FALSE(s.in(vs, "snomed", "440540061"));
    CHECK_FALSE(s.in(vs, "snomed", "4405400"));
    CHECK_FALSE(s.in(vs, "snomed", "44054006 "));
}

TEST_CASE("a code of a system the value set does not list is not in it") {
    Sets s;
    int vs = s.flat("vs", {{"icd10cm", "E11"}, {"snomed", "44054006"}});
    s.finish();
    CHECK_FALSE(s.in(vs, "snomed", "E11.9"));
    CHECK_FALSE(s.in(vs, "icd10cm", "44054006"));
    CHECK_FALSE(s.in(vs, "loinc", "E11.9"));
    CHECK_FALSE(s.in(vs, "rxnorm", "44054006"));
    CHECK(s.in(vs, "icd10cm", "E11.9"));
    CHECK(s.in(vs, "snomed", "44054006"));
}

TEST_CASE("category() names the first category in file order that holds the code") {
    Sets s;
    int a = s.add("first_specific", {{"diabetes_with_ckd", icd({"E11.2"})}, {"diabetes", icd({"E08-E11", "E13"})}});
    int b = s.add("first_general", {{"diabetes", icd({"E08-E11", "E13"})}, {"diabetes_with_ckd", icd({"E11.2"})}});
    int c = s.add("mixed", {{"diabetes", {{"icd10cm", "E11"}, {"snomed", "44054006"}}}, {"hypertension", icd({"I10-I16"})}},
                  icd({"I15"}));
    s.finish();
    CHECK(s.category(a, "icd10cm", "E11.21") == "diabetes_with_ckd");
    CHECK(s.category(a, "icd10cm", "E11.9") == "diabetes");
    CHECK(s.category(b, "icd10cm", "E11.21") == "diabetes");
    CHECK(s.category(b, "icd10cm", "E13.9") == "diabetes");
    CHECK(s.category(c, "snomed", "44054006") == "diabetes");
    CHECK(s.category(c, "icd10cm", "I10") == "hypertension");
    CHECK(s.category(c, "icd10cm", "I16.0") == "hypertension");
    CHECK(s.category(c, "icd10cm", "I15.0") == "none");  // excluded from the whole set
    CHECK(s.category(c, "icd10cm", "I17") == "none");
    CHECK(s.category(c, "snomed", "I10") == "none");
    CHECK(s.icd(c, "E11.9"));
    CHECK_FALSE(s.icd(c, "I15.0"));
}

TEST_CASE("invalid value-set entries are refused with a message") {
    ValueSetTable t;
    int set = t.add_value_set("vs", {});
    auto slot = t.sets()[static_cast<std::size_t>(set)].include_slots[0];
    CHECK(t.add_entry(slot, "icd10cm", "F19-F10"));      // first after last
    CHECK(t.add_entry(slot, "icd10cm", "F10-F19.9"));    // ends of different length
    CHECK(t.add_entry(slot, "icd10cm", "F10-"));         // one end missing
    CHECK(t.add_entry(slot, "icd10cm", "Fxx.x1"));       // more than two wildcards
    CHECK(t.add_entry(slot, "icd10cm", ""));
    CHECK(t.add_entry(slot, "snomed", ""));
    CHECK(t.add_entry(slot, "icd10cm", "E11/9"));        // not a code character
    CHECK_FALSE(t.add_entry(slot, "icd10cm", "F10-F19"));
    CHECK_FALSE(t.add_entry(slot, "icd10cm", "F1x.21"));
}
