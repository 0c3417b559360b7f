// The proleptic Gregorian calendar of the rule language: dates as days since 1970-01-01,
// year-months as year * 12 + (month - 1), and their ISO 8601 text forms.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gridstat {

int32_t DaysFromCivil(int y, int m, int d);
void CivilFromDays(int32_t days, int* y, int* m, int* d);
// "YYYY-MM" (month 01-12).
bool ParseYearMonth(std::string_view s, int32_t* out);
// "YYYY-MM-DD", a real date between 0000 and 9999.
bool ParseDate(std::string_view s, int32_t* out);
bool ValidDate(int y, int m, int d);
std::string FormatYearMonth(int32_t ym);
std::string FormatDate(int32_t days);

}  // namespace gridstat
