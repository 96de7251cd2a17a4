#include "testing/popgen.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>
#include <vector>

#include "output/json_writer.hpp"
#include "time/calendar.hpp"

namespace carecoord::testing {

namespace {

using std::chrono::days;
using std::chrono::minutes;

// splitmix64: small, fast, and the same sequence everywhere.
class Rng {
public:
    explicit Rng(std::uint64_t seed) : s_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
    int range(int lo, int hi) { return lo + static_cast<int>(next() % static_cast<std::uint64_t>(hi - lo + 1)); }
    bool chance(double p) { return uniform() < p; }
    template <class T, std::size_t N>
    const T& pick(const std::array<T, N>& xs) { return xs[next() % N]; }
    // An index drawn by weight.
    template <std::size_t N>
    std::size_t weighted(const std::array<double, N>& w) {
        double total = 0;
        for (double x : w) total += x;
        double r = uniform() * total;
        for (std::size_t i = 0; i < N; ++i) {
            if (r < w[i]) return i;
            r -= w[i];
        }
        return N - 1;
    }

private:
    std::uint64_t s_;
};

std::string quote(std::string_view s) {
    std::string out = "\"";
    output::JsonWriter::escape(s, out);
    return out + "\"";
}

// One JSON object, keys in the order they are added.
class Obj {
public:
    Obj& raw(std::string_view k, std::string_view v) {
        if (s_.size() > 1) s_ += ',';
        s_ += quote(k);
        s_ += ':';
        s_ += v;
        return *this;
    }
    Obj& str(std::string_view k, std::string_view v) { return raw(k, quote(v)); }
    Obj& boolean(std::string_view k, bool b) { return raw(k, b ? "true" : "false"); }
    Obj& integer(std::string_view k, long long n) { return raw(k, std::to_string(n)); }
    Obj& decimal(std::string_view k, double x) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f", x);
        return raw(k, buf);
    }
    Obj& date(std::string_view k, Date d) { return str(k, time::format_date(d)); }
    Obj& datetime(std::string_view k, DateTime t) { return str(k, time::format_datetime(t)); }
    std::string done() const { return s_ + "}"; }

private:
    std::string s_ = "{";
};

std::string array(const std::vector<std::string>& items) {
    std::string s = "[";
    for (std::size_t i = 0; i < items.size(); ++i) s += (i ? "," : "") + items[i];
    return s + "]";
}

// Chronic condition categories of the chronic_conditions value set, with codes inside them,
// a prevalence weight (per condition drawn) and a specialty that manages them.
struct ChronicCategory {
    std::string_view name;
    double weight;
    std::array<std::string_view, 3> icd10;
    std::string_view snomed;
    std::string_view specialty;
    std::string_view rxnorm;  // a typical medication
};

constexpr std::array<ChronicCategory, 20> kChronic{{
    {"hypertension", 0.50, {"I10", "I12.9", "I11.9"}, "38341003", "cardiology", "314076"},
    {"hyperlipidemia", 0.45, {"E78.5", "E78.00", "E78.2"}, "55822004", "", "617312"},
    {"diabetes", 0.27, {"E11.9", "E11.65", "E10.9"}, "44054006", "endocrinology", "860975"},
    {"obesity", 0.20, {"E66.9", "E66.01", "E66.3"}, "414916001", "", ""},
    {"osteoarthritis", 0.20, {"M17.11", "M16.0", "M19.90"}, "396275006", "orthopedics", ""},
    {"ischemic_heart_disease", 0.15, {"I25.10", "I20.9", "I25.2"}, "53741008", "cardiology", "617312"},
    {"depression", 0.15, {"F32.9", "F33.1", "F34.1"}, "370143000", "psychiatry", "312940"},
    {"chronic_kidney_disease", 0.15, {"N18.31", "N18.4", "N18.6"}, "431855005", "nephrology", ""},
    {"copd", 0.10, {"J44.9", "J44.1", "J43.9"}, "13645005", "pulmonology", "745679"},
    {"atrial_fibrillation", 0.10, {"I48.91", "I48.0", "I48.20"}, "49436004", "cardiology", "1364435"},
    {"hypothyroidism", 0.10, {"E03.9", "E03.8", "E03.9"}, "40930008", "endocrinology", "966222"},
    {"heart_failure", 0.08, {"I50.32", "I50.22", "I50.9"}, "84114007", "cardiology", "310429"},
    {"asthma", 0.08, {"J45.909", "J45.40", "J45.20"}, "195967001", "pulmonology", "745679"},
    {"cancer", 0.08, {"C50.911", "C61", "C34.90"}, "254637007", "oncology", ""},
    {"osteoporosis", 0.08, {"M81.0", "M80.08XA", "M81.8"}, "64859006", "", ""},
    {"dementia", 0.06, {"G30.9", "F03.90", "F01.50"}, "26929004", "neurology", ""},
    {"stroke", 0.05, {"I63.9", "I69.351", "I63.50"}, "230690007", "neurology", ""},
    {"rheumatoid_arthritis", 0.03, {"M06.9", "M05.79", "M06.9"}, "69896004", "rheumatology", ""},
    {"chronic_liver_disease", 0.03, {"K74.60", "K70.30", "K76.0"}, "", "hepatology", ""},
    {"hiv", 0.01, {"B20", "B20", "B20"}, "86406008", "infectious_disease", ""},
}};

constexpr std::array<std::string_view, 4> kSud{"F10.20", "F11.20", "F12.20", "F14.20"};
constexpr std::array<std::string_view, 5> kSmi{"F20.9", "F31.9", "F25.0", "F32.2", "F33.2"};
constexpr std::array<std::string_view, 4> kRemissionOrNicotine{"F10.21", "F11.21", "F17.210", "F17.200"};
constexpr std::array<std::string_view, 6> kHousing{"Z59.00", "Z59.01", "Z59.02", "Z59.10", "Z59.811", "Z59.812"};
constexpr std::array<std::string_view, 2> kFood{"Z59.41", "Z59.48"};
// Principal diagnoses of hospital stays: HRRP cohorts (AMI, HF, pneumonia, COPD, elective
// knee and hip) and others.
constexpr std::array<std::string_view, 12> kAdmitDx{"I50.33", "I50.23", "J18.9", "J44.1", "I21.4", "M17.11",
                                                    "N39.0", "A41.9", "K56.60", "E11.65", "S72.001A", "I63.9"};
constexpr std::array<std::string_view, 6> kLanguages{"es", "zh", "vi", "ru", "ar", "ht"};
constexpr std::array<std::string_view, 6> kCommercialPlans{"acme_ppo", "acme_hmo", "bluepeak_ppo", "northstar_hmo",
                                                           "cedar_epo", "bluepeak_hdhp"};

struct Burden {
    std::vector<std::size_t> chronic;  // indices into kChronic
    bool sud = false, smi = false, depression = false, diabetes = false, housing = false, food = false;
};

class Generator {
public:
    Generator(const PopulationOptions& o, std::size_t index)
        : rng_(o.seed * 0x100000001b3ull ^ (static_cast<std::uint64_t>(index) + 1) * 0x9e3779b97f4a7c15ull),
          as_of_(o.as_of) {
        char id[32];
        std::snprintf(id, sizeof id, "%06zu", index);
        id_ = o.id_prefix + id;
        rng_.next();
    }

    std::string run() {
        Obj p;
        p.str("id", id_);
        age_ = draw_age();
        Date birth = time::add_years(as_of_, -age_) - days{rng_.range(1, 364)};
        birth_ = birth;
        p.date("birth_date", birth);
        static constexpr std::array<std::string_view, 4> sexes{"female", "male", "other", "unknown"};
        std::size_t sex = rng_.weighted(std::array<double, 4>{52, 46, 1, 1});
        if (sex < 3) p.str("sex", sexes[sex]);
        if (rng_.chance(age_ >= 75 ? 0.03 : 0.005)) {
            deceased_ = as_of_ - days{rng_.range(1, 200)};
            p.date("deceased", *deceased_);
        }
        if (auto lang = language()) p.raw("language", *lang);
        draw_burden();
        p.raw("coverage", coverage());
        p.raw("conditions", conditions());
        p.raw("encounters", encounters());
        p.raw("care_team", care_team());
        p.raw("medications", medications());
        p.raw("observations", observations());
        if (auto s = social()) p.raw("social", *s);
        if (auto l = ltc()) p.raw("ltc_placement", *l);
        if (auto c = care_plan()) p.raw("care_plan", *c);
        return p.done();
    }

private:
    int draw_age() {
        static constexpr std::array<std::array<int, 2>, 7> bands{{{2, 17}, {18, 44}, {45, 64}, {65, 74}, {75, 84}, {85, 99}, {100, 104}}};
        auto b = bands[rng_.weighted(std::array<double, 7>{8, 22, 30, 22, 13, 4.8, 0.2})];
        return rng_.range(b[0], b[1]);
    }
    // Never before birth: a record dated before birth_date is an error (E0213, E0214).
    Date days_ago(int lo, int hi) { return std::max(as_of_ - days{rng_.range(lo, hi)}, birth_); }
    DateTime at_hour(Date d) { return DateTime{d} + minutes{rng_.range(0, 23) * 60 + rng_.range(0, 3) * 15}; }

    std::optional<std::string> language() {
        if (rng_.chance(0.08)) return std::nullopt;  // not recorded
        Obj l;
        if (rng_.chance(0.80)) {
            l.str("preferred", "en").boolean("interpreter_needed", false);
            if (!rng_.chance(0.1)) l.str("english_proficiency", "very_well");
            return l.done();
        }
        static constexpr std::array<std::string_view, 4> levels{"very_well", "well", "not_well", "not_at_all"};
        std::size_t lvl = rng_.weighted(std::array<double, 4>{30, 25, 30, 15});
        l.str("preferred", rng_.pick(kLanguages));
        if (!rng_.chance(0.15)) l.boolean("interpreter_needed", lvl >= 2);
        if (!rng_.chance(0.15)) l.str("english_proficiency", levels[lvl]);
        lep_ = lvl >= 1;
        return l.done();
    }

    void draw_burden() {
        double expected = age_ < 18 ? 0.3 : age_ < 45 ? 0.8 : age_ < 65 ? 1.8 : age_ < 75 ? 2.6 : 3.4;
        // A long tail: a few patients carry many conditions.
        int n = 0;
        for (int i = 0; i < 12; ++i) n += rng_.chance(expected / 12.0 * (i < 6 ? 1.6 : 0.4)) ? 1 : 0;
        std::array<double, kChronic.size()> w{};
        for (std::size_t i = 0; i < kChronic.size(); ++i) w[i] = kChronic[i].weight;
        if (age_ < 60) w[15] = 0.002;  // dementia
        for (int k = 0; k < n; ++k) {
            std::size_t c = rng_.weighted(w);
            w[c] = 0;
            b_.chronic.push_back(c);
            if (kChronic[c].name == "depression") b_.depression = true;
            if (kChronic[c].name == "diabetes") b_.diabetes = true;
        }
        if (age_ >= 14) {
            b_.sud = rng_.chance(0.05);
            b_.smi = rng_.chance(0.03);
        }
        b_.housing = rng_.chance(0.03);
        b_.food = rng_.chance(0.04);
    }

    std::string coverage_entry(std::string_view payer, std::string_view plan, std::string_view snp, std::string_view dual,
                               Date start, std::optional<Date> end) {
        Obj c;
        c.str("payer", payer);
        if (!plan.empty()) c.str("plan", plan);
        if (!snp.empty()) c.str("snp", snp);
        if (!dual.empty()) c.str("medicaid_dual", dual);
        if (!rng_.chance(0.02)) c.date("start", start);  // a few starts are not recorded
        if (end) c.date("end", *end);
        return c.done();
    }

    std::string coverage() {
        std::vector<std::string> out;
        Date start = days_ago(20, 3000);
        if (rng_.chance(0.06)) {  // an earlier coverage period that ended
            Date s0 = start - days{rng_.range(200, 1500)};
            out.push_back(coverage_entry("commercial", rng_.pick(kCommercialPlans), "", "", s0, start - days{1}));
        }
        bool medicare = age_ >= 65 || rng_.chance(age_ >= 18 ? 0.04 : 0.0);  // disability
        if (medicare) {
            std::size_t dual = rng_.weighted(std::array<double, 3>{80, 8, 12});  // none, partial, full
            std::string_view dual_name = dual == 0 ? "" : dual == 1 ? "partial" : "full";
            if (rng_.chance(0.47)) {
                std::string_view snp;
                if (dual > 0 && rng_.chance(0.45)) snp = "dual";
                else if (!b_.chronic.empty() && rng_.chance(0.12)) snp = "chronic";
                else if (age_ >= 80 && rng_.chance(0.08)) snp = "institutional";
                snp_ = !snp.empty();
                snp_start_ = start;
                char plan[16];
                std::snprintf(plan, sizeof plan, "H%04d-%03d", rng_.range(1000, 9999), rng_.range(1, 30));
                out.push_back(coverage_entry("medicare_advantage", plan, snp.empty() ? "none" : snp, dual_name, start, std::nullopt));
            } else {
                out.push_back(coverage_entry("medicare_ffs", "", "", dual_name, start, std::nullopt));
                if (dual == 0 && rng_.chance(0.1))
                    out.push_back(coverage_entry("commercial", "medigap_g", "", "", start, std::nullopt));
            }
            if (dual == 2) out.push_back(coverage_entry("medicaid", "MCD-FULL", "", "full", start, std::nullopt));
            return array(out);
        }
        std::size_t kind = rng_.weighted(std::array<double, 4>{60, 30, 6, 4});  // commercial, medicaid, uninsured, other
        if (kind == 0) out.push_back(coverage_entry("commercial", rng_.pick(kCommercialPlans), "", "", start, std::nullopt));
        else if (kind == 1) out.push_back(coverage_entry("medicaid", "MCD-MC", "", "", start, std::nullopt));
        else if (kind == 2) out.push_back(coverage_entry("uninsured", "", "", "", start, std::nullopt));
        else out.push_back(coverage_entry("other", "VA", "", "", start, std::nullopt));
        return array(out);
    }

    std::string condition(std::string_view code, std::string_view system, Date onset, bool active) {
        Obj c;
        c.str("code", code);
        if (!system.empty()) c.str("system", system);
        onset = std::max(onset, birth_);
        c.date("onset", onset);
        if (!rng_.chance(0.05)) c.date("recorded", onset + days{rng_.range(0, 60)});
        if (!active) {
            static constexpr std::array<std::string_view, 3> closed{"resolved", "inactive", "remission"};
            c.str("status", rng_.pick(closed));
            c.date("abatement", onset + days{rng_.range(30, 400)});
        } else if (rng_.chance(0.7)) {
            c.str("status", "active");
        }
        return c.done();
    }

    std::string conditions() {
        std::vector<std::string> out;
        for (std::size_t c : b_.chronic) {
            const auto& cat = kChronic[c];
            Date onset = days_ago(60, 365 * 15);
            bool snomed = !cat.snomed.empty() && rng_.chance(0.05);
            out.push_back(condition(snomed ? cat.snomed : cat.icd10[rng_.range(0, 2)], snomed ? "snomed" : "icd10cm", onset, true));
            if (rng_.chance(0.15))  // a second code in the same category counts once
                out.push_back(condition(cat.icd10[rng_.range(0, 2)], "", onset + days{rng_.range(30, 700)}, true));
        }
        if (rng_.chance(0.10)) {  // a chronic code that is no longer active
            const auto& cat = kChronic[rng_.next() % kChronic.size()];
            out.push_back(condition(cat.icd10[0], "icd10cm", days_ago(800, 4000), false));
        }
        if (b_.sud) out.push_back(condition(rng_.pick(kSud), "icd10cm", days_ago(30, 3000), true));
        if (b_.smi) out.push_back(condition(rng_.pick(kSmi), "icd10cm", days_ago(30, 5000), true));
        if (age_ >= 16 && rng_.chance(0.15)) out.push_back(condition(rng_.pick(kRemissionOrNicotine), "icd10cm", days_ago(100, 5000), true));
        if (b_.housing) out.push_back(condition(rng_.pick(kHousing), "icd10cm", days_ago(5, 400), true));
        if (b_.food) out.push_back(condition(rng_.pick(kFood), "icd10cm", days_ago(5, 400), true));
        if (rng_.chance(0.05)) out.push_back(condition("J18.9", "icd10cm", days_ago(30, 300), false));  // acute, resolved
        return array(out);
    }

    std::string encounter(std::string_view cls, DateTime admit, std::optional<DateTime> discharge, std::string_view disposition,
                          std::string_view dx, bool emergent) {
        Obj e;
        char id[16];
        std::snprintf(id, sizeof id, "e%d", ++encounter_no_);
        e.str("id", id).str("class", cls).datetime("admit", admit);
        if (discharge) e.datetime("discharge", *discharge);
        bool acute = cls == "inpatient" || cls == "inpatient_psych" || cls == "observation" || cls == "emergency";
        if (acute && !rng_.chance(0.05)) e.boolean("emergent", emergent);
        if (!rng_.chance(0.1)) e.boolean("planned", !emergent);
        if (discharge && !disposition.empty() && !rng_.chance(0.04)) e.str("disposition", disposition);
        if (!dx.empty()) e.str("diagnosis", dx);
        if (discharge && (cls == "inpatient" || cls == "inpatient_psych" || cls == "snf") && !rng_.chance(0.12)) {
            static constexpr std::array<std::string_view, 3> mdm{"low", "moderate", "high"};
            e.str("complexity", mdm[rng_.weighted(std::array<double, 3>{12, 50, 38})]);
        }
        return e.done();
    }

    // A hospital stay ending `back` days ago (or still going), with any post-acute stay after it.
    void hospital_stay(std::vector<std::string>& out, int back) {
        Date admit_day = std::max(as_of_ - days{back}, birth_);
        int los = rng_.range(1, 9);
        DateTime admit = at_hour(admit_day);
        std::optional<DateTime> discharge;
        Date discharge_day = admit_day + days{los};
        if (discharge_day <= as_of_) discharge = DateTime{discharge_day} + minutes{rng_.range(9, 19) * 60};
        if (discharge && *discharge < admit) discharge = admit + minutes{600};
        static constexpr std::array<std::string_view, 10> dispositions{"home", "home_health", "snf", "nursing_facility", "acute_transfer",
                                                                       "ama", "hospice", "irf", "other", "assisted_living"};
        std::string_view disp = dispositions[rng_.weighted(std::array<double, 10>{58, 15, 12, 2, 3, 2, 2, 2, 2, 2})];
        bool psych = (b_.smi || b_.sud) && rng_.chance(0.4);
        std::string_view dx = psych ? (b_.smi ? rng_.pick(kSmi) : rng_.pick(kSud)) : rng_.pick(kAdmitDx);
        out.push_back(encounter(psych ? "inpatient_psych" : "inpatient", admit, discharge, disp, dx, rng_.chance(0.72)));
        if (discharge && disp == "snf") {
            Date snf_end = discharge_day + days{rng_.range(5, 40)};
            std::optional<DateTime> snf_discharge;
            if (snf_end <= as_of_) snf_discharge = DateTime{snf_end} + minutes{11 * 60};
            out.push_back(encounter("snf", *discharge + minutes{120}, snf_discharge, rng_.chance(0.85) ? "home" : "home_health", dx, false));
        }
    }

    std::string encounters() {
        std::vector<std::string> out;
        double burden = static_cast<double>(b_.chronic.size()) + (b_.sud ? 1.5 : 0) + (b_.smi ? 1.5 : 0);
        int stays = 0;
        for (int i = 0; i < 5; ++i) stays += rng_.chance(std::min(0.6, (0.02 + 0.05 * burden) / (i + 1.0))) ? 1 : 0;
        for (int i = 0; i < stays; ++i) hospital_stay(out, rng_.range(2, 540));
        if (rng_.chance(0.03 + 0.01 * burden)) hospital_stay(out, rng_.range(2, 26));  // a recent transition
        int visits = rng_.range(0, 2 + static_cast<int>(burden));
        for (int i = 0; i < visits; ++i) {
            DateTime t = at_hour(days_ago(1, 365));
            bool tele = rng_.chance(0.2);
            std::string_view dx = b_.chronic.empty() ? "Z00.00" : kChronic[b_.chronic[rng_.next() % b_.chronic.size()]].icd10[0];
            out.push_back(encounter(tele ? "virtual" : "ambulatory", t, t + minutes{30}, "home", dx, false));
        }
        int ed = 0;
        for (int i = 0; i < 3; ++i) ed += rng_.chance(0.06 + 0.03 * burden / (i + 1.0)) ? 1 : 0;
        for (int i = 0; i < ed; ++i) {
            DateTime t = at_hour(days_ago(1, 365));
            out.push_back(encounter("emergency", t, t + minutes{rng_.range(2, 9) * 60}, "home", rng_.pick(kAdmitDx), true));
        }
        if (rng_.chance(0.03)) {
            DateTime t = at_hour(days_ago(2, 200));
            out.push_back(encounter("observation", t, t + minutes{rng_.range(20, 40) * 60}, "home", rng_.pick(kAdmitDx), true));
        }
        if (age_ >= 80 && rng_.chance(0.06)) {  // a long-term nursing facility stay, still going
            out.push_back(encounter("nursing_facility", at_hour(days_ago(30, 900)), std::nullopt, "", "", false));
            long_stay_ = true;
        }
        if (age_ >= 65 && rng_.chance(0.04)) {
            DateTime t = at_hour(days_ago(10, 300));
            out.push_back(encounter("home_health", t, t + minutes{60 * 24 * rng_.range(14, 60)}, "home", "", false));
        }
        return array(out);
    }

    std::string care_team() {
        std::vector<std::string> out;
        if (rng_.chance(age_ < 18 ? 0.9 : 0.85)) out.push_back(Obj().str("role", "pcp").str("specialty", age_ < 18 ? "pediatrics" : "family_medicine").done());
        std::vector<std::string_view> specialties;
        for (std::size_t c : b_.chronic) {
            auto s = kChronic[c].specialty;
            if (!s.empty() && std::find(specialties.begin(), specialties.end(), s) == specialties.end() && rng_.chance(0.6))
                specialties.push_back(s);
        }
        for (auto s : specialties) out.push_back(Obj().str("role", "specialist").str("specialty", s).done());
        if ((b_.depression || b_.smi || b_.sud) && rng_.chance(0.5)) out.push_back(Obj().str("role", "behavioral").done());
        if (rng_.chance(0.08)) out.push_back(Obj().str("role", "case_manager").done());
        return array(out);
    }

    std::string medications() {
        std::vector<std::string> out;
        for (std::size_t c : b_.chronic) {
            const auto& cat = kChronic[c];
            if (cat.rxnorm.empty() || !rng_.chance(0.8)) continue;
            Obj m;
            m.str("code", cat.rxnorm).str("system", "rxnorm");
            bool stopped = rng_.chance(0.08);
            if (stopped) m.str("status", "stopped");
            std::vector<std::string> events;
            Date started = days_ago(30, 2000);
            events.push_back(Obj().str("type", "started").date("date", started).done());
            if (rng_.chance(0.15)) events.push_back(Obj().str("type", rng_.chance(0.5) ? "changed" : "failed").date("date", days_ago(1, 300)).done());
            if (stopped) events.push_back(Obj().str("type", "stopped").date("date", days_ago(1, 200)).done());
            m.raw("events", array(events));
            out.push_back(m.done());
        }
        return array(out);
    }

    std::string observation(std::string_view code, Date d, std::optional<double> value, bool integer) {
        Obj o;
        o.str("code", code).date("date", d);
        if (value) {
            if (integer) o.integer("value", static_cast<long long>(*value));
            else o.decimal("value", *value);
        }
        return o.done();
    }

    std::string observations() {
        std::vector<std::string> out;
        if (age_ >= 18 && rng_.chance(0.7)) {
            bool obese = std::any_of(b_.chronic.begin(), b_.chronic.end(), [](std::size_t c) { return kChronic[c].name == "obesity"; });
            double bmi = obese ? 30.0 + rng_.range(0, 150) / 10.0 : 19.0 + rng_.range(0, 140) / 10.0;
            out.push_back(observation("bmi", days_ago(1, 365), bmi, false));
        }
        if (b_.diabetes && rng_.chance(0.8)) out.push_back(observation("4548-4", days_ago(1, 180), 5.8 + rng_.range(0, 60) / 10.0, false));
        if (age_ >= 12 && (b_.depression || b_.smi) && rng_.chance(0.7)) {
            // A PHQ-9 treat-to-target history: a baseline, and a score 10-12 weeks later that
            // either responded (a 50% fall) or did not.
            Date baseline = days_ago(40, 120);
            int base = rng_.range(10, 24);
            out.push_back(observation("phq9", baseline, base, true));
            Date follow = baseline + days{rng_.range(70, 84)};
            if (follow <= as_of_) {
                int score = rng_.chance(0.5) ? rng_.range(0, base / 2) : rng_.range(base / 2 + 1, base);
                out.push_back(observation(rng_.chance(0.9) ? "phq9" : "44261-6", follow, score, true));
            }
            if (rng_.chance(0.05)) out.push_back(observation("phq9", days_ago(1, 30), std::nullopt, true));  // value missing
        } else if (age_ >= 12 && rng_.chance(0.3)) {
            out.push_back(observation("phq9", days_ago(1, 365), rng_.range(0, 9), true));
        }
        if (age_ >= 65 && rng_.chance(0.2)) out.push_back(observation("hemoglobin", days_ago(1, 365), 10.0 + rng_.range(0, 50) / 10.0, false));
        return array(out);
    }

    std::optional<std::string> social() {
        if (rng_.chance(0.15)) return std::nullopt;  // never screened
        Obj s;
        auto flag = [&](std::string_view k, bool v) {
            if (!rng_.chance(0.05)) s.boolean(k, v);
        };
        flag("housing_instability", b_.housing || rng_.chance(0.03));
        flag("food_insecurity", b_.food || rng_.chance(0.06));
        flag("transportation_insecurity", rng_.chance(0.07));
        static constexpr std::array<std::string_view, 3> support{"reliable", "limited", "none"};
        static constexpr std::array<std::string_view, 3> literacy{"adequate", "marginal", "limited"};
        if (!rng_.chance(0.05)) s.str("social_support", support[rng_.weighted(std::array<double, 3>{75, 20, 5})]);
        if (!rng_.chance(0.08)) s.str("health_literacy", literacy[rng_.weighted(std::array<double, 3>{lep_ ? 50.0 : 80.0, 12, 8})]);
        return s.done();
    }

    std::optional<std::string> ltc() {
        if (!(age_ >= 75 && rng_.chance(0.04)) && !long_stay_) return std::nullopt;
        Obj l;
        bool open = !long_stay_ || rng_.chance(0.3);
        l.boolean("decision_open", open);
        if (open) l.date("since", days_ago(5, 120));
        if (rng_.chance(0.7)) {
            l.integer("expected_stay_days", rng_.range(20, 400));
            l.date("assessed", days_ago(5, 200));
        }
        return l.done();
    }

    std::optional<std::string> care_plan() {
        double p = 0.05 + 0.08 * static_cast<double>(b_.chronic.size()) + (snp_ ? 0.5 : 0.0);
        if (!rng_.chance(std::min(0.9, p))) return std::nullopt;
        static constexpr std::array<std::string_view, 8> states{"identified", "assessed", "planned", "active",
                                                                "monitoring", "reassessment_due", "in_transition", "closed"};
        static constexpr std::array<std::string_view, 3> tiers{"routine", "care_coordination", "case_management"};
        Obj c;
        c.str("state", states[rng_.weighted(std::array<double, 8>{5, 5, 5, 40, 25, 8, 4, 8})]);
        Date enrolled = days_ago(20, 1200);
        c.date("enrolled", enrolled);
        int since = static_cast<int>((as_of_ - enrolled).count());
        if (rng_.chance(0.85)) c.date("last_comprehensive_assessment", as_of_ - days{rng_.range(0, since)});
        if (snp_ && rng_.chance(0.8)) c.date("last_hra", as_of_ - days{rng_.range(0, std::min(since + 60, 500))});
        if (rng_.chance(0.8)) c.str("tier", tiers[rng_.weighted(std::array<double, 3>{30, 45, 25})]);
        if (snp_) c.date("snp_enrolled", snp_start_);
        return c.done();
    }

    Rng rng_;
    Date as_of_;
    std::string id_;
    int age_ = 0;
    Date birth_{};
    std::optional<Date> deceased_;
    Burden b_;
    bool lep_ = false, snp_ = false, long_stay_ = false;
    Date snp_start_{};
    int encounter_no_ = 0;
};

}  // namespace

std::string generate_patient_json(const PopulationOptions& options, std::size_t index) {
    return Generator(options, index).run();
}

}  // namespace carecoord::testing
