// The reference implementation of the Guangxi catalogue. See catalogue.h.
//
// Conventions used throughout:
// - A field's state is one of: missing (absent, null or ""), error (it has a
//   field-level error: bad type, shape, scale, range, code, duplicate key), or ok.
// - A rule fires only when its firing condition is definitely true: every value
//   the condition needs is ok. Where the firing condition is a disjunction whose
//   parts have different inputs (BU-E07), it is evaluated in three-valued logic.
#include "tests/reference/catalogue.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "common/decimal.h"

namespace gridstat::reference {
namespace {

// ----------------------------------------------------------------------------
// Small text helpers.

std::vector<std::string> CodePoints(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = 1;
    if (c >= 0xF0) n = 4;
    else if (c >= 0xE0) n = 3;
    else if (c >= 0xC0) n = 2;
    if (i + n > s.size()) n = s.size() - i;
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

bool AllAsciiDigits(const std::string& s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

bool DigitsOrDash(const std::string& s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

// ----------------------------------------------------------------------------
// Numbers. A JSON number's text (exponent allowed) or a numeric string
// -?\d+(\.\d+)? is read into sign, significant digits and a power of ten.

struct Number {
  bool in_range = false;  // |value| < 10^18
  long long places = 0;   // decimal places the value needs (trailing zeros do not count)
  bool has_value = false; // value was converted (in range, <= 18 places)
  Decimal value;
};

std::optional<Number> ParseNumber(const std::string& s, bool allow_exponent) {
  size_t i = 0, n = s.size();
  bool negative = false;
  if (i < n && s[i] == '-') {
    negative = true;
    ++i;
  }
  size_t start = i;
  while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
  std::string int_digits = s.substr(start, i - start);
  if (int_digits.empty()) return std::nullopt;
  std::string frac_digits;
  if (i < n && s[i] == '.') {
    ++i;
    start = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
    frac_digits = s.substr(start, i - start);
    if (frac_digits.empty()) return std::nullopt;
  }
  long long exponent = 0;
  if (allow_exponent && i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
      exp_negative = s[i] == '-';
      ++i;
    }
    start = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
    std::string exp_digits = s.substr(start, i - start);
    if (exp_digits.empty()) return std::nullopt;
    size_t lz = 0;
    while (lz + 1 < exp_digits.size() && exp_digits[lz] == '0') ++lz;
    exp_digits = exp_digits.substr(lz);
    exponent = exp_digits.size() > 9 ? 1000000000LL : std::stoll(exp_digits);
    if (exp_negative) exponent = -exponent;
  }
  if (i != n) return std::nullopt;

  // value = digits * 10^e
  std::string digits = int_digits + frac_digits;
  long long e = exponent - static_cast<long long>(frac_digits.size());
  while (!digits.empty() && digits.back() == '0') {
    digits.pop_back();
    ++e;
  }
  size_t lead = 0;
  while (lead < digits.size() && digits[lead] == '0') ++lead;
  digits = digits.substr(lead);

  Number r;
  if (digits.empty()) {  // zero
    r.in_range = true;
    r.places = 0;
    r.has_value = true;
    r.value = Decimal::FromInt(0);
    return r;
  }
  long long integer_digits = static_cast<long long>(digits.size()) + e;  // digits before the point
  r.in_range = integer_digits <= 18;
  r.places = e < 0 ? -e : 0;
  if (r.in_range && r.places <= 18) {
    __int128 m = 0;
    for (char c : digits) m = m * 10 + (c - '0');
    for (long long k = 0; k < e; ++k) m *= 10;
    r.value = Decimal::Raw(negative ? -m : m, static_cast<int>(r.places));
    r.has_value = true;
  }
  return r;
}

Decimal Dec(const std::string& s) {
  auto n = ParseNumber(s, false);
  if (!n || !n->has_value) throw std::logic_error("bad decimal literal " + s);
  return n->value;
}

Decimal Plus(const Decimal& a, const Decimal& b) {
  auto r = Decimal::Add(a, b);
  if (!r) throw std::overflow_error("reference: overflow in addition");
  return *r;
}
Decimal Minus(const Decimal& a, const Decimal& b) {
  auto r = Decimal::Sub(a, b);
  if (!r) throw std::overflow_error("reference: overflow in subtraction");
  return *r;
}
Decimal Times(const Decimal& a, const Decimal& b) {
  auto r = Decimal::Mul(a, b);
  if (!r) throw std::overflow_error("reference: overflow in multiplication");
  return *r;
}
bool Less(const Decimal& a, const Decimal& b) { return Decimal::Compare(a, b) < 0; }
bool Greater(const Decimal& a, const Decimal& b) { return Decimal::Compare(a, b) > 0; }
bool Equal(const Decimal& a, const Decimal& b) { return Decimal::Compare(a, b) == 0; }

// ----------------------------------------------------------------------------
// Fields.

enum class St { kMissing, kError, kOk };

struct Val {
  St st = St::kMissing;
  std::string s;  // text, code or year-month
  Decimal d;      // numbers
  int ym = 0;     // year-months as year * 12 + month
  bool ok() const { return st == St::kOk; }
};

int Occurrences(const Doc& obj, const std::string& key) {
  int n = 0;
  for (const auto& m : obj.members)
    if (m.first == key) ++n;
  return n;
}

// Finds the one value of `key`. Sets *st to missing (absent, null, ""), error
// (duplicate key; the path is recorded) or ok (and returns the value).
const Doc* Slot(const Doc& obj, const std::string& key, const std::string& path, St* st,
                std::set<std::string>& errors) {
  int n = Occurrences(obj, key);
  if (n == 0) {
    *st = St::kMissing;
    return nullptr;
  }
  if (n > 1) {
    errors.insert(path);
    *st = St::kError;
    return nullptr;
  }
  const Doc* v = obj.Find(key);
  if (v->kind == Doc::Kind::kNull || (v->kind == Doc::Kind::kString && v->text.empty())) {
    *st = St::kMissing;
    return nullptr;
  }
  *st = St::kOk;
  return v;
}

Val Fail(const std::string& path, std::set<std::string>& errors) {
  errors.insert(path);
  Val v;
  v.st = St::kError;
  return v;
}

Val Missing(bool required, const std::string& path, std::set<std::string>& errors) {
  if (required) errors.insert(path);
  return Val{};
}

// A text field: a JSON string of min_len..max_len code points, all of whose
// characters satisfy `charset` (when given).
Val TextField(const Doc& obj, const std::string& key, const std::string& path, bool required,
              size_t min_len, size_t max_len, bool (*charset)(const std::string&),
              std::set<std::string>& errors) {
  St st;
  const Doc* d = Slot(obj, key, path, &st, errors);
  if (st == St::kError) return Val{St::kError, "", Decimal(), 0};
  if (st == St::kMissing) return Missing(required, path, errors);
  if (d->kind != Doc::Kind::kString) return Fail(path, errors);
  size_t len = CodePoints(d->text).size();
  if (len < min_len || len > max_len) return Fail(path, errors);
  if (charset && !charset(d->text)) return Fail(path, errors);
  Val v;
  v.st = St::kOk;
  v.s = d->text;
  return v;
}

Val CodeField(const Doc& obj, const std::string& key, const std::string& path, bool required,
              const std::set<std::string>& codes, std::set<std::string>& errors) {
  St st;
  const Doc* d = Slot(obj, key, path, &st, errors);
  if (st == St::kError) return Val{St::kError, "", Decimal(), 0};
  if (st == St::kMissing) return Missing(required, path, errors);
  if (d->kind != Doc::Kind::kString) return Fail(path, errors);
  if (!codes.count(d->text)) return Fail(path, errors);
  Val v;
  v.st = St::kOk;
  v.s = d->text;
  return v;
}

// "YYYY-MM", month 01..12.
Val YearMonthField(const Doc& obj, const std::string& key, const std::string& path, bool required,
                   std::set<std::string>& errors) {
  St st;
  const Doc* d = Slot(obj, key, path, &st, errors);
  if (st == St::kError) return Val{St::kError, "", Decimal(), 0};
  if (st == St::kMissing) return Missing(required, path, errors);
  if (d->kind != Doc::Kind::kString) return Fail(path, errors);
  const std::string& t = d->text;
  if (t.size() != 7 || t[4] != '-' || !AllAsciiDigits(t.substr(0, 4)) || !AllAsciiDigits(t.substr(5, 2)))
    return Fail(path, errors);
  int year = std::stoi(t.substr(0, 4));
  int month = std::stoi(t.substr(5, 2));
  if (month < 1 || month > 12) return Fail(path, errors);
  Val v;
  v.st = St::kOk;
  v.s = t;
  v.ym = year * 12 + month;
  return v;
}

// A number: JSON number or numeric string; at most `places` decimal places by
// value (0 = integer); |value| < 10^18; `min_zero`: value >= 0.
Val NumberField(const Doc& obj, const std::string& key, const std::string& path, bool required,
                int places, bool min_zero, std::set<std::string>& errors) {
  St st;
  const Doc* d = Slot(obj, key, path, &st, errors);
  if (st == St::kError) return Val{St::kError, "", Decimal(), 0};
  if (st == St::kMissing) return Missing(required, path, errors);
  std::optional<Number> n;
  if (d->kind == Doc::Kind::kNumber) n = ParseNumber(d->text, true);
  else if (d->kind == Doc::Kind::kString) n = ParseNumber(d->text, false);
  else return Fail(path, errors);
  if (!n) return Fail(path, errors);
  if (!n->in_range) return Fail(path, errors);
  if (n->places > places) return Fail(path, errors);
  if (!n->has_value) return Fail(path, errors);
  if (min_zero && n->value.Sign() < 0) return Fail(path, errors);
  Val v;
  v.st = St::kOk;
  v.d = n->value;
  return v;
}

// Records every key of `obj` that is not declared.
void UnknownKeys(const Doc& obj, const std::set<std::string>& declared, const std::string& prefix,
                 std::set<std::string>& errors) {
  for (const auto& m : obj.members)
    if (!declared.count(m.first)) errors.insert(prefix + m.first);
}

// Three-valued logic, for BU-E07.
enum class Tri { kFalse, kTrue, kUnknown };
Tri Or(Tri a, Tri b) {
  if (a == Tri::kTrue || b == Tri::kTrue) return Tri::kTrue;
  if (a == Tri::kUnknown || b == Tri::kUnknown) return Tri::kUnknown;
  return Tri::kFalse;
}
Tri Xor(Tri a, Tri b) {
  if (a == Tri::kUnknown || b == Tri::kUnknown) return Tri::kUnknown;
  return (a == Tri::kTrue) != (b == Tri::kTrue) ? Tri::kTrue : Tri::kFalse;
}
Tri Present(const Val& v) {
  if (v.st == St::kOk) return Tri::kTrue;
  if (v.st == St::kMissing) return Tri::kFalse;
  return Tri::kUnknown;
}
Tri Outside(const Val& v, const Decimal& lo, const Decimal& hi) {
  if (!v.ok()) return Tri::kUnknown;
  return (Less(v.d, lo) || Greater(v.d, hi)) ? Tri::kTrue : Tri::kFalse;
}

// ----------------------------------------------------------------------------
// basic_unit

Outcome CheckBasicUnit(const Envelope& env, const RefData& data) {
  Outcome out;
  std::set<std::string>& E = out.field_errors;
  const Doc& d = env.data;
  static const std::set<std::string> kFields = {
      "uscc", "name", "legal_rep", "division_code", "address", "phone", "unit_type", "industry_code",
      "main_activity", "operating_status", "opened", "employees", "revenue", "latitude", "longitude"};
  static const std::set<std::string> kUnitTypes = {"10", "20", "30", "40", "51", "52",
                                                   "53", "54", "55", "56", "90"};
  static const std::set<std::string> kStatus = {"1", "2", "3", "4", "5", "6", "7", "9"};
  const size_t kAny = static_cast<size_t>(-1);
  UnknownKeys(d, kFields, "", E);

  Val uscc = TextField(d, "uscc", "uscc", true, 18, 18, nullptr, E);
  Val name = TextField(d, "name", "name", true, 2, 100, nullptr, E);
  Val legal_rep = TextField(d, "legal_rep", "legal_rep", true, 0, kAny, nullptr, E);
  Val division_code = TextField(d, "division_code", "division_code", true, 12, 12, AllAsciiDigits, E);
  Val address = TextField(d, "address", "address", true, 0, kAny, nullptr, E);
  Val phone = TextField(d, "phone", "phone", false, 7, 20, DigitsOrDash, E);
  Val unit_type = CodeField(d, "unit_type", "unit_type", true, kUnitTypes, E);
  Val industry_code = TextField(d, "industry_code", "industry_code", true, 4, 4, AllAsciiDigits, E);
  Val main_activity = TextField(d, "main_activity", "main_activity", true, 0, kAny, nullptr, E);
  Val operating_status = CodeField(d, "operating_status", "operating_status", true, kStatus, E);
  Val opened = YearMonthField(d, "opened", "opened", true, E);
  Val employees = NumberField(d, "employees", "employees", true, 0, false, E);
  Val revenue = NumberField(d, "revenue", "revenue", false, 1, false, E);
  Val latitude = NumberField(d, "latitude", "latitude", false, 6, false, E);
  Val longitude = NumberField(d, "longitude", "longitude", false, 6, false, E);
  (void)name; (void)legal_rep; (void)address; (void)phone; (void)main_activity;

  auto fire = [&](const char* code) { out.rules.insert(code); };

  // BU-E01: GB 32100 check.
  if (uscc.ok() && !Gb32100Valid(uscc.s)) fire("BU-E01");

  // BU-E02: a level-5 code of the division list. BU-E03: equals the envelope's division.
  if (division_code.ok()) {
    auto it = data.division_level.find(division_code.s);
    if (it == data.division_level.end() || it->second != 5) fire("BU-E02");
    if (division_code.s != env.division) fire("BU-E03");
  }

  // BU-E04: a class (level-4) code of GB/T 4754-2017.
  if (industry_code.ok()) {
    auto it = data.industry_level.find(industry_code.s);
    if (it == data.industry_level.end() || it->second != 4) fire("BU-E04");
  }

  // BU-E05: employees < 0, or revenue present and < 0.
  if ((employees.ok() && employees.d.Sign() < 0) || (revenue.ok() && revenue.d.Sign() < 0)) fire("BU-E05");

  // BU-E06: opened earlier than 1900-01 or later than the period.
  if (opened.ok()) {
    int period_ym = std::stoi(env.period.substr(0, 4)) * 12 + std::stoi(env.period.substr(5, 2));
    if (opened.ym < 1900 * 12 + 1 || opened.ym > period_ym) fire("BU-E06");
  }

  // BU-E07: exactly one of latitude/longitude given, or the point outside
  // 20.5-26.6 N, 104.3-112.1 E (ends inside).
  {
    Tri exactly_one = Xor(Present(latitude), Present(longitude));
    Tri lat_out = Outside(latitude, Dec("20.5"), Dec("26.6"));
    Tri lon_out = Outside(longitude, Dec("104.3"), Dec("112.1"));
    if (Or(exactly_one, Or(lat_out, lon_out)) == Tri::kTrue) fire("BU-E07");
  }

  // BU-W01: registration authority vs unit type.
  if (uscc.ok() && unit_type.ok()) {
    std::string registrar = CodePoints(uscc.s)[0];
    const std::string& t = unit_type.s;
    std::string expected;
    if (t == "10" || t == "55") expected = "9";
    else if (t == "20" || t == "30") expected = "1";
    else if (t == "40" || t == "51" || t == "52") expected = "5";
    else if (t == "56") expected = "N";
    if (!expected.empty() && registrar != expected) fire("BU-W01");
  }

  // BU-W02: employees = 0 and revenue > 10000.
  if (employees.ok() && employees.d.IsZero() && revenue.ok() && Greater(revenue.d, Dec("10000")))
    fire("BU-W02");

  // BU-W03: employees > 5000.
  if (employees.ok() && Greater(employees.d, Dec("5000"))) fire("BU-W03");

  // BU-W04: status 4..7 and employees > 0.
  if (operating_status.ok() && employees.ok()) {
    const std::string& s = operating_status.s;
    if ((s == "4" || s == "5" || s == "6" || s == "7") && employees.d.Sign() > 0) fire("BU-W04");
  }

  // BU-W05: characters 3-4 of uscc are not "45".
  if (uscc.ok()) {
    std::vector<std::string> cp = CodePoints(uscc.s);
    if (cp[2] + cp[3] != "45") fire("BU-W05");
  }
  return out;
}

// ----------------------------------------------------------------------------
// agri_village

Outcome CheckAgriVillage(const Envelope& env, const Envelope* previous) {
  Outcome out;
  std::set<std::string>& E = out.field_errors;
  const Doc& d = env.data;
  static const std::vector<std::string> kAreas = {
      "cultivated_land", "rice_area", "corn_area", "tuber_area", "soybean_area", "other_grain_area",
      "grain_area", "sugarcane_area", "vegetable_area", "fruit_area"};
  static const std::vector<std::string> kOutputs = {
      "rice_output", "corn_output", "tuber_output", "soybean_output", "other_grain_output",
      "grain_output", "sugarcane_output", "vegetable_output", "fruit_output"};
  static const std::vector<std::string> kHeads = {"hogs_slaughtered", "hogs_stock", "poultry_slaughtered"};
  std::set<std::string> declared;
  for (const auto& k : kAreas) declared.insert(k);
  for (const auto& k : kOutputs) declared.insert(k);
  for (const auto& k : kHeads) declared.insert(k);
  UnknownKeys(d, declared, "", E);

  std::map<std::string, Val> v;
  for (const auto& k : kAreas) v[k] = NumberField(d, k, k, true, 1, false, E);
  for (const auto& k : kOutputs) v[k] = NumberField(d, k, k, true, 2, false, E);
  for (const auto& k : kHeads) v[k] = NumberField(d, k, k, true, 0, false, E);

  auto ok = [&](const std::string& k) { return v.at(k).ok(); };
  auto val = [&](const std::string& k) { return v.at(k).d; };
  auto fire = [&](const char* code) { out.rules.insert(code); };

  // AG-E01: grain_area = sum of the five grain areas.
  {
    const std::vector<std::string> parts = {"rice_area", "corn_area", "tuber_area", "soybean_area",
                                            "other_grain_area"};
    bool all = ok("grain_area");
    for (const auto& p : parts) all = all && ok(p);
    if (all) {
      Decimal sum = Decimal::FromInt(0);
      for (const auto& p : parts) sum = Plus(sum, val(p));
      if (!Equal(val("grain_area"), sum)) fire("AG-E01");
    }
  }
  // AG-E02: grain_output = sum of the five grain outputs.
  {
    const std::vector<std::string> parts = {"rice_output", "corn_output", "tuber_output", "soybean_output",
                                            "other_grain_output"};
    bool all = ok("grain_output");
    for (const auto& p : parts) all = all && ok(p);
    if (all) {
      Decimal sum = Decimal::FromInt(0);
      for (const auto& p : parts) sum = Plus(sum, val(p));
      if (!Equal(val("grain_output"), sum)) fire("AG-E02");
    }
  }
  // AG-E03: some crop has output > 0 while its area = 0.
  {
    const std::vector<std::string> crops = {"rice", "corn", "tuber", "soybean", "other_grain",
                                            "sugarcane", "vegetable", "fruit"};
    for (const auto& c : crops) {
      std::string a = c + "_area", o = c + "_output";
      if (ok(a) && ok(o) && val(o).Sign() > 0 && val(a).IsZero()) fire("AG-E03");
    }
  }
  // AG-E04: any figure < 0.
  for (const auto& kv : v)
    if (kv.second.ok() && kv.second.d.Sign() < 0) fire("AG-E04");

  // AG-W01: rice_area > 0 and rice_output * 1000 / rice_area outside 250..750.
  // Compared without division: y < 250 <=> output*1000 < 250*area (area > 0).
  if (ok("rice_area") && ok("rice_output") && val("rice_area").Sign() > 0) {
    Decimal scaled = Times(val("rice_output"), Dec("1000"));
    if (Less(scaled, Times(Dec("250"), val("rice_area"))) || Greater(scaled, Times(Dec("750"), val("rice_area"))))
      fire("AG-W01");
  }
  // AG-W02: sugarcane_area > 0 and output / area outside 3..8.
  if (ok("sugarcane_area") && ok("sugarcane_output") && val("sugarcane_area").Sign() > 0) {
    const Decimal& o = val("sugarcane_output");
    const Decimal& a = val("sugarcane_area");
    if (Less(o, Times(Dec("3"), a)) || Greater(o, Times(Dec("8"), a))) fire("AG-W02");
  }
  // AG-W03: grain + sugarcane + vegetable areas > 2.5 x cultivated land.
  if (ok("grain_area") && ok("sugarcane_area") && ok("vegetable_area") && ok("cultivated_land")) {
    Decimal total = Plus(Plus(val("grain_area"), val("sugarcane_area")), val("vegetable_area"));
    if (Greater(total, Times(Dec("2.5"), val("cultivated_land")))) fire("AG-W03");
  }
  // AG-W04: last year's accepted grain_output > 0 and |this - last| > 0.3 x last.
  if (previous && previous->survey == "agri_village" && previous->division == env.division &&
      previous->period == std::to_string(std::stoi(env.period) - 1) && ok("grain_output")) {
    std::set<std::string> ignored;
    Val last = NumberField(previous->data, "grain_output", "grain_output", false, 2, false, ignored);
    if (last.ok() && last.d.Sign() > 0) {
      Decimal change = Minus(val("grain_output"), last.d).Abs();
      if (Greater(change, Times(Dec("0.3"), last.d))) fire("AG-W04");
    }
  }
  // AG-W05: hogs_slaughtered > 100 and > 3 x hogs_stock.
  if (ok("hogs_slaughtered") && ok("hogs_stock")) {
    const Decimal& s = val("hogs_slaughtered");
    if (Greater(s, Dec("100")) && Greater(s, Times(Dec("3"), val("hogs_stock")))) fire("AG-W05");
  }
  return out;
}

// ----------------------------------------------------------------------------
// pop_change

struct Person {
  Val name, relation, sex, birth, ethnicity, id_number, marital;
  std::optional<int> age;  // known when birth is ok
};

Outcome CheckPopChange(const Envelope& env) {
  Outcome out;
  std::set<std::string>& E = out.field_errors;
  const Doc& d = env.data;
  static const std::set<std::string> kFields = {"district_code", "household_no", "household_type",
                                                "deaths_count", "persons"};
  static const std::set<std::string> kPersonFields = {"name", "relation", "sex", "birth",
                                                      "ethnicity", "id_number", "marital"};
  static const std::set<std::string> kHouseholdType = {"1", "2"};
  static const std::set<std::string> kRelation = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  static const std::set<std::string> kSex = {"1", "2"};
  static const std::set<std::string> kMarital = {"1", "2", "3", "4"};
  static const std::set<std::string> kEthnicity = [] {
    std::set<std::string> s;
    for (int i = 1; i <= 56; ++i) s.insert((i < 10 ? "0" : "") + std::to_string(i));
    s.insert("97");
    s.insert("98");
    return s;
  }();
  const size_t kAny = static_cast<size_t>(-1);
  const int year = std::stoi(env.period);  // reference time: 00:00 on 1 November of `year`

  UnknownKeys(d, kFields, "", E);
  Val district_code = TextField(d, "district_code", "district_code", true, 15, 15, AllAsciiDigits, E);
  Val household_no = TextField(d, "household_no", "household_no", true, 3, 3, AllAsciiDigits, E);
  Val household_type = CodeField(d, "household_type", "household_type", true, kHouseholdType, E);
  Val deaths_count = NumberField(d, "deaths_count", "deaths_count", true, 0, true, E);
  (void)household_no; (void)deaths_count;

  // relation is asked only when household_type = "1": when household_type is
  // known and not "1", relation is not looked at (treated as missing).
  const bool relation_asked = !(household_type.ok() && household_type.s != "1");

  // The roster: required, at least one row, rows are objects.
  bool rows_usable = false;
  std::vector<Person> people;
  {
    int n = Occurrences(d, "persons");
    const Doc* p = n == 1 ? d.Find("persons") : nullptr;
    if (n != 1) {
      E.insert("persons");  // missing (required) or duplicate key
    } else if (p->kind == Doc::Kind::kNull || (p->kind == Doc::Kind::kString && p->text.empty())) {
      E.insert("persons");  // missing (required)
    } else if (p->kind != Doc::Kind::kArray || p->items.empty()) {
      E.insert("persons");  // not a list, or no row
    } else {
      rows_usable = true;
      for (size_t i = 0; i < p->items.size(); ++i) {
        const Doc& row = p->items[i];
        std::string prefix = "persons[" + std::to_string(i + 1) + "].";
        if (row.kind != Doc::Kind::kObject) {
          E.insert("persons[" + std::to_string(i + 1) + "]");
          rows_usable = false;
          continue;
        }
        std::set<std::string> declared = kPersonFields;
        UnknownKeys(row, declared, prefix, E);
        Person person;
        person.name = TextField(row, "name", prefix + "name", true, 0, kAny, nullptr, E);
        if (relation_asked) person.relation = CodeField(row, "relation", prefix + "relation", false, kRelation, E);
        person.sex = CodeField(row, "sex", prefix + "sex", true, kSex, E);
        person.birth = YearMonthField(row, "birth", prefix + "birth", true, E);
        person.ethnicity = CodeField(row, "ethnicity", prefix + "ethnicity", true, kEthnicity, E);
        person.id_number = TextField(row, "id_number", prefix + "id_number", false, 18, 18, nullptr, E);
        person.marital = CodeField(row, "marital", prefix + "marital", false, kMarital, E);
        if (person.birth.ok()) {
          int by = std::stoi(person.birth.s.substr(0, 4));
          int bm = std::stoi(person.birth.s.substr(5, 2));
          person.age = year - by - (bm > 11 ? 1 : 0);
        }
        people.push_back(person);
      }
    }
  }

  auto fire = [&](const char* code) { out.rules.insert(code); };

  // PC-E08 does not look at persons.
  if (district_code.ok() && district_code.s.substr(0, 12) != env.division) fire("PC-E08");

  if (!rows_usable) return out;

  // family: known true, known false, or unknown (household_type missing / bad).
  const bool family_known = household_type.ok();
  const bool family = family_known && household_type.s == "1";

  // Heads: persons with relation "0". A relation with a field-level error makes
  // the count unknown; a missing relation just does not count.
  int heads = 0;
  bool heads_unknown = false;
  const Person* head = nullptr;
  for (const Person& p : people) {
    if (p.relation.st == St::kError) heads_unknown = true;
    else if (p.relation.ok() && p.relation.s == "0") {
      ++heads;
      head = &p;
    }
  }
  const bool one_head = family && !heads_unknown && heads == 1;

  // PC-E01: family household and the number of heads is not exactly 1.
  if (family && !heads_unknown && heads != 1) fire("PC-E01");

  for (const Person& p : people) {
    // PC-E02: birth later than October of the survey year, or age > 120.
    if (p.birth.ok() && (p.birth.ym > year * 12 + 10 || *p.age > 120)) fire("PC-E02");

    // PC-E03 / PC-E04.
    if (p.id_number.ok()) {
      if (!Gb11643Valid(p.id_number.s)) {
        fire("PC-E03");
      } else {
        const std::string& id = p.id_number.s;
        std::string id_birth = id.substr(6, 4) + "-" + id.substr(10, 2);
        std::string id_sex = ((id[16] - '0') % 2 == 1) ? "1" : "2";
        if ((p.birth.ok() && p.birth.s != id_birth) || (p.sex.ok() && p.sex.s != id_sex)) fire("PC-E04");
      }
    }

    // PC-E05: aged 15+ without marital, or under 15 with marital.
    if (p.age && p.marital.st != St::kError) {
      if (*p.age >= 15 && p.marital.st == St::kMissing) fire("PC-E05");
      if (*p.age < 15 && p.marital.st == St::kOk) fire("PC-E05");
    }

    // PC-E07: family household and a person without relation.
    if (family && p.relation.st == St::kMissing) fire("PC-E07");

    // PC-W02: marital = 2 and a man under 22 or a woman under 20.
    if (p.marital.ok() && p.marital.s == "2" && p.sex.ok() && p.age) {
      if ((p.sex.s == "1" && *p.age < 22) || (p.sex.s == "2" && *p.age < 20)) fire("PC-W02");
    }

    if (one_head) {
      // PC-E06: a spouse with the head's sex.
      if (p.relation.ok() && p.relation.s == "1" && p.sex.ok() && head->sex.ok() && p.sex.s == head->sex.s)
        fire("PC-E06");
      // PC-W01: a child born less than 180 months after the head.
      if (p.relation.ok() && p.relation.s == "2" && p.birth.ok() && head->birth.ok() &&
          p.birth.ym - head->birth.ym < 180)
        fire("PC-W01");
    }
  }

  // PC-W03: family household with more than 10 persons.
  if (family && people.size() > 10) fire("PC-W03");

  // PC-W04: the head is under 16.
  if (one_head && head->age && *head->age < 16) fire("PC-W04");

  return out;
}

void AppendJsonString(const std::string& s, std::string& out) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

void AppendJson(const Doc& d, std::string& out) {
  switch (d.kind) {
    case Doc::Kind::kNull: out += "null"; break;
    case Doc::Kind::kBool: out += d.boolean ? "true" : "false"; break;
    case Doc::Kind::kNumber: out += d.text; break;
    case Doc::Kind::kString: AppendJsonString(d.text, out); break;
    case Doc::Kind::kArray:
      out += '[';
      for (size_t i = 0; i < d.items.size(); ++i) {
        if (i) out += ',';
        AppendJson(d.items[i], out);
      }
      out += ']';
      break;
    case Doc::Kind::kObject:
      out += '{';
      for (size_t i = 0; i < d.members.size(); ++i) {
        if (i) out += ',';
        AppendJsonString(d.members[i].first, out);
        out += ':';
        AppendJson(d.members[i].second, out);
      }
      out += '}';
      break;
  }
}

}  // namespace

// ----------------------------------------------------------------------------
// CSV and reference data.

std::vector<std::vector<std::string>> ReadCsv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) text = text.substr(3);

  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool in_quotes = false, field_started = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        field += c;
      }
      continue;
    }
    if (c == '"') {
      in_quotes = true;
      field_started = true;
    } else if (c == ',') {
      row.push_back(field);
      field.clear();
      field_started = true;
    } else if (c == '\r') {
      // part of CRLF; ignored
    } else if (c == '\n') {
      row.push_back(field);
      rows.push_back(row);
      row.clear();
      field.clear();
      field_started = false;
    } else {
      field += c;
      field_started = true;
    }
  }
  if (field_started || !field.empty() || !row.empty()) {
    row.push_back(field);
    rows.push_back(row);
  }
  return rows;
}

namespace {
size_t Column(const std::vector<std::string>& header, const std::string& name) {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  throw std::runtime_error("no column " + name);
}
}  // namespace

RefData LoadRefData(const std::string& data_dir) {
  RefData r;
  {
    auto rows = ReadCsv(data_dir + "/guangxi_divisions.csv");
    size_t code = Column(rows.at(0), "code"), level = Column(rows.at(0), "level");
    for (size_t i = 1; i < rows.size(); ++i) {
      if (rows[i].size() == 1 && rows[i][0].empty()) continue;
      const std::string& c = rows[i].at(code);
      int l = std::stoi(rows[i].at(level));
      r.division_level[c] = l;
      (l == 5 ? r.villages : r.upper_divisions).push_back(c);
    }
  }
  {
    auto rows = ReadCsv(data_dir + "/industry_gbt4754_2017.csv");
    size_t code = Column(rows.at(0), "code"), level = Column(rows.at(0), "level");
    for (size_t i = 1; i < rows.size(); ++i) {
      if (rows[i].size() == 1 && rows[i][0].empty()) continue;
      const std::string& c = rows[i].at(code);
      int l = std::stoi(rows[i].at(level));
      r.industry_level[c] = l;
      (l == 4 ? r.industry_classes : r.industry_upper).push_back(c);
    }
  }
  return r;
}

// ----------------------------------------------------------------------------
// Check characters.

namespace {
// GB 32100-2015 Appendix A: 0-9 = 0..9, then A..Y without I, O, S, V, Z = 10..30.
const std::string kGb32100Chars = "0123456789ABCDEFGHJKLMNPQRTUWXY";
}  // namespace

char Gb32100CheckChar(const std::string& body17) {
  if (body17.size() != 17) return 0;
  long sum = 0;
  long weight = 1;  // W_i = 3^(i-1) mod 31
  for (size_t i = 0; i < 17; ++i) {
    size_t value = kGb32100Chars.find(body17[i]);
    if (value == std::string::npos) return 0;
    sum += static_cast<long>(value) * weight;
    weight = weight * 3 % 31;
  }
  long c = 31 - sum % 31;  // 31 is written as 0
  if (c == 31) c = 0;
  return kGb32100Chars[static_cast<size_t>(c)];
}

bool Gb32100Valid(const std::string& code) {
  if (code.size() != 18) return false;
  char expected = Gb32100CheckChar(code.substr(0, 17));
  if (expected == 0) return false;
  if (kGb32100Chars.find(code[17]) == std::string::npos) return false;
  return code[17] == expected;
}

char Gb11643CheckChar(const std::string& body17) {
  if (body17.size() != 17 || !AllAsciiDigits(body17)) return 0;
  // Position i (18..2 from the left) has weight 2^(i-1) mod 11.
  long sum = 0;
  for (int k = 0; k < 17; ++k) {
    int i = 18 - k;
    long w = 1;
    for (int e = 0; e < i - 1; ++e) w = w * 2 % 11;
    sum += (body17[k] - '0') * w;
  }
  const char* table = "10X98765432";  // S = 0..10
  return table[sum % 11];
}

bool Gb11643Valid(const std::string& id) {
  if (id.size() != 18) return false;
  std::string body = id.substr(0, 17);
  if (!AllAsciiDigits(body)) return false;
  int y = std::stoi(id.substr(6, 4));
  int m = std::stoi(id.substr(10, 2));
  int dd = std::stoi(id.substr(12, 2));
  if (m < 1 || m > 12 || dd < 1) return false;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int days = kDays[m - 1];
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (m == 2 && leap) days = 29;
  if (dd > days) return false;
  return id[17] == Gb11643CheckChar(body);
}

// ----------------------------------------------------------------------------

Outcome Check(const Envelope& env, const Envelope* previous, const RefData& data) {
  if (env.survey == "basic_unit") return CheckBasicUnit(env, data);
  if (env.survey == "agri_village") return CheckAgriVillage(env, previous);
  if (env.survey == "pop_change") return CheckPopChange(env);
  throw std::invalid_argument("reference: unknown survey " + env.survey);
}

std::string DocToJson(const Doc& doc) {
  std::string out;
  AppendJson(doc, out);
  return out;
}

std::string EnvelopeToJson(const Envelope& env) {
  std::string out = "{";
  out += "\"id\":";
  if (env.id) AppendJsonString(*env.id, out);
  else out += "null";
  out += ",\"survey\":";
  AppendJsonString(env.survey, out);
  out += ",\"period\":";
  AppendJsonString(env.period, out);
  out += ",\"division\":";
  AppendJsonString(env.division, out);
  out += ",\"data\":";
  AppendJson(env.data, out);
  if (!env.explanations.empty()) {
    out += ",\"explanations\":{";
    bool first = true;
    for (const auto& kv : env.explanations) {
      if (!first) out += ',';
      first = false;
      AppendJsonString(kv.first, out);
      out += ':';
      AppendJsonString(kv.second, out);
    }
    out += '}';
  }
  out += '}';
  return out;
}

}  // namespace gridstat::reference
