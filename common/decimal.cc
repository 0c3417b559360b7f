#include "common/decimal.h"

namespace gridstat {
namespace {

constexpr int kMaxDigits = 36;  // 10^36 < 2^127

__int128 Pow10(int n) {
  __int128 r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

// Multiplies by 10^n, or returns false on overflow.
bool ScaleUp(__int128 m, int n, __int128* out) {
  if (n > kMaxDigits) return m == 0 ? (*out = 0, true) : false;
  return !__builtin_mul_overflow(m, Pow10(n), out);
}

// Divides by d, rounding half away from zero.
__int128 DivRound(__int128 n, __int128 d) {
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
  __int128 m = 0;
  int digits = 0, scale = 0;
  auto push = [&](char c) {
    if (m == 0 && c == '0') return true;  // leading zeros carry no digits
    if (++digits > kMaxDigits) return false;
    m = m * 10 + (c - '0');
    return true;
  };
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') { if (!push(s[i])) return std::nullopt; ++i; }
  if (i == int_start) return std::nullopt;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t frac_start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (!push(s[i])) return std::nullopt;
      if (m != 0 || s[i] == '0') ++scale;
      ++i;
    }
    if (i == frac_start) return std::nullopt;
  }
  if (allow_exponent && i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) { eneg = s[i] == '-'; ++i; }
    size_t exp_start = i;
    int e = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      e = e * 10 + (s[i] - '0');
      if (e > 1000) return std::nullopt;
      ++i;
    }
    if (i == exp_start) return std::nullopt;
    if (eneg) scale += e; else scale -= e;
  }
  if (i != s.size()) return std::nullopt;
  if (scale < 0) {
    if (!ScaleUp(m, -scale, &m)) return std::nullopt;
    scale = 0;
  }
  if (scale > kMaxDigits) {
    if (m != 0) return std::nullopt;
    scale = 0;
  }
  Decimal d(neg ? -m : m, scale);
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
  // Integer parts first, so that aligning the fractions can never overflow.
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
