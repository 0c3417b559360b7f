// Domain functions of the rule language that are useful on their own:
// check characters of the two national standards, and calendar arithmetic.
#pragma once

#include <string_view>

namespace gridstat {

// GB 32100-2015: 18 characters from 0-9 A-H J-N P-R T U W-Y, the last one the check
// character over the first 17 (weights 3^i mod 31). No case folding.
bool Gb32100Valid(std::string_view code);
// GB 11643-1999: 17 digits whose characters 7-14 are a real date YYYYMMDD, then the
// ISO 7064 MOD 11-2 check character (0-9 or upper-case X).
bool Gb11643Valid(std::string_view id);

}  // namespace gridstat
