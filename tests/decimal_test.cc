#include <catch2/catch.hpp>

#include "common/decimal.h"

using gridstat::Decimal;

namespace {
Decimal D(const char* s) {
  auto d = Decimal::Parse(s, true);
  REQUIRE(d);
  return *d;
}
}  // namespace

TEST_CASE("decimal: parsing accepts exactly -?digits(.digits)?", "[decimal]") {
  struct Case { const char* in; bool ok; const char* shown; };
  const Case cases[] = {
      {"0", true, "0"},          {"-0", true, "0"},         {"12", true, "12"},
      {"120.50", true, "120.5"}, {"0.05", true, "0.05"},    {"-4.567", true, "-4.567"},
      {"007", true, "7"},        {"", false, ""},           {"-", false, ""},
      {"1.", false, ""},         {".5", false, ""},         {"+1", false, ""},
      {" 1", false, ""},         {"1 ", false, ""},         {"1e3", false, ""},
      {"1,5", false, ""},        {"１２", false, ""},
      {"1234567890123456789012345678901234567", false, ""},  // 37 digits do not fit
  };
  for (const auto& c : cases) {
    INFO(c.in);
    auto d = Decimal::Parse(c.in);
    REQUIRE(d.has_value() == c.ok);
    if (c.ok) CHECK(d->ToString() == c.shown);
  }
}

TEST_CASE("decimal: JSON exponents are exact", "[decimal]") {
  CHECK(D("1e3").ToString() == "1000");
  CHECK(D("1.5E-2").ToString() == "0.015");
  CHECK(D("-2e+2").ToString() == "-200");
  CHECK_FALSE(Decimal::Parse("1e99999", true));
}

TEST_CASE("decimal: arithmetic is exact", "[decimal]") {
  CHECK(*Decimal::Add(D("0.1"), D("0.2")) == D("0.3"));
  CHECK(Decimal::Compare(*Decimal::Add(D("0.1"), D("0.2")), D("0.3")) == 0);
  CHECK(Decimal::Add(D("1200.0"), D("0.05"))->ToString() == "1200.05");
  CHECK(Decimal::Sub(D("1"), D("0.001"))->ToString() == "0.999");
  CHECK(Decimal::Mul(D("2.5"), D("0.6"))->ToString() == "1.5");
  CHECK(*Decimal::Div(D("0.55"), D("2.2")) == D("0.25"));
  CHECK(*Decimal::Mul(*Decimal::Div(D("0.55"), D("2.2")), D("1000")) == D("250"));
  CHECK(Decimal::Div(D("54.20"), D("120.5"))->ToString(2) == "0.45");
  CHECK_FALSE(Decimal::Div(D("1"), D("0")));
}

TEST_CASE("decimal: comparison across scales", "[decimal]") {
  CHECK(Decimal::Compare(D("1.10"), D("1.1")) == 0);
  CHECK(Decimal::Compare(D("-0.5"), D("0.25")) < 0);
  CHECK(Decimal::Compare(D("750.000000000000000001"), D("750")) > 0);
  CHECK(Decimal::Compare(D("99999999999999999"), D("99999999999999999.5")) < 0);
}

TEST_CASE("decimal: rounding is half away from zero", "[decimal]") {
  CHECK(D("2.345").ToString(2) == "2.35");
  CHECK(D("2.344").ToString(2) == "2.34");
  CHECK(D("-2.345").ToString(2) == "-2.35");
  CHECK(D("0.005").ToString(2) == "0.01");
  CHECK(D("1200").ToString(1) == "1200.0");
  CHECK(D("7").ToString(0) == "7");
  CHECK(D("-0.001").ToString(2) == "0.00");
}

TEST_CASE("decimal: overflow is reported, never wrapped", "[decimal]") {
  Decimal big = D("99999999999999999999999999999999999");
  CHECK_FALSE(Decimal::Mul(big, big));
  CHECK_FALSE(Decimal::Add(*Decimal::Mul(big, D("1000")), *Decimal::Mul(big, D("1000"))));
}

TEST_CASE("decimal: significant scale and integers", "[decimal]") {
  CHECK(D("4.50").SignificantScale() == 1);
  CHECK(D("12.0").SignificantScale() == 0);
  CHECK(D("12.0").ToInt64() == 12);
  CHECK_FALSE(D("12.5").ToInt64());
}
