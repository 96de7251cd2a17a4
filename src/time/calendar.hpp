// Calendar arithmetic: the one module that knows about months, leap years, weekdays,
// holidays and business days. Built on Howard Hinnant's date.h (never tz.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "carecoord/patient.hpp"  // Date, DateTime

namespace carecoord::time {

// Strict ISO 8601 calendar date "YYYY-MM-DD" (years 1800-2999); rejects 2025-02-30.
std::optional<Date> parse_date(std::string_view text);

// "YYYY-MM-DD", "YYYY-MM-DDTHH:MM" or "YYYY-MM-DDTHH:MM:SS" (seconds and fractions are
// dropped), optionally followed by "Z" or "+hh:mm"/"-hh:mm", which is ignored: times are
// wall-clock times of the care setting (docs/patient-schema.md). A date alone is 00:00.
// Rejects impossible dates and times (2025-02-30, 24:01).
std::optional<DateTime> parse_datetime(std::string_view text);

// Why a text that parse_date (or, for the first 10 characters, parse_datetime) refused is not
// a date, for a diagnostic, without quoting the text: "is not a calendar date (February 2026
// has 28 days)", "is not a calendar date (there is no month 13)", "is outside the years
// 1800-2999", or "is not a date (YYYY-MM-DD)" when it does not have the shape of one.
// `detail` false leaves out the month, year and day count, which would disclose the date: for
// patient documents ("is not a calendar date (no such day or month)").
std::string date_problem(std::string_view text, bool detail = true);

std::string format_date(Date d);          // "2025-08-29"
std::string format_datetime(DateTime t);  // "2025-08-29T15:00"
// The same text appended to `out` (writers of JSON and CSV build one string per record).
void append_date(std::string& out, Date d);
void append_datetime(std::string& out, DateTime t);

inline Date date_of(DateTime t) { return std::chrono::floor<std::chrono::days>(t); }
inline DateTime start_of(Date d) { return DateTime{d}; }

// Month arithmetic with the month-end rule: when the target month is shorter, the result
// is clamped to its last day (Jan 31 + 1 month = Feb 28, or Feb 29 in a leap year;
// Feb 29 + 1 year = Feb 28). Negative counts go backwards with the same rule.
Date add_months(Date d, std::int32_t months);
Date add_years(Date d, std::int32_t years);

// Whole years from `from` to `to` by the birthday rule (a Feb 29 birthday turns over on
// Mar 1 in common years); negative when `to` is earlier.
int whole_years_between(Date from, Date to);

// 0 = Sunday ... 6 = Saturday (as date::weekday::c_encoding()).
int weekday_of(Date d);

enum class Observed : std::uint8_t {
    none,             // the holiday is the date itself, even on a weekend
    nearest_weekday,  // Saturday -> Friday before, Sunday -> Monday after (US federal rule)
    next_weekday,     // Saturday or Sunday -> the Monday after
};

// A holiday defined by rule, not by a list of dates per year.
struct HolidayRule {
    std::string name;
    int month = 1;          // 1-12
    int day = 0;            // fixed day of month (1-31), or 0 for a weekday rule
    int weekday = -1;       // 0-6 (Sunday = 0) for "nth weekday of month" rules
    int nth = 0;            // 1-5, or -1 for the last such weekday of the month
    Observed observed = Observed::none;  // only for fixed-day rules
    int from_year = 0;      // first year the rule applies (0: always)
    int until_year = 0;     // last year the rule applies (0: always)
};

// A business-day calendar: weekend days plus holidays by rule. Immutable once built;
// safe to share between threads.
class Calendar {
public:
    Calendar() = default;
    Calendar(std::string name, std::vector<int> weekend_days, std::vector<HolidayRule> holidays);

    const std::string& name() const { return name_; }
    bool is_weekend(Date d) const;
    bool is_holiday(Date d) const;      // the observed date of any holiday rule
    bool is_business_day(Date d) const { return !is_weekend(d) && !is_holiday(d); }

    // The n-th business day after d (d itself never counts; n = 0 returns d). "2 business
    // days after a Friday discharge" is the Tuesday, or the Wednesday when Monday is a
    // holiday. Negative n counts backwards. |n| is at most 100000.
    Date add_business_days(Date d, std::int32_t n) const;

    // Business days in (from, to]: how many business days after `from` `to` is.
    std::int32_t business_days_between(Date from, Date to) const;

    // The observed holiday dates of one year, sorted, with their names.
    std::vector<std::pair<Date, std::string>> holidays_in(int year) const;

private:
    std::string name_;
    std::uint8_t weekend_mask_ = 0;  // bit i set: weekday i is a weekend day
    std::vector<HolidayRule> holidays_;
};

// US federal holidays (5 U.S.C. 6103) as rules, with the nearest-weekday observed rule;
// Juneteenth from 2021 on. The default calendar when a ruleset declares none.
Calendar us_federal_calendar();

}  // namespace carecoord::time
