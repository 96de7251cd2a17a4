// The synthetic population: every record decodes, and it is deterministic.
#include <doctest/doctest.h>

#include <set>

#include "carecoord/patient.hpp"
#include "testing/popgen.hpp"
#include "time/calendar.hpp"

using carecoord::testing::generate_patient_json;
using carecoord::testing::PopulationOptions;

TEST_CASE("every generated patient decodes, for several seeds and as-of dates") {
    for (auto run : {std::pair{1ull, "2026-11-27"}, std::pair{7ull, "2025-02-28"}, std::pair{42ull, "2024-12-31"}}) {
        const auto seed = run.first;
        const auto date = run.second;
        PopulationOptions o;
        o.seed = seed;
        o.as_of = *carecoord::time::parse_date(date);
        for (std::size_t i = 0; i < 3000; ++i) {
            std::string doc = generate_patient_json(o, i);
            auto p = carecoord::parse_patient_json(doc);
            if (!p.ok()) {
                INFO("seed " << seed << " record " << i << ": " << doc);
                for (const auto& d : p.diagnostics()) INFO(d.field_path << ": " << d.message);
                CHECK(p.ok());
            }
        }
    }
}

TEST_CASE("the population is deterministic and patient i does not depend on the others") {
    PopulationOptions o;
    o.seed = 3;
    o.as_of = *carecoord::time::parse_date("2026-11-27");
    CHECK(generate_patient_json(o, 17) == generate_patient_json(o, 17));
    CHECK(generate_patient_json(o, 17) != generate_patient_json(o, 18));
    PopulationOptions other = o;
    other.seed = 4;
    CHECK(generate_patient_json(o, 17) != generate_patient_json(other, 17));
    auto p = carecoord::parse_patient_json(generate_patient_json(o, 17));
    REQUIRE(p.ok());
    CHECK(p->id == "pop-000017");
}

TEST_CASE("the mix covers the payers, encounter classes and SNP types the rules look at") {
    PopulationOptions o;
    o.as_of = *carecoord::time::parse_date("2026-11-27");
    std::set<std::string> payers, classes, snps;
    std::size_t with_phq9 = 0, recent_discharge = 0;
    for (std::size_t i = 0; i < 2000; ++i) {
        auto p = carecoord::parse_patient_json(generate_patient_json(o, i));
        REQUIRE(p.ok());
        for (const auto& c : p->coverage) {
            payers.insert(std::string(carecoord::to_string(c.payer)));
            if (c.snp != carecoord::SnpType::none) snps.insert(std::to_string(static_cast<int>(c.snp)));
        }
        bool phq = false, recent = false;
        for (const auto& e : p->encounters) {
            classes.insert(std::string(carecoord::to_string(e.encounter_class)));
            if (e.discharge && carecoord::time::date_of(*e.discharge) >= o.as_of - std::chrono::days{30}) recent = true;
        }
        for (const auto& ob : p->observations) phq |= ob.code == "phq9";
        with_phq9 += phq;
        recent_discharge += recent;
    }
    for (const char* payer : {"medicare_ffs", "medicare_advantage", "medicaid", "commercial", "uninsured"}) CHECK(payers.count(payer));
    for (const char* cls : {"inpatient", "inpatient_psych", "observation", "emergency", "snf", "nursing_facility", "ambulatory"})
        CHECK(classes.count(cls));
    CHECK(snps.size() == 3);  // chronic, dual, institutional
    CHECK(with_phq9 > 100);
    CHECK(recent_discharge > 20);
}
