#include "common/decimal.h"

#include <array>
#include <cstdint>

namespace gridstat {
namespace {

constexpr int kMaxDigits = 36;  // 10^36 < 2^127

constexpr std::array<__int128, kMaxDigits + 1> kPow10 = [] {
  std::array<__int128, kMaxDigits + 1> t{};
  t[0] = 1;
  for (int i = 1; i <= kMaxDigits; ++i) t[i] = t[i - 1] * 10;
  return t;
}();

// Every caller keeps n within [0, kMaxDigits]: scales never exceed it.
__int128 Pow10(int n) { return kPow10[n < 0 ? 0 : n > kMaxDigits ? kMaxDigits : n]; }

// Multiplies by 10^n, or returns false on overflow.
bool ScaleUp(__int128 m, int n, __int128* out) {
  if (n > kMaxDigits) return m == 0 ? (*out = 0, true) : false;
  return !__builtin_mul_overflow(m, Pow10(n), out);
}

bool Fits64(__int128 v) { return v >= INT64_MIN && v <= INT64_MAX; }

// Divides by d, rounding half away from zero.
__int128 DivRound(__int128 n, __int128 d) {
  if (Fits64(n) && Fits64(d) && d != -1) {  // the usual case, without 128-bit division
    int64_t n64 = static_cast<int64_t>(n), d64 = static_cast<int64_t>(d);
    int64_t q = n64 / d64, r = n64 % d64;
    if (r < 0) r = -r;
    int64_t ad = d64 < 0 ? -d64 : d64;
    if (static_cast<uint64_t>(r) * 2 >= static_cast<uint64_t>(ad)) q += ((n64 < 0) != (d64 < 0)) ? -1 : 1;
    return q;
  }
  __int128 q = n / d, r = n % d;
  if (r < 0) r = -r;
  __int128 ad = d < 0 ? -d : d;
  if (r * 2 >= ad) q += ((n < 0) != (d < 0)) ? -1 : 1;
  return q;
}

}  // namespace

std::optional<Decimal> Decimal::Parse(std::string_view s, bool allow_exponent) {
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && s[i] == '-') { neg = true; ++i; }
  size_t int_start = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  std::string_view int_part = s.substr(int_start, i - int_start);
  if (int_part.empty()) return std::nullopt;
  std::string_view frac_part;
  if (i < s.size() && s[i] == '.') {
    size_t frac_start = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    frac_part = s.substr(frac_start, i - frac_start);
    if (frac_part.empty()) return std::nullopt;
  }
  long exponent = 0;
  if (allow_exponent && i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) { eneg = s[i] == '-'; ++i; }
    size_t exp_start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (exponent < 100000) exponent = exponent * 10 + (s[i] - '0');
      ++i;
    }
    if (i == exp_start) return std::nullopt;
    if (eneg) exponent = -exponent;
  }
  if (i != s.size()) return std::nullopt;
  // The written scale is kept for literals (it sets how a value is shown), but
  // zeros that carry no digit never make a value too long to hold.
  size_t int_lead = int_part.find_first_not_of('0');
  int_part = int_lead == std::string_view::npos ? std::string_view() : int_part.substr(int_lead);
  size_t written_scale = frac_part.size();
  size_t frac_end = frac_part.find_last_not_of('0');
  frac_part = frac_end == std::string_view::npos ? std::string_view() : frac_part.substr(0, frac_end + 1);
  if (int_part.empty() && frac_part.empty()) return Decimal(0, 0);  // zero, whatever its exponent
  // The digits are int_part then frac_part, leading zeros dropped (int_part has none left;
  // when it is empty, frac_part may start with some).
  long scale = static_cast<long>(frac_part.size()) - exponent;
  if (int_part.empty()) frac_part.remove_prefix(frac_part.find_first_not_of('0'));
  // Digits beyond the significant ones: trailing zeros of an integer part.
  if (int_part.size() + frac_part.size() > static_cast<size_t>(kMaxDigits)) return std::nullopt;
  __int128 m = 0;
  for (char c : int_part) m = m * 10 + (c - '0');
  for (char c : frac_part) m = m * 10 + (c - '0');
  if (scale < 0) {
    if (-scale > kMaxDigits || !ScaleUp(m, static_cast<int>(-scale), &m)) return std::nullopt;
    scale = 0;
  }
  if (scale > kMaxDigits) return std::nullopt;
  Decimal d(neg ? -m : m, static_cast<int>(scale));
  // Keep the written scale when it fits: 0.30 shows as 0.30.
  long want = static_cast<long>(written_scale) - exponent;
  if (want > scale && want <= kMaxScale) d = d.Rounded(static_cast<int>(want));
  return d;
}

std::optional<Decimal> Decimal::Add(const Decimal& a, const Decimal& b) {
  int s = a.scale_ > b.scale_ ? a.scale_ : b.scale_;
  __int128 x, y, r;
  if (!ScaleUp(a.m_, s - a.scale_, &x) || !ScaleUp(b.m_, s - b.scale_, &y)) return std::nullopt;
  if (__builtin_add_overflow(x, y, &r)) return std::nullopt;
  return Decimal(r, s);
}

std::optional<Decimal> Decimal::Sub(const Decimal& a, const Decimal& b) { return Add(a, b.Negate()); }

std::optional<Decimal> Decimal::Mul(const Decimal& a, const Decimal& b) {
  __int128 r;
  if (__builtin_mul_overflow(a.m_, b.m_, &r)) return std::nullopt;
  Decimal d(r, a.scale_ + b.scale_);
  if (d.scale_ > kMaxScale) d = d.Rounded(kMaxScale);
  return d;
}

std::optional<Decimal> Decimal::Div(const Decimal& a, const Decimal& b) {
  if (b.m_ == 0) return std::nullopt;
  // a/b at scale kMaxScale: (a.m * 10^(kMaxScale + b.s - a.s)) / b.m
  int shift = kMaxScale + b.scale_ - a.scale_;
  __int128 n;
  if (shift >= 0) {
    if (!ScaleUp(a.m_, shift, &n)) return std::nullopt;
    return Decimal(DivRound(n, b.m_), kMaxScale);
  }
  __int128 d;
  if (!ScaleUp(b.m_, -shift, &d)) return std::nullopt;
  return Decimal(DivRound(a.m_, d), kMaxScale);
}

int Decimal::Compare(const Decimal& a, const Decimal& b) {
  // Aligned when that cannot overflow (the usual case): exact either way.
  __int128 x = a.m_, y = b.m_;
  if (a.scale_ == b.scale_ || (a.scale_ < b.scale_ ? ScaleUp(a.m_, b.scale_ - a.scale_, &x) : ScaleUp(b.m_, a.scale_ - b.scale_, &y)))
    return x < y ? -1 : (x > y ? 1 : 0);
  // Else integer parts first, so that aligning the fractions can never overflow.
  __int128 pa = Pow10(a.scale_), pb = Pow10(b.scale_);
  __int128 ia = a.m_ / pa, ib = b.m_ / pb;
  if (ia != ib) return ia < ib ? -1 : 1;
  __int128 fa = a.m_ % pa, fb = b.m_ % pb;
  int s = a.scale_ > b.scale_ ? a.scale_ : b.scale_;
  fa *= Pow10(s - a.scale_);
  fb *= Pow10(s - b.scale_);
  return fa < fb ? -1 : (fa > fb ? 1 : 0);
}

int Decimal::SignificantScale() const {
  if (m_ == 0) return 0;
  int s = scale_;
  if (Fits64(m_)) {
    int64_t m = static_cast<int64_t>(m_);
    while (s > 0 && m % 10 == 0) { m /= 10; --s; }
    return s;
  }
  __int128 m = m_;
  while (s > 0 && m % 10 == 0) { m /= 10; --s; }
  return s;
}

std::optional<int64_t> Decimal::ToInt64() const {
  if (SignificantScale() != 0) return std::nullopt;
  __int128 v = m_ / Pow10(scale_);
  if (v > INT64_MAX || v < INT64_MIN) return std::nullopt;
  return static_cast<int64_t>(v);
}

Decimal Decimal::Rounded(int places) const {
  if (places >= scale_) {
    __int128 r;
    if (!ScaleUp(m_, places - scale_, &r)) return *this;
    return Decimal(r, places);
  }
  return Decimal(DivRound(m_, Pow10(scale_ - places)), places);
}

std::string Decimal::ToString(int places) const {
  Decimal r = Rounded(places);
  __int128 m = r.m_;
  bool neg = m < 0;
  if (neg) m = -m;
  std::string digits;
  do { digits.insert(digits.begin(), char('0' + int(m % 10))); m /= 10; } while (m != 0);
  while (static_cast<int>(digits.size()) <= r.scale_) digits.insert(digits.begin(), '0');
  if (r.scale_ > 0) digits.insert(digits.size() - r.scale_, ".");
  if (neg && r.m_ != 0) digits.insert(digits.begin(), '-');
  return digits;
}

}  // namespace gridstat
