// Tests for src/time/calendar: every expected value below is a real-world fact (OPM
// federal holiday tables, known weekdays, Gregorian leap-year rules), not program output.
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "time/calendar.hpp"

namespace ct = carecoord::time;
using carecoord::Date;
using carecoord::DateTime;

namespace {

Date D(const char* s) {
    const auto d = ct::parse_date(s);
    REQUIRE_MESSAGE(d.has_value(), s);
    return *d;
}

std::string fmt(const std::optional<DateTime>& t) { return t ? ct::format_datetime(*t) : "nullopt"; }

constexpr int kSun = 0, kMon = 1, kTue = 2, kWed = 3, kThu = 4, kFri = 5, kSat = 6;

std::vector<std::string> holiday_dates(const ct::Calendar& cal, int year) {
    std::vector<std::string> out;
    for (const auto& [d, name] : cal.holidays_in(year)) out.push_back(ct::format_date(d));
    return out;
}

}  // namespace

TEST_CASE("parse_date accepts valid ISO dates and round-trips") {
    for (const char* s : {"2025-08-29", "1800-01-01", "2999-12-31", "2024-02-29", "2000-02-29", "1970-01-01"}) {
        const auto d = ct::parse_date(s);
        REQUIRE_MESSAGE(d.has_value(), s);
        CHECK(ct::format_date(*d) == s);
    }
    CHECK(ct::parse_date("1970-01-01")->time_since_epoch().count() == 0);
    CHECK(ct::parse_date("2000-03-01")->time_since_epoch().count() == 11017);
}

TEST_CASE("parse_date rejects malformed and impossible dates") {
    for (const char* s : {"", "2025-02-30", "2023-02-29", "2100-02-29", "2025-13-01", "2025-00-10",
                          "2025-01-00", "2025-04-31", "2025-2-3", "2025-02-3", "2025-02-03x", " 2025-02-03",
                          "2025-02-03 ", "25-02-03", "2025/02/03", "20250203", "2025-02-03T00:00",
                          "1799-12-31", "3000-01-01", "+025-01-01", "2025-0a-01", "2025--2-01"}) {
        CHECK_MESSAGE(!ct::parse_date(s).has_value(), s);
    }
}

TEST_CASE("leap years follow the Gregorian rule") {
    CHECK(ct::parse_date("2024-02-29").has_value());
    CHECK(ct::parse_date("2000-02-29").has_value());
    CHECK_FALSE(ct::parse_date("2100-02-29").has_value());
    CHECK_FALSE(ct::parse_date("1900-02-29").has_value());
    CHECK_FALSE(ct::parse_date("2023-02-29").has_value());
    CHECK(ct::add_months(D("2024-01-31"), 1) == D("2024-02-29"));
    CHECK(ct::add_months(D("2100-01-31"), 1) == D("2100-02-28"));
    CHECK(ct::add_months(D("2000-01-31"), 1) == D("2000-02-29"));
}

TEST_CASE("parse_datetime") {
    CHECK(fmt(ct::parse_datetime("2025-08-29")) == "2025-08-29T00:00");
    CHECK(fmt(ct::parse_datetime("2025-08-29T15:00")) == "2025-08-29T15:00");
    CHECK(fmt(ct::parse_datetime("2025-08-29 15:07")) == "2025-08-29T15:07");
    CHECK(fmt(ct::parse_datetime("2025-08-29T15:07:59")) == "2025-08-29T15:07");
    CHECK(fmt(ct::parse_datetime("2025-08-29T15:07:59.999")) == "2025-08-29T15:07");
    CHECK(fmt(ct::parse_datetime("2025-08-29T23:59:59.123456789Z")) == "2025-08-29T23:59");
    CHECK(fmt(ct::parse_datetime("2025-08-29T00:00Z")) == "2025-08-29T00:00");
    // Offsets are validated and ignored: the time is the wall clock of the care setting.
    CHECK(fmt(ct::parse_datetime("2025-08-29T15:00-04:00")) == "2025-08-29T15:00");
    CHECK(fmt(ct::parse_datetime("2025-08-29T15:00:30+05:30")) == "2025-08-29T15:00");
    CHECK(fmt(ct::parse_datetime("2025-08-29T15:00:30.5+00:00")) == "2025-08-29T15:00");
    CHECK(*ct::parse_datetime("2025-08-29T15:00") - *ct::parse_datetime("2025-08-29") == std::chrono::hours{15});
    CHECK(ct::date_of(*ct::parse_datetime("2025-08-29T23:59")) == D("2025-08-29"));

    for (const char* s : {"", "2025-08-29T", "2025-08-29T24:00", "2025-08-29T24:01", "2025-08-29T23:60",
                          "2025-08-29T12:00:60", "2025-08-29T1:00", "2025-08-29T12:0", "2025-08-29T12",
                          "2025-08-29T12:00:", "2025-08-29T12:00:5", "2025-08-29T12:00.5", "2025-08-29T12:00:00.",
                          "2025-08-29X12:00", "2025-08-29T12:00+0500", "2025-08-29T12:00+05", "2025-08-29T12:00+24:00",
                          "2025-08-29T12:00+05:60", "2025-08-29T12:00ZZ", "2025-08-29T12:00 ", "2025-02-30T12:00",
                          "2025-02-30", "2025-08-29T12:00z1", "2025-08-29T12-00"}) {
        CHECK_MESSAGE(!ct::parse_datetime(s).has_value(), s);
    }
    CHECK(fmt(ct::parse_datetime("2025-08-29T23:59")) == "2025-08-29T23:59");
}

TEST_CASE("format_date / format_datetime") {
    CHECK(ct::format_date(D("2025-08-29")) == "2025-08-29");
    CHECK(ct::format_date(D("1800-01-01")) == "1800-01-01");
    CHECK(ct::format_datetime(ct::start_of(D("2025-01-05")) + std::chrono::minutes{9 * 60 + 5}) ==
          "2025-01-05T09:05");
    // 72 hours after a late-evening discharge crosses a month end.
    CHECK(ct::format_datetime(*ct::parse_datetime("2025-01-30T22:15") + std::chrono::hours{72}) ==
          "2025-02-02T22:15");
    // Before the epoch, the floor is taken (not truncation toward zero).
    CHECK(ct::format_datetime(*ct::parse_datetime("1969-12-31T23:59")) == "1969-12-31T23:59");
}

TEST_CASE("add_months / add_years clamp to the month end") {
    CHECK(ct::add_months(D("2025-01-31"), 1) == D("2025-02-28"));
    CHECK(ct::add_months(D("2024-01-31"), 1) == D("2024-02-29"));
    CHECK(ct::add_months(D("2025-03-31"), -1) == D("2025-02-28"));
    CHECK(ct::add_months(D("2024-03-31"), -1) == D("2024-02-29"));
    CHECK(ct::add_months(D("2025-03-31"), 1) == D("2025-04-30"));
    CHECK(ct::add_months(D("2025-05-31"), -1) == D("2025-04-30"));
    CHECK(ct::add_months(D("2025-01-15"), 1) == D("2025-02-15"));
    CHECK(ct::add_months(D("2025-11-30"), 3) == D("2026-02-28"));
    CHECK(ct::add_months(D("2025-01-31"), -1) == D("2024-12-31"));
    CHECK(ct::add_months(D("2025-01-10"), -13) == D("2023-12-10"));
    CHECK(ct::add_months(D("2025-01-10"), 24) == D("2027-01-10"));
    CHECK(ct::add_months(D("2025-08-29"), 0) == D("2025-08-29"));
    CHECK(ct::add_months(D("2025-12-31"), 2) == D("2026-02-28"));
    CHECK(ct::add_months(D("2025-08-31"), 6) == D("2026-02-28"));
    CHECK(ct::add_years(D("2024-02-29"), 1) == D("2025-02-28"));
    CHECK(ct::add_years(D("2024-02-29"), 4) == D("2028-02-29"));
    CHECK(ct::add_years(D("2024-02-29"), -1) == D("2023-02-28"));
    CHECK(ct::add_years(D("2024-02-29"), -4) == D("2020-02-29"));
    CHECK(ct::add_years(D("2000-02-29"), 100) == D("2100-02-28"));
    CHECK(ct::add_years(D("2025-08-29"), -65) == D("1960-08-29"));
    // Extreme counts do not overflow (years saturate far outside any real date).
    (void)ct::add_months(D("2025-01-01"), INT32_MAX);
    (void)ct::add_months(D("2025-01-01"), INT32_MIN);
    (void)ct::add_years(D("2025-01-01"), INT32_MAX);
    (void)ct::add_years(D("2025-01-01"), INT32_MIN);
}

TEST_CASE("weekday_of matches known weekdays") {
    CHECK(ct::weekday_of(D("1970-01-01")) == kThu);
    CHECK(ct::weekday_of(D("2000-01-01")) == kSat);
    CHECK(ct::weekday_of(D("2022-01-01")) == kSat);
    CHECK(ct::weekday_of(D("2025-08-29")) == kFri);
    CHECK(ct::weekday_of(D("2026-11-27")) == kFri);
    CHECK(ct::weekday_of(D("2026-11-26")) == kThu);
    CHECK(ct::weekday_of(D("2026-07-04")) == kSat);
    CHECK(ct::weekday_of(D("2026-01-01")) == kThu);
    CHECK(ct::weekday_of(D("1969-07-20")) == kSun);
    CHECK(ct::weekday_of(D("1865-04-14")) == kFri);
    CHECK(ct::weekday_of(D("2026-05-25")) == kMon);
    CHECK(ct::weekday_of(D("2026-05-27")) == kWed);
    CHECK(ct::weekday_of(D("2024-12-31")) == kTue);
}

TEST_CASE("US federal holidays 2025 (OPM)") {
    const auto cal = ct::us_federal_calendar();
    const std::vector<std::string> expected{"2025-01-01", "2025-01-20", "2025-02-17", "2025-05-26",
                                            "2025-06-19", "2025-07-04", "2025-09-01", "2025-10-13",
                                            "2025-11-11", "2025-11-27", "2025-12-25"};
    CHECK(holiday_dates(cal, 2025) == expected);
    for (const auto& s : expected) {
        CHECK_MESSAGE(cal.is_holiday(D(s.c_str())), s);
        CHECK_MESSAGE(!cal.is_business_day(D(s.c_str())), s);
    }
    // Both sides of each holiday are ordinary days.
    for (const auto& s : expected) {
        CHECK_MESSAGE(!cal.is_holiday(D(s.c_str()) - std::chrono::days{1}), s);
        CHECK_MESSAGE(!cal.is_holiday(D(s.c_str()) + std::chrono::days{1}), s);
    }
    const auto list = cal.holidays_in(2025);
    REQUIRE(list.size() == 11);
    CHECK(list.front().second == "New Year's Day");
    CHECK(list[3].second == "Memorial Day");
    CHECK(list.back().second == "Christmas Day");
}

TEST_CASE("US federal holidays 2026 (OPM)") {
    const auto cal = ct::us_federal_calendar();
    const std::vector<std::string> expected{"2026-01-01", "2026-01-19", "2026-02-16", "2026-05-25",
                                            "2026-06-19", "2026-07-03", "2026-09-07", "2026-10-12",
                                            "2026-11-11", "2026-11-26", "2026-12-25"};
    CHECK(holiday_dates(cal, 2026) == expected);
    CHECK(ct::weekday_of(D("2026-01-01")) == kThu);
    CHECK(ct::weekday_of(D("2026-06-19")) == kFri);
    CHECK(ct::weekday_of(D("2026-07-03")) == kFri);
    CHECK(ct::weekday_of(D("2026-11-11")) == kWed);
    CHECK(ct::weekday_of(D("2026-12-25")) == kFri);
    // July 4 2026 is a Saturday: observed Friday July 3; the Saturday itself is a weekend
    // day, not the observed holiday, and Monday July 6 is a business day.
    CHECK(cal.is_holiday(D("2026-07-03")));
    CHECK_FALSE(cal.is_holiday(D("2026-07-04")));
    CHECK(cal.is_weekend(D("2026-07-04")));
    CHECK_FALSE(cal.is_holiday(D("2026-07-06")));
    CHECK(cal.is_business_day(D("2026-07-02")));
    CHECK(cal.is_business_day(D("2026-07-06")));
    for (const auto& s : expected) CHECK_MESSAGE(cal.is_holiday(D(s.c_str())), s);
    // Nothing else in 2026 is a holiday.
    int count = 0;
    for (Date d = D("2026-01-01"); d <= D("2026-12-31"); d += std::chrono::days{1}) count += cal.is_holiday(d);
    CHECK(count == 11);
}

TEST_CASE("observed holidays crossing a year end") {
    const auto cal = ct::us_federal_calendar();
    // New Year's Day 2022 was a Saturday: observed Friday 2021-12-31.
    CHECK(ct::weekday_of(D("2022-01-01")) == kSat);
    CHECK(cal.is_holiday(D("2021-12-31")));
    CHECK_FALSE(cal.is_holiday(D("2022-01-01")));
    CHECK_FALSE(cal.is_holiday(D("2021-12-30")));
    CHECK_FALSE(cal.is_holiday(D("2022-01-03")));
    const auto y2021 = holiday_dates(cal, 2021);
    REQUIRE(y2021.size() == 12);  // OPM 2021 lists Jan 1 and Dec 31 (for Jan 1 2022)
    CHECK(y2021.front() == "2021-01-01");
    CHECK(y2021.back() == "2021-12-31");
    CHECK(y2021[10] == "2021-12-24");  // Christmas 2021 (Saturday) observed Friday Dec 24
    CHECK(holiday_dates(cal, 2022).size() == 10);
    // Juneteenth 2021 (Saturday) observed Friday June 18.
    CHECK(cal.is_holiday(D("2021-06-18")));
    // New Year's Day 2023 was a Sunday: observed Monday 2023-01-02.
    CHECK(cal.is_holiday(D("2023-01-02")));
    CHECK(ct::weekday_of(D("2023-01-01")) == kSun);
    CHECK_FALSE(cal.is_holiday(D("2023-01-01")));
    CHECK_FALSE(cal.is_holiday(D("2022-12-30")));

    // next_weekday across the year end: Dec 31 2022 was a Saturday -> Monday Jan 2 2023.
    ct::HolidayRule eve;
    eve.name = "Year End";
    eve.month = 12;
    eve.day = 31;
    eve.observed = ct::Observed::next_weekday;
    const ct::Calendar c2("test", {0, 6}, {eve});
    CHECK(c2.is_holiday(D("2023-01-02")));
    CHECK_FALSE(c2.is_holiday(D("2022-12-31")));
    CHECK_FALSE(c2.is_holiday(D("2022-12-30")));
    // Dec 31 2023 was a Sunday -> Monday Jan 1 2024, listed under 2024.
    CHECK(holiday_dates(c2, 2023) == std::vector<std::string>{"2023-01-02"});
    CHECK(holiday_dates(c2, 2024) == std::vector<std::string>{"2024-01-01", "2024-12-31"});
}

TEST_CASE("Juneteenth only from 2021") {
    const auto cal = ct::us_federal_calendar();
    CHECK(ct::weekday_of(D("2020-06-19")) == kFri);
    CHECK_FALSE(cal.is_holiday(D("2020-06-19")));
    CHECK(cal.is_business_day(D("2020-06-19")));
    CHECK(holiday_dates(cal, 2020).size() == 10);
    CHECK(cal.is_holiday(D("2024-06-19")));
    CHECK(cal.is_holiday(D("2022-06-20")));  // June 19 2022 was a Sunday
}

TEST_CASE("nth-weekday rules and the last weekday of a month") {
    const auto cal = ct::us_federal_calendar();
    // Memorial Day: last Monday of May; May 2021 had five Mondays (the 31st).
    CHECK(cal.is_holiday(D("2021-05-31")));
    CHECK_FALSE(cal.is_holiday(D("2021-05-24")));
    // Thanksgiving: 4th Thursday, not the last (November 2023 had five Thursdays).
    CHECK(cal.is_holiday(D("2023-11-23")));
    CHECK_FALSE(cal.is_holiday(D("2023-11-30")));
    // A 5th weekday that does not exist this year produces no holiday.
    ct::HolidayRule fifth;
    fifth.name = "Fifth Friday";
    fifth.month = 2;
    fifth.weekday = kFri;
    fifth.nth = 5;
    const ct::Calendar c("test", {0, 6}, {fifth});
    CHECK(c.holidays_in(2025).empty());
    CHECK(holiday_dates(c, 2036) == std::vector<std::string>{"2036-02-29"});
    // Observed::none keeps a weekend holiday on the weekend day.
    ct::HolidayRule fixed;
    fixed.name = "Fixed";
    fixed.month = 7;
    fixed.day = 4;
    const ct::Calendar c3("test", {0, 6}, {fixed});
    CHECK(c3.is_holiday(D("2026-07-04")));
    CHECK_FALSE(c3.is_holiday(D("2026-07-03")));
    CHECK(c3.is_business_day(D("2026-07-03")));
    // from_year / until_year are inclusive.
    ct::HolidayRule ranged = fixed;
    ranged.from_year = 2020;
    ranged.until_year = 2022;
    const ct::Calendar c4("test", {0, 6}, {ranged});
    CHECK_FALSE(c4.is_holiday(D("2019-07-04")));
    CHECK(c4.is_holiday(D("2020-07-04")));
    CHECK(c4.is_holiday(D("2022-07-04")));
    CHECK_FALSE(c4.is_holiday(D("2023-07-04")));
}

TEST_CASE("add_business_days") {
    const auto cal = ct::us_federal_calendar();
    // A Friday + 2 business days = Tuesday.
    CHECK(cal.add_business_days(D("2025-08-22"), 2) == D("2025-08-26"));
    CHECK(cal.add_business_days(D("2025-08-22"), 1) == D("2025-08-25"));
    // Friday before Memorial Day 2026 + 2 = Wednesday.
    CHECK(cal.add_business_days(D("2026-05-22"), 2) == D("2026-05-27"));
    CHECK(cal.add_business_days(D("2026-05-22"), 1) == D("2026-05-26"));
    // Saturday + 2 = Tuesday; Sunday + 1 = Monday.
    CHECK(cal.add_business_days(D("2025-08-23"), 2) == D("2025-08-26"));
    CHECK(cal.add_business_days(D("2025-08-24"), 1) == D("2025-08-25"));
    // Wednesday before Thanksgiving 2026 + 2 = Monday.
    CHECK(cal.add_business_days(D("2026-11-25"), 2) == D("2026-11-30"));
    CHECK(cal.add_business_days(D("2026-11-25"), 1) == D("2026-11-27"));  // Friday after is a workday
    // Christmas 2026 (Friday) and New Year 2027 (Friday).
    CHECK(cal.add_business_days(D("2026-12-24"), 1) == D("2026-12-28"));
    CHECK(cal.add_business_days(D("2026-12-31"), 1) == D("2027-01-04"));
    // Across New Year 2022 observed on Friday 2021-12-31.
    CHECK(cal.add_business_days(D("2021-12-30"), 1) == D("2022-01-03"));
    // n = 0 returns d, even on a weekend.
    CHECK(cal.add_business_days(D("2025-08-23"), 0) == D("2025-08-23"));
    // Negative n.
    CHECK(cal.add_business_days(D("2025-08-26"), -2) == D("2025-08-22"));
    CHECK(cal.add_business_days(D("2026-05-26"), -1) == D("2026-05-22"));
    CHECK(cal.add_business_days(D("2025-08-24"), -1) == D("2025-08-22"));
    CHECK(cal.add_business_days(D("2022-01-03"), -1) == D("2021-12-30"));
    CHECK(cal.add_business_days(D("2026-11-30"), -2) == D("2026-11-25"));
    // 2025 has 261 weekdays and 11 weekday holidays: 250 business days.
    CHECK(cal.add_business_days(D("2024-12-31"), 250) == D("2025-12-31"));
    CHECK(cal.business_days_between(D("2024-12-31"), D("2025-12-31")) == 250);
}

TEST_CASE("add_business_days terminates on degenerate calendars") {
    const ct::Calendar all_weekend("none", {0, 1, 2, 3, 4, 5, 6}, {});
    CHECK(all_weekend.add_business_days(D("2025-08-22"), 5) == D("2025-08-22"));
    CHECK(all_weekend.add_business_days(D("2025-08-22"), -5) == D("2025-08-22"));
    CHECK(all_weekend.business_days_between(D("2025-01-01"), D("2025-12-31")) == 0);
    // Every weekday a holiday (observed none), weekends Saturday and Sunday.
    std::vector<ct::HolidayRule> every;
    for (int wd = 1; wd <= 5; ++wd) {
        for (int n = 1; n <= 5; ++n) {
            ct::HolidayRule r;
            r.name = "h";
            r.weekday = wd;
            r.nth = n;
            for (int m = 1; m <= 12; ++m) {
                r.month = m;
                every.push_back(r);
            }
        }
    }
    const ct::Calendar blocked("blocked", {0, 6}, every);
    CHECK_FALSE(blocked.is_business_day(D("2025-08-22")));
    CHECK(blocked.add_business_days(D("2025-08-22"), 3) == D("2025-08-22"));
    CHECK(blocked.business_days_between(D("2025-01-01"), D("2025-12-31")) == 0);
    // No weekend at all.
    const ct::Calendar seven("seven", {}, {});
    CHECK(seven.add_business_days(D("2025-08-23"), 2) == D("2025-08-25"));
    // |n| is clamped to 100000 and the call returns.
    const auto cal = ct::us_federal_calendar();
    const Date far = cal.add_business_days(D("2025-01-01"), INT32_MAX);
    CHECK(cal.business_days_between(D("2025-01-01"), far) == 100000);
    const Date back = cal.add_business_days(D("2025-01-01"), INT32_MIN);
    CHECK(cal.business_days_between(D("2025-01-01"), back) == -100000);
    // Out-of-range weekend numbers are ignored.
    const ct::Calendar odd("odd", {7, -1, 6, 0}, {});
    CHECK(odd.is_weekend(D("2025-08-23")));
    CHECK_FALSE(odd.is_weekend(D("2025-08-25")));
}

TEST_CASE("business_days_between") {
    const auto cal = ct::us_federal_calendar();
    CHECK(cal.business_days_between(D("2025-08-22"), D("2025-08-22")) == 0);
    CHECK(cal.business_days_between(D("2025-08-22"), D("2025-08-25")) == 1);  // Fri -> Mon
    CHECK(cal.business_days_between(D("2025-08-22"), D("2025-08-26")) == 2);
    CHECK(cal.business_days_between(D("2025-08-22"), D("2025-08-23")) == 0);  // Fri -> Sat
    CHECK(cal.business_days_between(D("2026-05-22"), D("2026-05-27")) == 2);  // Memorial Day
    CHECK(cal.business_days_between(D("2026-05-22"), D("2026-05-25")) == 0);
    CHECK(cal.business_days_between(D("2026-11-25"), D("2026-11-30")) == 2);  // Thanksgiving
    CHECK(cal.business_days_between(D("2025-08-26"), D("2025-08-22")) == -2);
    CHECK(cal.business_days_between(D("2021-12-30"), D("2022-01-03")) == 1);
    // 2026: 261 weekdays, 11 holidays all on weekdays (July 4 observed Friday July 3).
    CHECK(cal.business_days_between(D("2025-12-31"), D("2026-12-31")) == 250);
    // 2021: 261 weekdays; holidays on weekdays: 11 of 2021 plus Dec 31 for New Year 2022.
    CHECK(cal.business_days_between(D("2020-12-31"), D("2021-12-31")) == 249);
    // Agrees with counting day by day, and round-trips with add_business_days, over a
    // span of years around the observed-holiday year ends and across weekend starts.
    int counted = 0;
    const Date start = D("2019-12-27");
    for (Date d = start + std::chrono::days{1}; d <= D("2028-01-05"); d += std::chrono::days{1}) {
        counted += cal.is_business_day(d);
        if (d.time_since_epoch().count() % 17 == 0) {
            REQUIRE(cal.business_days_between(start, d) == counted);
        }
    }
    CHECK(cal.business_days_between(start, D("2028-01-05")) == counted);
    for (Date d = D("2021-12-20"); d <= D("2022-01-10"); d += std::chrono::days{1}) {
        for (int n = -12; n <= 12; ++n) {
            const Date t = cal.add_business_days(d, n);
            CHECK(cal.business_days_between(d, t) == n);
            if (n != 0) CHECK(cal.is_business_day(t));
        }
    }
    // Large spans are computed without walking day by day and stay exact.
    const auto long_span = cal.business_days_between(D("1800-01-01"), D("2999-12-31"));
    CHECK(long_span > 0);
    CHECK(cal.add_business_days(D("1800-01-01"), 100000) <= D("2999-12-31"));
}

TEST_CASE("duplicate holiday rules count once") {
    ct::HolidayRule a;
    a.name = "A";
    a.month = 12;
    a.day = 25;
    a.observed = ct::Observed::nearest_weekday;
    ct::HolidayRule b = a;
    b.name = "B";
    const ct::Calendar cal("dup", {0, 6}, {a, b});
    // Dec 25 2026 is a Friday: one business day lost, not two.
    CHECK(cal.business_days_between(D("2026-12-24"), D("2026-12-28")) == 1);
    CHECK(cal.holidays_in(2026).size() == 2);
}

TEST_CASE("add_business_days by whole weeks agrees with a day-by-day walk on a 600-holiday calendar") {
    // 600 rules: every month, the odd days 1-27 fixed (every third with the nearest-weekday
    // observed rule, so that several rules can observe one date) and the first of each
    // weekday; the other rules repeat those (duplicates count once). About ten business
    // days a month remain.
    std::vector<ct::HolidayRule> rules;
    for (int m = 1; m <= 12 && rules.size() < 600; ++m) {
        for (int day = 1; day <= 28 && rules.size() < 600; day += 1) {
            if (day % 2 == 0) continue;  // every other day: business days remain
            ct::HolidayRule r;
            r.name = "f";
            r.month = m;
            r.day = day;
            r.observed = day % 3 == 0 ? ct::Observed::nearest_weekday : ct::Observed::none;
            rules.push_back(r);
        }
        for (int wd = 0; wd <= 6 && rules.size() < 600; ++wd)
            for (int nth = 1; nth <= 1 && rules.size() < 600; ++nth) {
                ct::HolidayRule r;
                r.name = "w";
                r.month = m;
                r.weekday = wd;
                r.nth = nth;
                rules.push_back(r);
            }
    }
    while (rules.size() < 600) rules.push_back(rules[rules.size() % 252]);
    REQUIRE(rules.size() == 600);
    const ct::Calendar cal("dense", {0, 6}, rules);
    // The reference: the days of 2000-2100 marked business or not, one is_business_day each.
    const Date first = D("2000-01-01"), last = D("2100-12-31");
    std::vector<char> business;
    for (Date d = first; d <= last; d += std::chrono::days{1}) business.push_back(cal.is_business_day(d));
    auto walk = [&](Date from, int n) {
        const int step = n > 0 ? 1 : -1;
        Date d = from;
        for (int left = n > 0 ? n : -n; left > 0;) {
            d += std::chrono::days{step};
            if (business[static_cast<std::size_t>((d - first).count())]) --left;
        }
        return d;
    };
    for (Date start : {D("2040-01-01"), D("2040-01-04"), D("2050-06-15"), D("2060-12-31")})
        for (int n : {1, 4, 5, 6, 7, 11, 250, 2501, -1, -5, -6, -250, -2501}) {
            CAPTURE(ct::format_date(start));
            CAPTURE(n);
            const Date t = cal.add_business_days(start, n);
            CHECK(t == walk(start, n));
            CHECK(cal.business_days_between(start, t) == n);
        }
}
