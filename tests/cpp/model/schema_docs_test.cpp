// The schema table (src/model/patient_schema.hpp) against the two lists people read:
// docs/patient-schema.md (a table per object: names in order, type, required, what absence
// means) and the paths carecoord_patient_set_field() documents in capi/carecoord.h. Adding a
// row without its documentation fails here, and so does documentation of a field that is
// not in the table.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "model/patient_builder.hpp"
#include "model/patient_decoder.hpp"

using namespace carecoord;
using model::Absence;
using model::Kind;
using model::detail::Schema;

namespace {

std::string read_source(const char* relative) {
    std::ifstream in(std::filesystem::path(CARECOORD_SOURCE_DIR) / relative);
    REQUIRE_MESSAGE(in.good(), relative);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

struct DocRow {
    std::string name, type, required, meaning;
};

std::string trim(std::string s) {
    auto b = s.find_first_not_of(' ');
    auto e = s.find_last_not_of(' ');
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// The rows of the first table after `heading` in the document: `| \`name\` | type | [req. |] meaning |`.
std::vector<DocRow> table_after(const std::string& doc, const std::string& heading) {
    auto h = doc.find(heading);
    REQUIRE_MESSAGE(h != std::string::npos, heading);
    std::istringstream in(doc.substr(h + heading.size()));
    std::string line;
    std::vector<DocRow> rows;
    bool has_req = false, in_table = false;
    while (std::getline(in, line)) {
        if (line.rfind("|", 0) != 0) {
            if (in_table) break;
            continue;
        }
        std::vector<std::string> cells;
        std::size_t pos = 1;
        while (pos < line.size()) {
            auto bar = line.find(" |", pos);
            if (bar == std::string::npos) break;
            cells.push_back(trim(line.substr(pos, bar - pos)));
            pos = bar + 2;
        }
        if (!in_table) {
            in_table = true;
            has_req = std::find(cells.begin(), cells.end(), "req.") != cells.end();
            continue;
        }
        if (cells.empty() || cells[0].rfind("`", 0) != 0) continue;  // the |---| line
        DocRow r;
        r.name = cells[0].substr(1, cells[0].size() - 2);
        r.type = cells.size() > 1 ? cells[1] : "";
        r.required = has_req && cells.size() > 2 ? cells[2] : "";
        r.meaning = cells.size() > (has_req ? 3u : 2u) ? cells[has_req ? 3 : 2] : "";
        rows.push_back(r);
    }
    return rows;
}

template <class E>
std::string enum_doc() {
    std::string out = "enum ";
    bool first = true;
    for (auto n : model::enum_names<E>()) {
        out += first ? "" : ", ";
        out += "`" + std::string(n) + "`";
        first = false;
    }
    return out;
}

bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// Every row of record R agrees with the documentation table under `heading`.
template <class R>
void check_record_doc(const std::string& doc, const std::string& heading, bool absent_means_unknown_above = false) {
    CAPTURE(heading);
    auto rows = table_after(doc, heading);
    REQUIRE(rows.size() == Schema<R>::size);
    R rec{};
    for (std::size_t k = 0; k < Schema<R>::size; ++k) {
        const DocRow& row = rows[k];
        CAPTURE(row.name);
        CHECK(row.name == Schema<R>::names[k]);
        Schema<R>::visit(static_cast<typename Schema<R>::Key>(k), rec, [&](auto column, auto&) {
            using C = decltype(column);
            switch (C::kind) {
                case Kind::text: CHECK(row.type == "string"); break;
                case Kind::code: CHECK(row.type == "code"); break;
                case Kind::system: CHECK(row.type == "coding system"); break;
                case Kind::date: CHECK(row.type == "date"); break;
                case Kind::datetime: CHECK(row.type == "date-time"); break;
                case Kind::boolean: CHECK(row.type == "boolean"); break;
                case Kind::number: CHECK(row.type == "number"); break;
                case Kind::whole_number: CHECK(row.type.rfind("whole number", 0) == 0); break;
                case Kind::list: CHECK(row.type.rfind("list of", 0) == 0); break;
                case Kind::object: CHECK(row.type.rfind("object", 0) == 0); break;
                case Kind::enumeration: break;
            }
            if constexpr (C::kind == Kind::enumeration) CHECK(row.type == enum_doc<typename C::type>());
            if constexpr (C::kind == Kind::whole_number)
                CHECK(row.type == "whole number, " + std::to_string(C::type::lo) + " to " + std::to_string(C::type::hi));
            CHECK((row.required == "yes") == (C::absence == Absence::required));
            if (C::absence == Absence::unknown && !absent_means_unknown_above) CHECK(ends_with(row.meaning, "unknown"));
            if (C::absence == Absence::not_happened) CHECK(row.meaning.find("absent: ") != std::string::npos);
            if (C::absence == Absence::none && C::kind != Kind::code) CHECK(ends_with(row.meaning, "none"));
        });
    }
}

}  // namespace

TEST_CASE("schema: docs/patient-schema.md has one row per schema field, in order, with its type, requiredness and absence") {
    const std::string doc = read_source("docs/patient-schema.md");
    check_record_doc<Patient>(doc, "### Patient (top level)");
    check_record_doc<Language>(doc, "### Language");
    check_record_doc<Coverage>(doc, "### Coverage");
    check_record_doc<Condition>(doc, "### Condition");
    check_record_doc<Encounter>(doc, "### Encounter");
    check_record_doc<CareTeamMember>(doc, "### Care team member");
    check_record_doc<Medication>(doc, "### Medication");
    check_record_doc<MedicationEvent>(doc, "A medication event:");
    check_record_doc<Observation>(doc, "### Observation");
    // "All unknown when absent", said once above the table.
    check_record_doc<Social>(doc, "### Social", true);
    check_record_doc<LtcPlacement>(doc, "### LTC placement");
    check_record_doc<CarePlan>(doc, "### Care plan");
}

TEST_CASE("schema: the paths carecoord.h documents for carecoord_patient_set_field are the settable rows") {
    const std::string header = read_source("capi/carecoord.h");
    auto b = header.find(" * absent again. The paths:\n");
    REQUIRE(b != std::string::npos);
    auto e = header.find(" * An unknown path is E0202", b);
    REQUIRE(e != std::string::npos);
    std::istringstream in(header.substr(b, e - b));
    std::string line;
    std::getline(in, line);  // the sentence that introduces the list
    std::vector<std::string> documented;
    while (std::getline(in, line)) {
        line = line.substr(line.find('*') + 1);
        line = line.substr(0, line.find('('));  // "(id and birth_date are required...)"
        std::istringstream words(line);
        std::string w;
        while (words >> w)
            if (w != "|") documented.push_back(w);
    }
    auto settable = model::settable_paths();
    std::vector<std::string> sorted_doc = documented, sorted_schema = settable;
    std::sort(sorted_doc.begin(), sorted_doc.end());
    std::sort(sorted_schema.begin(), sorted_schema.end());
    CHECK(std::adjacent_find(sorted_doc.begin(), sorted_doc.end()) == sorted_doc.end());
    CHECK(sorted_doc == sorted_schema);
    // Hand-checked members of both sides, so that an empty parse cannot pass.
    CHECK(std::count(settable.begin(), settable.end(), "social.food_insecurity") == 1);
    CHECK(std::count(settable.begin(), settable.end(), "encounters[i].diagnosis_system") == 1);
    CHECK(std::count(settable.begin(), settable.end(), "encounters[i].admit") == 0);
    CHECK(settable.size() == 32);
}

TEST_CASE("schema: set_field decodes by the table, refuses what the table does not make settable") {
    Patient p;
    p.id = "p";
    CHECK(model::set_field(p, "social.food_insecurity", "true").empty());
    REQUIRE(p.social.food_insecurity);
    CHECK(*p.social.food_insecurity);
    CHECK(model::set_field(p, "social.food_insecurity", nullptr).empty());
    CHECK(!p.social.food_insecurity);
    // Both sides of the expected stay's range (0 to 36500 days).
    CHECK(model::set_field(p, "ltc_placement.expected_stay_days", "36500").empty());
    CHECK(p.ltc_placement.expected_stay_days == 36500);
    auto d = model::set_field(p, "ltc_placement.expected_stay_days", "36501");
    REQUIRE(d.size() == 1);
    CHECK(d[0].code == "E0211");
    CHECK(d[0].field_path == "ltc_placement.expected_stay_days");
    CHECK(p.ltc_placement.expected_stay_days == 36500);  // refused: unchanged
    d = model::set_field(p, "conditions[0].recorded", "2020-01-01");
    REQUIRE(d.size() == 1);
    CHECK(d[0].code == "E0202");
    CHECK(model::add_item(p, "conditions", {{"code", "E11.9"}, {"onset", "2020-02-01"}}).empty());
    REQUIRE(p.conditions.size() == 1);
    CHECK(p.conditions[0].system == "icd10cm");  // the member's default
    CHECK(model::set_field(p, "conditions[0].recorded", "2020-01-01").empty());
    // A cross-field rule runs after a set: abatement before onset.
    d = model::add_item(p, "conditions", {{"code", "I10"}, {"onset", "2020-02-01"}, {"abatement", "2020-01-31"}});
    REQUIRE(d.size() == 1);
    CHECK(d[0].code == "E0208");
    CHECK(d[0].field_path == "conditions[1].abatement");
    CHECK(p.conditions.size() == 1);
    // The observation's system defaults by its code, as in a document.
    CHECK(model::add_item(p, "observations", {{"code", "phq9"}, {"date", "2026-01-02"}}).empty());
    CHECK(model::add_item(p, "observations", {{"code", "4548-4"}, {"date", "2026-01-02"}}).empty());
    REQUIRE(p.observations.size() == 2);
    CHECK(p.observations[0].system == "carecoord");
    CHECK(p.observations[1].system == "loinc");
}
