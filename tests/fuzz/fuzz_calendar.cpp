// Bytes -> date parsing and calendar arithmetic: month ends, business days, holidays.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "time/calendar.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace carecoord;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)time::parse_date(text);
    (void)time::parse_datetime(text);
    if (size < 12) return 0;
    std::int32_t day, n, months;
    std::memcpy(&day, data, 4);
    std::memcpy(&n, data + 4, 4);
    std::memcpy(&months, data + 8, 4);
    // Dates within the years the parser accepts, counts of any size.
    Date d{std::chrono::days{day % 600000}};
    static const time::Calendar federal = time::us_federal_calendar();
    Date b = federal.add_business_days(d, n % 200001 - 100000);
    (void)federal.business_days_between(d, b);
    (void)time::add_months(d, months);
    (void)time::add_years(d, months);
    (void)time::format_date(d);
    (void)time::weekday_of(d);
    (void)federal.holidays_in(static_cast<int>(1800 + static_cast<unsigned>(n) % 1200));
    return 0;
}
