// Exact decimal numbers for rule evaluation: a 128-bit integer mantissa and a
// decimal scale. No binary floating point is involved anywhere, so 0.1 + 0.2 is
// exactly 0.3 and a total equals the sum of its parts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gridstat {

class Decimal {
 public:
  // Scales above this are rounded (half away from zero) after multiplication
  // and division; see doc/language.md "Numbers".
  static constexpr int kMaxScale = 18;

  Decimal() = default;
  static Decimal FromInt(int64_t v) { return Decimal(v, 0); }
  static Decimal Raw(__int128 m, int scale) { return Decimal(m, scale); }

  // Parses `-?\d+(\.\d+)?`, and with allow_exponent also a JSON exponent.
  // Returns nullopt on anything else, or when the value does not fit.
  static std::optional<Decimal> Parse(std::string_view s, bool allow_exponent = false);

  // Arithmetic returns nullopt on overflow, and Div also on a zero divisor.
  static std::optional<Decimal> Add(const Decimal& a, const Decimal& b);
  static std::optional<Decimal> Sub(const Decimal& a, const Decimal& b);
  static std::optional<Decimal> Mul(const Decimal& a, const Decimal& b);
  static std::optional<Decimal> Div(const Decimal& a, const Decimal& b);
  static int Compare(const Decimal& a, const Decimal& b);

  Decimal Negate() const { return Decimal(-m_, scale_); }
  Decimal Abs() const { return m_ < 0 ? Negate() : *this; }
  bool IsZero() const { return m_ == 0; }
  int Sign() const { return m_ < 0 ? -1 : (m_ > 0 ? 1 : 0); }

  // The smallest scale that represents the value exactly (trailing zeros dropped).
  int SignificantScale() const;
  // True when the value is an integer that fits in int64.
  std::optional<int64_t> ToInt64() const;
  // Rounded half away from zero ("half-up") to `places` decimal places.
  Decimal Rounded(int places) const;
  // Rounded to `places` and printed with exactly that many places.
  std::string ToString(int places) const;
  // Printed at its own scale with trailing zeros dropped.
  std::string ToString() const { return Rounded(SignificantScale()).ToString(SignificantScale()); }

  __int128 mantissa() const { return m_; }
  int scale() const { return scale_; }

 private:
  Decimal(__int128 m, int scale) : m_(m), scale_(scale) {}
  __int128 m_ = 0;
  int scale_ = 0;
};

inline bool operator==(const Decimal& a, const Decimal& b) { return Decimal::Compare(a, b) == 0; }
inline bool operator<(const Decimal& a, const Decimal& b) { return Decimal::Compare(a, b) < 0; }

}  // namespace gridstat
