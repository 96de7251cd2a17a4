// Calendar arithmetic on Howard Hinnant's date.h (header-only part; never tz.h).
//
// Type note: carecoord::Date is std::chrono::sys_days, whose rep in libstdc++ is int64,
// while date::sys_days uses an int rep. They are different types, so every crossing
// between the two goes through to_civil()/from_civil() below, which clamp day counts to
// a range (years -30000..30000) where date.h's int/short arithmetic cannot overflow.
//
// Rule validation (month 1-12, day fits the month, weekday 0-6, nth 1-5 or -1) belongs
// to whoever builds the rules (the ruleset loader). The Calendar never throws: a rule
// that names a date that does not exist in some year (Feb 29 in 2025, the 5th Monday of
// a month that has four) simply has no holiday that year, and a rule that can never be
// valid never matches. Weekend day numbers outside 0-6 are ignored.
#include "time/calendar.hpp"

#include <date/date.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <utility>

namespace carecoord::time {
namespace {

// date.h's year is a short; keep well inside it so that year +- 1 never overflows.
constexpr int kMinYear = -30000;
constexpr int kMaxYear = 30000;

constexpr std::int64_t days_from_civil_i64(int y, unsigned m, unsigned d) {
    return date::sys_days{date::year{y} / date::month{m} / date::day{d}}.time_since_epoch().count();
}

constexpr std::int64_t kMinDay = days_from_civil_i64(kMinYear, 1, 1);
constexpr std::int64_t kMaxDay = days_from_civil_i64(kMaxYear, 12, 31);

constexpr std::int64_t clamp_day(std::int64_t n) { return std::clamp(n, kMinDay, kMaxDay); }

date::year_month_day to_civil(Date d) {
    const auto n = clamp_day(d.time_since_epoch().count());
    return date::year_month_day{date::sys_days{date::days{static_cast<int>(n)}}};
}

Date from_civil(date::sys_days d) { return Date{std::chrono::days{d.time_since_epoch().count()}}; }

Date from_civil(const date::year_month_day& ymd) { return from_civil(date::sys_days{ymd}); }

// 0 = Sunday ... 6 = Saturday, exact for every day count (1970-01-01 was a Thursday).
int weekday_index(std::int64_t day_count) {
    const std::int64_t w = (day_count + 4) % 7;
    return static_cast<int>(w < 0 ? w + 7 : w);
}

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Parses exactly `count` digits at text[pos...]; false if any is not a digit.
bool read_digits(std::string_view text, std::size_t pos, std::size_t count, int& out) {
    if (pos + count > text.size()) return false;
    int v = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const char c = text[pos + i];
        if (!is_digit(c)) return false;
        v = v * 10 + (c - '0');
    }
    out = v;
    return true;
}

// The date a rule names in `year` after the observed shift, if the rule applies that year.
std::optional<Date> observed_date(const HolidayRule& r, int year) {
    if (r.from_year != 0 && year < r.from_year) return std::nullopt;
    if (r.until_year != 0 && year > r.until_year) return std::nullopt;
    if (r.month < 1 || r.month > 12 || year < kMinYear - 1 || year > kMaxYear + 1) return std::nullopt;
    const date::year y{year};
    const date::month m{static_cast<unsigned>(r.month)};
    if (r.day != 0) {
        if (r.day < 1 || r.day > 31) return std::nullopt;
        const date::year_month_day ymd{y, m, date::day{static_cast<unsigned>(r.day)}};
        if (!ymd.ok()) return std::nullopt;  // Feb 29 in a common year, Apr 31...
        const date::sys_days sd{ymd};
        const unsigned wd = date::weekday{sd}.c_encoding();
        switch (r.observed) {
            case Observed::none:
                return from_civil(sd);
            case Observed::nearest_weekday:
                if (wd == 6) return from_civil(sd - date::days{1});
                if (wd == 0) return from_civil(sd + date::days{1});
                return from_civil(sd);
            case Observed::next_weekday:
                if (wd == 6) return from_civil(sd + date::days{2});
                if (wd == 0) return from_civil(sd + date::days{1});
                return from_civil(sd);
        }
        return from_civil(sd);
    }
    if (r.weekday < 0 || r.weekday > 6) return std::nullopt;
    const date::weekday wd{static_cast<unsigned>(r.weekday)};
    if (r.nth == -1) return from_civil(date::sys_days{date::year_month_weekday_last{y, m, wd[date::last]}});
    if (r.nth < 1 || r.nth > 5) return std::nullopt;
    const date::year_month_weekday ymw{y, m, wd[static_cast<unsigned>(r.nth)]};
    if (!ymw.ok()) return std::nullopt;  // no 5th such weekday this month
    return from_civil(date::sys_days{ymw});
}

// Month arithmetic on int64 so that no count overflows; years saturate at +-30000.
Date add_months_i64(Date d, std::int64_t months) {
    const auto ymd = to_civil(d);
    const std::int64_t total = static_cast<std::int64_t>(int{ymd.year()}) * 12 +
                               (static_cast<std::int64_t>(unsigned{ymd.month()}) - 1) + months;
    std::int64_t y = total >= 0 ? total / 12 : -((-total + 11) / 12);  // floor division
    const auto m = static_cast<unsigned>(total - y * 12) + 1;
    y = std::clamp<std::int64_t>(y, kMinYear, kMaxYear);
    const date::year_month ym{date::year{static_cast<int>(y)}, date::month{m}};
    const date::day last = date::year_month_day_last{ym.year(), date::month_day_last{ym.month()}}.day();
    const date::day day = std::min(ymd.day(), last);  // the month-end rule
    return from_civil(date::year_month_day{ym.year(), ym.month(), day});
}

// Zero-padded decimal digits; formatting runs for every date in every determination, so
// it avoids snprintf.
void append_padded(std::string& out, long long v, int width) {
    char buf[24];
    int n = 0;
    unsigned long long u = v < 0 ? 0ull - static_cast<unsigned long long>(v) : static_cast<unsigned long long>(v);
    do {
        buf[n++] = static_cast<char>('0' + u % 10);
        u /= 10;
    } while (u != 0);
    while (n < width) buf[n++] = '0';
    if (v < 0) out.push_back('-');
    while (n > 0) out.push_back(buf[--n]);
}

// Longest run of consecutive non-business days add_business_days walks through before
// it concludes the calendar has no business day left (see add_business_days).
constexpr int kMaxNonBusinessRun = 1000;
constexpr std::int32_t kMaxBusinessDays = 100000;

}  // namespace

std::optional<Date> parse_date(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    int y = 0, m = 0, d = 0;
    if (!read_digits(text, 0, 4, y) || !read_digits(text, 5, 2, m) || !read_digits(text, 8, 2, d)) {
        return std::nullopt;
    }
    if (y < 1800 || y > 2999) return std::nullopt;
    const date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(m)},
                                   date::day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) return std::nullopt;  // month 00/13, day 00, 2025-02-30, 2023-02-29
    return from_civil(ymd);
}

std::string date_problem(std::string_view text, bool detail) {
    static const char* const kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                          "July",    "August",   "September", "October", "November", "December"};
    int y = 0, m = 0, d = 0;
    if (text.size() < 10 || text[4] != '-' || text[7] != '-' || !read_digits(text, 0, 4, y) ||
        !read_digits(text, 5, 2, m) || !read_digits(text, 8, 2, d))
        return "is not a date (YYYY-MM-DD)";
    if (y < 1800 || y > 2999) return "is outside the years 1800-2999";
    if (!detail) {
        if (!date::year_month_day{date::year{y}, date::month{static_cast<unsigned>(m)}, date::day{static_cast<unsigned>(d)}}.ok())
            return "is not a calendar date (no such day or month)";
        return "is not a date (YYYY-MM-DD)";
    }
    if (m < 1 || m > 12) return "is not a calendar date (there is no month " + std::to_string(m) + ")";
    const date::year_month_day_last last{date::year{y}, date::month_day_last{date::month{static_cast<unsigned>(m)}}};
    const auto days = static_cast<int>(static_cast<unsigned>(last.day()));
    if (d < 1 || d > days)
        return "is not a calendar date (" + std::string(kMonths[m - 1]) + " " + std::to_string(y) + " has " +
               std::to_string(days) + " days)";
    return "is not a date (YYYY-MM-DD)";
}

std::optional<DateTime> parse_datetime(std::string_view text) {
    if (text.size() < 10) return std::nullopt;
    const auto day = parse_date(text.substr(0, 10));
    if (!day) return std::nullopt;
    if (text.size() == 10) return start_of(*day);

    std::size_t pos = 10;
    if (text[pos] != 'T' && text[pos] != ' ') return std::nullopt;
    ++pos;
    int hh = 0, mm = 0;
    if (!read_digits(text, pos, 2, hh) || pos + 2 >= text.size() || text[pos + 2] != ':' ||
        !read_digits(text, pos + 3, 2, mm)) {
        return std::nullopt;
    }
    if (hh > 23 || mm > 59) return std::nullopt;
    pos += 5;

    // Optional ":SS" and, only after seconds, ".fraction" (dropped).
    if (pos < text.size() && text[pos] == ':') {
        int ss = 0;
        if (!read_digits(text, pos + 1, 2, ss) || ss > 59) return std::nullopt;
        pos += 3;
        if (pos < text.size() && text[pos] == '.') {
            ++pos;
            const std::size_t start = pos;
            while (pos < text.size() && is_digit(text[pos])) ++pos;
            if (pos == start) return std::nullopt;
        }
    }

    // Optional "Z" or "+hh:mm" / "-hh:mm" (validated, then ignored: wall-clock time).
    if (pos < text.size()) {
        if (text[pos] == 'Z') {
            ++pos;
        } else if (text[pos] == '+' || text[pos] == '-') {
            int oh = 0, om = 0;
            if (!read_digits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
                !read_digits(text, pos + 4, 2, om) || oh > 23 || om > 59) {
                return std::nullopt;
            }
            pos += 6;
        } else {
            return std::nullopt;
        }
    }
    if (pos != text.size()) return std::nullopt;
    return start_of(*day) + std::chrono::hours{hh} + std::chrono::minutes{mm};
}

void append_date(std::string& out, Date d) {
    const auto ymd = to_civil(d);
    const int y = int{ymd.year()};
    if (y < 0) out.push_back('-');
    append_padded(out, y < 0 ? -static_cast<long long>(y) : y, 4);
    out.push_back('-');
    append_padded(out, unsigned{ymd.month()}, 2);
    out.push_back('-');
    append_padded(out, unsigned{ymd.day()}, 2);
}

void append_datetime(std::string& out, DateTime t) {
    const Date d = date_of(t);
    const auto minute_of_day = (t - start_of(d)).count();  // 0..1439 (floor above)
    append_date(out, d);
    out.push_back('T');
    append_padded(out, minute_of_day / 60, 2);
    out.push_back(':');
    append_padded(out, minute_of_day % 60, 2);
}

std::string format_date(Date d) {
    std::string out;
    out.reserve(16);
    append_date(out, d);
    return out;
}

std::string format_datetime(DateTime t) {
    std::string out;
    out.reserve(16);
    append_datetime(out, t);
    return out;
}

Date add_months(Date d, std::int32_t months) { return add_months_i64(d, months); }

Date add_years(Date d, std::int32_t years) { return add_months_i64(d, static_cast<std::int64_t>(years) * 12); }

int weekday_of(Date d) { return weekday_index(d.time_since_epoch().count()); }

Calendar::Calendar(std::string name, std::vector<int> weekend_days, std::vector<HolidayRule> holidays)
    : name_(std::move(name)), holidays_(std::move(holidays)) {
    for (const int wd : weekend_days) {
        if (wd >= 0 && wd <= 6) weekend_mask_ = static_cast<std::uint8_t>(weekend_mask_ | (1u << wd));
    }
}

bool Calendar::is_weekend(Date d) const { return ((weekend_mask_ >> weekday_of(d)) & 1u) != 0; }

bool Calendar::is_holiday(Date d) const {
    // An observed date is at most two days from the rule's nominal date, so it lies in the
    // rule's month or a neighbouring one. That picks the one year whose rule can land on d:
    // New Year's Day 2022 (a Saturday) is observed on Friday 2021-12-31, so a December date
    // consults January rules of the next year, and a January date consults December rules
    // of the previous year (Dec 31 on a Saturday with next_weekday lands on Jan 2).
    const auto ymd = to_civil(d);
    const int y = int{ymd.year()};
    const int m = static_cast<int>(unsigned{ymd.month()});
    for (const auto& r : holidays_) {
        int year = y;
        const int diff = r.month - m;
        if (diff == 11) {
            year = y - 1;  // a December rule, d in January
        } else if (diff == -11) {
            year = y + 1;  // a January rule, d in December
        } else if (diff > 1 || diff < -1) {
            continue;
        }
        const auto h = observed_date(r, year);
        if (h && *h == d) return true;
    }
    return false;
}

Date Calendar::add_business_days(Date d, std::int32_t n) const {
    // Termination: n is clamped to +-100000. A calendar whose weekend is all seven days
    // has no business day at all, so d is returned unchanged. If holiday rules cover every
    // remaining day (over 1000 consecutive non-business days, far beyond any real
    // calendar's longest gap of a few days), d is likewise returned unchanged. Dates
    // outside years -30000..30000 are returned unchanged too.
    if (n == 0) return d;
    if ((weekend_mask_ & 0x7Fu) == 0x7Fu) return d;
    const std::int64_t count = d.time_since_epoch().count();
    if (count < kMinDay || count > kMaxDay) return d;
    n = std::clamp(n, -kMaxBusinessDays, kMaxBusinessDays);
    const std::chrono::days step{n > 0 ? 1 : -1};
    std::int32_t remaining = n > 0 ? n : -n;
    Date cur = d;
    // Whole weeks first, counted with business_days_between (weeks and the holidays of the
    // span), never walking day by day: `weeks` weeks hold at most weeks x per_week business
    // days, so a jump never passes the answer, and it leaves at least one business day to
    // find, so the walk below ends on a business day. Each jump leaves at most the holidays
    // of its span to walk. (A run of non-business days longer than the walk's limit that a
    // jump passes over is not detected; no real calendar has one.)
    const std::int32_t per_week = 7 - std::popcount(static_cast<unsigned>(weekend_mask_ & 0x7Fu));
    while (remaining > per_week) {
        const std::int32_t weeks = (remaining - 1) / per_week;
        const Date next = cur + std::chrono::days{7 * static_cast<std::int64_t>(weeks) * step.count()};
        const std::int64_t next_count = next.time_since_epoch().count();
        if (next_count < kMinDay || next_count > kMaxDay) break;
        const std::int32_t got = n > 0 ? business_days_between(cur, next) : -business_days_between(cur, next);
        if (got <= 0) break;  // holidays everywhere: the walk's limit decides
        remaining -= got;
        cur = next;
    }
    int run = 0;
    while (remaining > 0) {
        cur += step;
        if (is_business_day(cur)) {
            --remaining;
            run = 0;
        } else if (++run > kMaxNonBusinessRun) {
            return d;
        }
    }
    return cur;
}

std::int32_t Calendar::business_days_between(Date from, Date to) const {
    // to >= from: business days in (from, to]. to < from: minus the business days in
    // [to, from), i.e. how many business days before `from` `to` is. With this choice
    // business_days_between(d, add_business_days(d, n)) == n for every n and every d,
    // weekend or not.
    if (from == to) return 0;
    const bool forward = to > from;
    std::int64_t lo = forward ? from.time_since_epoch().count() + 1 : to.time_since_epoch().count();
    std::int64_t hi = forward ? to.time_since_epoch().count() : from.time_since_epoch().count() - 1;
    lo = clamp_day(lo);
    hi = clamp_day(hi);
    if (lo > hi) return 0;

    // Non-weekend days in [lo, hi]: whole weeks, then the remainder day by day.
    const int per_week = 7 - std::popcount(static_cast<unsigned>(weekend_mask_ & 0x7Fu));
    const std::int64_t len = hi - lo + 1;
    std::int64_t count = (len / 7) * per_week;
    for (std::int64_t i = lo + (len / 7) * 7; i <= hi; ++i) {
        if (((weekend_mask_ >> weekday_index(i)) & 1u) == 0) ++count;
    }

    // Minus the distinct holidays on non-weekend days in [lo, hi] (two rules may observe
    // the same date): the observed dates of every rule in every year of the range, sorted
    // and made unique, so the cost is years x rules x log, not a walk over the days (and not
    // a comparison of every rule with every other).
    if (!holidays_.empty() && count > 0) {
        const Date lo_d{std::chrono::days{lo}};
        const Date hi_d{std::chrono::days{hi}};
        const int y0 = int{to_civil(lo_d).year()} - 1;
        const int y1 = int{to_civil(hi_d).year()} + 1;
        std::vector<std::int64_t> dates;
        for (int year = y0; year <= y1; ++year)
            for (const auto& rule : holidays_) {
                const auto h = observed_date(rule, year);
                if (h && *h >= lo_d && *h <= hi_d && !is_weekend(*h)) dates.push_back(h->time_since_epoch().count());
            }
        std::sort(dates.begin(), dates.end());
        count -= static_cast<std::int64_t>(std::unique(dates.begin(), dates.end()) - dates.begin());
    }
    return static_cast<std::int32_t>(forward ? count : -count);
}

std::vector<std::pair<Date, std::string>> Calendar::holidays_in(int year) const {
    // The observed dates that fall in `year`: New Year's Day 2022, observed 2021-12-31, is
    // listed under 2021 (as OPM lists it), not under 2022.
    std::vector<std::pair<Date, std::string>> out;
    if (year < kMinYear || year > kMaxYear) return out;
    for (int y = year - 1; y <= year + 1; ++y) {
        for (const auto& r : holidays_) {
            const auto h = observed_date(r, y);
            if (h && int{to_civil(*h).year()} == year) out.emplace_back(*h, r.name);
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

Calendar us_federal_calendar() {
    auto fixed = [](const char* name, int month, int day, int from_year = 0) {
        HolidayRule r;
        r.name = name;
        r.month = month;
        r.day = day;
        r.observed = Observed::nearest_weekday;
        r.from_year = from_year;
        return r;
    };
    auto nth = [](const char* name, int month, int weekday, int n) {
        HolidayRule r;
        r.name = name;
        r.month = month;
        r.weekday = weekday;
        r.nth = n;
        return r;
    };
    constexpr int monday = 1, thursday = 4;
    return Calendar("us_federal", {0, 6},
                    {
                        fixed("New Year's Day", 1, 1),
                        nth("Martin Luther King Jr. Day", 1, monday, 3),
                        nth("Washington's Birthday", 2, monday, 3),
                        nth("Memorial Day", 5, monday, -1),
                        fixed("Juneteenth National Independence Day", 6, 19, 2021),
                        fixed("Independence Day", 7, 4),
                        nth("Labor Day", 9, monday, 1),
                        nth("Columbus Day", 10, monday, 2),
                        fixed("Veterans Day", 11, 11),
                        nth("Thanksgiving Day", 11, thursday, 4),
                        fixed("Christmas Day", 12, 25),
                    });
}

int whole_years_between(Date from, Date to) {
    if (to < from) return -whole_years_between(to, from);
    auto a = date::year_month_day{date::sys_days{date::days{static_cast<int>(from.time_since_epoch().count())}}};
    auto b = date::year_month_day{date::sys_days{date::days{static_cast<int>(to.time_since_epoch().count())}}};
    int years = static_cast<int>(b.year()) - static_cast<int>(a.year());
    if (b.month() < a.month() || (b.month() == a.month() && b.day() < a.day())) --years;
    return years;
}

}  // namespace carecoord::time
