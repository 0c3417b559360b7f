// Check characters against the vectors shipped with the reference data.
#include <catch2/catch.hpp>

#include "compile/program.h"
#include "common/csv.h"
#include "common/files.h"
#include "eval/builtins.h"

using namespace gridstat;

TEST_CASE("check digits: every vector of check_digit_vectors.csv", "[builtins]") {
  auto text = gridstat::ReadFile(std::string(GRIDSTAT_SOURCE_DIR) + "/definitions/guangxi/data/check_digit_vectors.csv", 1 << 20);
  REQUIRE(text.ok());
  auto csv = gridstat::ParseCsv(*text);
  REQUIRE(csv.ok());
  REQUIRE(csv->header[0] == "kind");
  int uscc = 0, ric = 0;
  for (const auto& row : csv->rows) {
    INFO(row[1] << " (" << row[4] << ")");
    bool valid = row[2] == "true";
    if (row[0] == "uscc") { CHECK(Gb32100Valid(row[1]) == valid); ++uscc; }
    else { CHECK(Gb11643Valid(row[1]) == valid); ++ric; }
  }
  CHECK(uscc == 45);
  CHECK(ric == 6);
}

TEST_CASE("check digits: the standards' own examples and no case folding", "[builtins]") {
  CHECK(Gb32100Valid("91350100M000100Y43"));
  CHECK_FALSE(Gb32100Valid("91350100m000100Y43"));
  CHECK_FALSE(Gb32100Valid("91350100M000100Y4"));
  CHECK_FALSE(Gb32100Valid("9135010OM000100Y43"));  // O is not in the character set
  CHECK(Gb11643Valid("11010519491231002X"));
  CHECK_FALSE(Gb11643Valid("11010519491231002x"));
  CHECK(Gb11643Valid("440524188001010014"));
  CHECK_FALSE(Gb11643Valid("440524188002300014"));  // 30 February
}

TEST_CASE("calendar: year-months and dates", "[builtins]") {
  int32_t v;
  CHECK(gridstat::ParseYearMonth("2021-12", &v));
  CHECK(gridstat::FormatYearMonth(v) == "2021-12");
  CHECK_FALSE(gridstat::ParseYearMonth("2021-13", &v));
  CHECK_FALSE(gridstat::ParseYearMonth("2021-1", &v));
  CHECK_FALSE(gridstat::ParseYearMonth("2021/01", &v));
  CHECK(gridstat::ParseDate("2024-02-29", &v));
  CHECK(gridstat::FormatDate(v) == "2024-02-29");
  CHECK_FALSE(gridstat::ParseDate("2023-02-29", &v));
  CHECK_FALSE(gridstat::ParseDate("1900-02-29", &v));
  CHECK(gridstat::ParseDate("2000-02-29", &v));
}
