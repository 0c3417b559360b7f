// Deterministic random submissions for the differential test. See generator.h.
//
// Each survey is generated in three steps: a valid record is drawn as plain
// values; some records get value-level perturbations (boundaries, wrong
// divisions, check characters, ...); the record is rendered into a Doc with a
// random but legal number representation; and some records then get
// document-level perturbations (missing, null, "", wrong types, scale, unknown
// and duplicate keys).
#include "tests/reference/generator.h"

#include <algorithm>
#include <map>
#include <optional>
#include <stdexcept>

namespace gridstat::reference {
namespace {

using Rng = SplitMix64;

// ----------------------------------------------------------------------------
// Doc builders.

Doc S(const std::string& s) {
  Doc d;
  d.kind = Doc::Kind::kString;
  d.text = s;
  return d;
}
Doc N(const std::string& text) {
  Doc d;
  d.kind = Doc::Kind::kNumber;
  d.text = text;
  return d;
}
Doc Null() { return Doc{}; }
Doc Bool(bool b) {
  Doc d;
  d.kind = Doc::Kind::kBool;
  d.boolean = b;
  return d;
}
Doc Arr(std::vector<Doc> items = {}) {
  Doc d;
  d.kind = Doc::Kind::kArray;
  d.items = std::move(items);
  return d;
}
Doc Obj() {
  Doc d;
  d.kind = Doc::Kind::kObject;
  return d;
}

void Set(Doc& obj, const std::string& key, Doc v) {
  for (auto& m : obj.members)
    if (m.first == key) {
      m.second = std::move(v);
      return;
    }
  obj.members.emplace_back(key, std::move(v));
}
void Remove(Doc& obj, const std::string& key) {
  obj.members.erase(std::remove_if(obj.members.begin(), obj.members.end(),
                                   [&](const std::pair<std::string, Doc>& m) { return m.first == key; }),
                    obj.members.end());
}

std::string Pad(int64_t v, int width) {
  std::string s = std::to_string(v);
  while (static_cast<int>(s.size()) < width) s = "0" + s;
  return s;
}

std::string YM(int y, int m) { return Pad(y, 4) + "-" + Pad(m, 2); }

// units * 10^-scale as text: Scaled(12345, 2) = "123.45".
std::string Scaled(int64_t units, int scale) {
  bool negative = units < 0;
  uint64_t a = negative ? static_cast<uint64_t>(-(units + 1)) + 1 : static_cast<uint64_t>(units);
  std::string digits = std::to_string(a);
  if (scale > 0) {
    while (static_cast<int>(digits.size()) <= scale) digits = "0" + digits;
    digits.insert(digits.size() - static_cast<size_t>(scale), ".");
  }
  return (negative ? "-" : "") + digits;
}

// A legal representation of units * 10^-scale: JSON number or numeric string,
// sometimes with trailing zeros, with an exponent, or at a smaller scale.
Doc NumDoc(Rng& r, int64_t units, int scale) {
  int k = static_cast<int>(r.Range(0, 99));
  std::string t = Scaled(units, scale);
  if (k < 45) return N(t);
  if (k < 78) return S(t);
  if (k < 86) {
    std::string t2 = scale > 0 ? t + "0" : t + ".0";
    return r.Chance(50) ? N(t2) : S(t2);
  }
  if (k < 93) {
    std::string m = std::to_string(units < 0 ? -units : units);
    std::string e = r.Chance(50) ? "e" : "E";
    std::string exp = scale == 0 ? (r.Chance(50) ? "+0" : "0") : "-" + std::to_string(scale);
    return N((units < 0 ? "-" : "") + m + e + exp);
  }
  if (scale > 0 && units % 10 == 0) {
    std::string t2 = Scaled(units / 10, scale - 1);
    return r.Chance(50) ? N(t2) : S(t2);
  }
  return N(t);
}

// A value that is wrong for most fields (or right for some: the reference decides).
Doc OddValue(Rng& r) {
  switch (r.Range(0, 17)) {
    case 0: return Null();
    case 1: return S("");
    case 2: return Bool(r.Chance(50));
    case 3: return Arr();
    case 4: return Obj();
    case 5: return N("12");
    case 6: return S("abc");
    case 7: return S(" ");
    case 8: return S("12a");
    case 9: return S("+12");
    case 10: return S(".5");
    case 11: return S("5.");
    case 12: return S("1e2");
    case 13: return S("1,000");
    case 14: return S(" 12");
    case 15: return Arr({S("1")});
    case 16: return N("-3");
    default: return S("测试");
  }
}

// Document-level perturbation of one of `keys` in `obj`.
void PerturbKey(Rng& r, Doc& obj, const std::vector<std::string>& keys) {
  const std::string& key = r.Pick(keys);
  switch (r.Range(0, 7)) {
    case 0: Remove(obj, key); break;
    case 1: Set(obj, key, Null()); break;
    case 2: Set(obj, key, S("")); break;
    case 3:
    case 4: Set(obj, key, OddValue(r)); break;
    case 5: {  // duplicate key, same or other value
      const Doc* v = obj.Find(key);
      Doc copy = v && r.Chance(50) ? *v : OddValue(r);
      obj.members.emplace_back(key, copy);
      break;
    }
    case 6: {  // unknown key
      static const std::vector<std::string> kUnknown = {"remark", "备注", "Uscc", "age", "grain_area2", "x"};
      obj.members.emplace_back(r.Chance(50) ? r.Pick(kUnknown) : key + "_", S("1"));
      break;
    }
    default: {  // key with different case: unknown key, and the real one missing
      std::string upper = key;
      upper[0] = static_cast<char>(upper[0] - 'a' + 'A');
      const Doc* v = obj.Find(key);
      Doc copy = v ? *v : S("1");
      Remove(obj, key);
      obj.members.emplace_back(upper, copy);
      break;
    }
  }
}

void MaybeShuffle(Rng& r, Doc& obj) {
  if (!r.Chance(10)) return;
  for (size_t i = obj.members.size(); i > 1; --i) std::swap(obj.members[i - 1], obj.members[r.Next() % i]);
}

const std::string kUsccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY";

std::string Uscc(Rng& r, const std::string& registrar, const std::string& region6) {
  std::string body = registrar + std::string(1, static_cast<char>('1' + r.Range(0, 2))) + region6;
  for (int i = 0; i < 9; ++i) body += kUsccChars[r.Next() % kUsccChars.size()];
  return body + std::string(1, Gb32100CheckChar(body));
}

// A GB 11643 number; the check character is computed from the body (so only
// a bad date makes it invalid).
std::string IdNumber(const std::string& addr6, int y, int m, int d, int seq) {
  std::string body = addr6 + Pad(y, 4) + Pad(m, 2) + Pad(d, 2) + Pad(seq, 3);
  return body + std::string(1, Gb11643CheckChar(body));
}

int SeqFor(Rng& r, const std::string& sex) {
  int seq = static_cast<int>(r.Range(0, 499)) * 2;  // even: female
  if (sex == "1") seq += 1;
  return seq;
}

const std::vector<std::string> kSurnames = {"韦", "黄", "李", "陈", "梁", "覃", "蒙", "农", "莫", "卢", "王", "张"};
const std::vector<std::string> kGiven = {"建国", "丽萍", "小明", "海涛", "秀英", "志明", "永强", "丽娟", "春燕", "文", "杰", "芳"};

std::string PersonName(Rng& r) { return r.Pick(kSurnames) + r.Pick(kGiven); }

// ----------------------------------------------------------------------------
// basic_unit

const std::vector<std::string> kUnitTypes = {"10", "20", "30", "40", "51", "52", "53", "54", "55", "56", "90"};

std::string RegistrarFor(const std::string& unit_type) {
  if (unit_type == "10" || unit_type == "55") return "9";
  if (unit_type == "20" || unit_type == "30") return "1";
  if (unit_type == "40" || unit_type == "51" || unit_type == "52") return "5";
  if (unit_type == "56") return "N";
  return "Y";
}

Envelope BasicUnit(Rng& r, const RefData& data, const std::string& id) {
  Envelope env;
  env.id = id;
  env.survey = "basic_unit";
  int py = static_cast<int>(r.Range(2020, 2024)), pm = static_cast<int>(r.Range(1, 12));
  env.period = YM(py, pm);
  env.division = r.Pick(data.villages);

  // --- valid values
  std::string unit_type = r.Pick(kUnitTypes);
  std::string registrar = r.Chance(95) ? RegistrarFor(unit_type) : std::string(1, "915NY"[r.Range(0, 4)]);
  std::string region = r.Chance(92) ? env.division.substr(0, 6) : r.Pick(std::vector<std::string>{"350100", "110000", "440300", "530100"});
  std::string uscc = Uscc(r, registrar, region);
  static const std::vector<std::string> kPlaces = {"南宁市", "柳州市", "桂林市", "兴宁区", "武鸣区", "宾阳县"};
  static const std::vector<std::string> kWords = {"兴旺", "宏达", "绿源", "金穗", "壮乡", "八桂", "红水河"};
  static const std::vector<std::string> kKinds = {"商贸有限公司", "农民专业合作社", "养殖场", "小学", "村民委员会", "社区居委会", "建材厂"};
  std::string name = r.Pick(kPlaces) + r.Pick(kWords) + r.Pick(kKinds);
  std::string division_code = env.division;
  std::string industry = r.Pick(data.industry_classes);
  std::string status = r.Chance(80) ? "1" : r.Pick(std::vector<std::string>{"2", "3", "4", "5", "6", "7", "9"});
  int64_t employees = r.Chance(5) ? 0 : r.Range(0, 300);
  if ((status == "4" || status == "5" || status == "6" || status == "7") && r.Chance(70)) employees = 0;
  std::optional<int64_t> revenue;  // tenths of a thousand yuan
  if (r.Chance(70)) revenue = r.Range(0, 200000);
  int oy = static_cast<int>(r.Range(1950, py)), om = static_cast<int>(r.Range(1, 12));
  if (oy * 12 + om > py * 12 + pm) om = pm;
  std::string opened = YM(oy, om);
  std::optional<int64_t> lat, lon;  // millionths of a degree
  if (r.Chance(60)) {
    lat = r.Range(20500000, 26600000);
    lon = r.Range(104300000, 112100000);
    if (r.Chance(30)) {  // fewer places
      *lat -= *lat % 1000;
      *lon -= *lon % 1000;
    }
  }
  std::optional<std::string> phone;
  if (r.Chance(50)) phone = r.Chance(50) ? "0771-" + Pad(r.Range(0, 9999999), 7) : "13" + Pad(r.Range(0, 999999999), 9);

  // Rendering choices that perturbations may override.
  std::map<std::string, Doc> override_doc;
  bool perturbed = r.Chance(30);
  std::vector<int> doc_ops;

  if (perturbed) {
    int n = static_cast<int>(r.Range(1, 3));
    for (int i = 0; i < n; ++i) {
      switch (r.Range(0, 21)) {
        case 0: case 1: case 2: doc_ops.push_back(0); break;  // generic key perturbation, later
        case 3: {  // bad check character
          char c = uscc[17];
          char other = c;
          while (other == c) other = kUsccChars[r.Next() % kUsccChars.size()];
          uscc[17] = other;
          break;
        }
        case 4: {  // lower-case letter
          size_t pos = std::string::npos;
          for (size_t k = 0; k < 18; ++k)
            if (uscc[k] >= 'A' && uscc[k] <= 'Z') pos = k;
          if (pos == std::string::npos) uscc[17] = 'x';
          else uscc[pos] = static_cast<char>(uscc[pos] - 'A' + 'a');
          break;
        }
        case 5: uscc = r.Chance(50) ? uscc.substr(0, 17) : uscc + "0"; break;
        case 6: {  // excluded letters in the body
          uscc[static_cast<size_t>(r.Range(8, 16))] = "IOSVZ"[r.Range(0, 4)];
          break;
        }
        case 7: uscc = Uscc(r, std::string(1, "915NY"[r.Range(0, 4)]), uscc.substr(2, 6)); break;
        case 8: uscc = Uscc(r, uscc.substr(0, 1), r.Chance(50) ? "350100" : "4501A2"); break;
        case 9: {
          static const std::vector<std::string> kNames = {"甲", "甲乙", std::string(), "A"};
          int w = static_cast<int>(r.Range(0, 3));
          if (w == 2) {
            name.clear();
            for (int k = 0; k < 100; ++k) name += "广";
            if (r.Chance(50)) name += "西";
          } else {
            name = kNames[static_cast<size_t>(w)];
          }
          break;
        }
        case 10: {
          static const std::vector<std::string> kPhones = {"077155", "0771555", "07715551234567890123",
                                                           "077155512345678901234", "0771-abc1234", "0771 5551234"};
          phone = r.Pick(kPhones);
          break;
        }
        case 11: {
          int w = static_cast<int>(r.Range(0, 2));
          if (w == 0) override_doc["unit_type"] = N(unit_type);
          else unit_type = w == 1 ? "99" : "5";
          break;
        }
        case 12: {
          int w = static_cast<int>(r.Range(0, 6));
          if (w == 0) override_doc["industry_code"] = N(std::to_string(std::stoi(data.industry_classes[r.Next() % data.industry_classes.size()])));
          else if (w == 1) {  // an upper-level code (letter, 2 or 3 digits)
            industry = r.Pick(data.industry_upper);
          } else if (w == 2) {  // a 3-digit code padded to 4 digits
            std::string up;
            for (int k = 0; k < 20 && up.size() != 3; ++k) up = r.Pick(data.industry_upper);
            industry = up.size() == 3 ? up + "0" : "0110";
          } else if (w == 3) industry = r.Chance(50) ? "9999" : "0000";
          else if (w == 4) industry = "A011";
          else if (w == 5) industry = industry + "1";
          else industry = "１２３４";  // full-width digits: 4 characters, not ASCII digits
          break;
        }
        case 13: {
          int w = static_cast<int>(r.Range(0, 6));
          if (w == 0) division_code = r.Pick(data.upper_divisions);
          else if (w == 1) division_code = r.Pick(data.villages);
          else if (w == 2) division_code = env.division.substr(0, 9) + "999";
          else if (w == 3) division_code = env.division.substr(0, 11);
          else if (w == 4) override_doc["division_code"] = N(env.division);
          else if (w == 5) division_code = env.division.substr(0, 11) + "A";
          else division_code = "450000000000";
          break;
        }
        case 14: {
          int w = static_cast<int>(r.Range(0, 3));
          if (w == 0) {
            status = std::to_string(r.Range(4, 7));
            employees = r.Chance(50) ? 0 : r.Range(1, 20);
          } else if (w == 1) status = "8";
          else if (w == 2) override_doc["operating_status"] = N("1");
          else status = "0";
          break;
        }
        case 15: {
          static const std::vector<std::string> kOpened = {"1899-12", "1900-01", "1900-00", "2021-13",
                                                           "2021-1", "2021/01", "202101", "1800-06"};
          int w = static_cast<int>(r.Range(0, 10));
          if (w == 8) opened = env.period;
          else if (w == 9) opened = pm == 12 ? YM(py + 1, 1) : YM(py, pm + 1);
          else if (w == 10) override_doc["opened"] = N("202101");
          else opened = kOpened[static_cast<size_t>(w)];
          break;
        }
        case 16: {
          static const std::vector<Doc> kEmployees = {
              N("-1"), S("-1"), N("0"), N("5000"), N("5001"), S("12.0"), N("12.5"), S("1e3"), N("1e3"),
              N("1E18"), S("999999999999999999"), S("1000000000000000000"), N("-0"), S("5000.000"),
              N("5.001e3"), S("007"), S("5000.0000000000000000001"), S("0.000000000000000000000")};
          override_doc["employees"] = r.Pick(kEmployees);
          break;
        }
        case 17: {
          static const std::vector<Doc> kRevenue = {
              S("-0.1"), N("-0.1"), S("120.50"), S("120.55"), N("10000"), S("10000.1"), N("1.5e4"),
              S("5.000000000000000000000"), S("999999999999999999.9"), N("1e18"), N("-0.0"), S("0.05"),
              N("10000.01"), S("120.5" + std::string(40, '0')), N("10000.1" + std::string(30, '0'))};
          override_doc["revenue"] = r.Pick(kRevenue);
          if (r.Chance(50)) employees = 0;
          break;
        }
        case 18: {  // coordinates
          static const std::vector<int64_t> kLat = {20500000, 26600000, 20499999, 26600001, 40000000, 22817000};
          static const std::vector<int64_t> kLon = {104300000, 112100000, 104299999, 112100001, 22817000, 108366000};
          int w = static_cast<int>(r.Range(0, 4));
          if (w == 0) {
            if (r.Chance(50)) lat.reset();
            else lon.reset();
            if (!lat && !lon) lat = 22817000;
          } else if (w == 1) {
            lat = r.Pick(kLat);
            lon = lon ? lon : std::optional<int64_t>(108366000);
          } else if (w == 2) {
            lon = r.Pick(kLon);
            lat = lat ? lat : std::optional<int64_t>(22817000);
          } else if (w == 3) {
            lat = r.Pick(kLat);
            lon = r.Pick(kLon);
          } else {
            static const std::vector<Doc> kOdd = {S("22.1234567"), S("22.8170000"), N("2.28170e1"), S("22.817"),
                                                  N("22.8170001"), N("22.817" + std::string(40, '0')),
                                                  S("108.5" + std::string(40, '0'))};
            override_doc[r.Chance(50) ? "latitude" : "longitude"] = r.Pick(kOdd);
            if (!lat) lat = 22817000;
            if (!lon) lon = 108366000;
          }
          break;
        }
        case 19: {  // one coordinate with a field-level error, the other known outside
          bool lat_bad = r.Chance(50);
          lat = lat_bad ? 22817000 : (r.Chance(50) ? 40000000 : 22817000);
          lon = lat_bad ? (r.Chance(50) ? 120000000 : 108366000) : 108366000;
          override_doc[lat_bad ? "latitude" : "longitude"] = r.Chance(50) ? S("22.1234567") : S("abc");
          break;
        }
        case 20: doc_ops.push_back(1); break;  // unknown or duplicate key
        default: {
          int w = static_cast<int>(r.Range(0, 2));
          if (w == 0) override_doc["legal_rep"] = S(" ");
          else if (w == 1) override_doc["address"] = N("1");
          else override_doc["main_activity"] = S("种植、养殖\n批发");
          break;
        }
      }
    }
  }

  // --- render
  Doc d = Obj();
  Set(d, "uscc", S(uscc));
  Set(d, "name", S(name));
  Set(d, "legal_rep", S(PersonName(r)));
  Set(d, "division_code", S(division_code));
  Set(d, "address", S("广西" + name.substr(0, std::min<size_t>(name.size(), 9)) + "路" + std::to_string(r.Range(1, 300)) + "号"));
  if (phone) Set(d, "phone", S(*phone));
  Set(d, "unit_type", S(unit_type));
  Set(d, "industry_code", S(industry));
  Set(d, "main_activity", S("主要从事" + name));
  Set(d, "operating_status", S(status));
  Set(d, "opened", S(opened));
  Set(d, "employees", NumDoc(r, employees, 0));
  if (revenue) Set(d, "revenue", NumDoc(r, *revenue, 1));
  else if (r.Chance(10)) Set(d, "revenue", r.Chance(50) ? Null() : S(""));
  if (lat) Set(d, "latitude", NumDoc(r, *lat, 6));
  if (lon) Set(d, "longitude", NumDoc(r, *lon, 6));
  for (auto& kv : override_doc) Set(d, kv.first, kv.second);

  static const std::vector<std::string> kKeys = {
      "uscc", "name", "legal_rep", "division_code", "address", "phone", "unit_type", "industry_code",
      "main_activity", "operating_status", "opened", "employees", "revenue", "latitude", "longitude"};
  for (int op : doc_ops) {
    if (op == 0) PerturbKey(r, d, kKeys);
    else if (r.Chance(50)) d.members.emplace_back(r.Chance(50) ? "remark" : "Phone", S("x"));
    else {
      const std::string& key = r.Pick(kKeys);
      const Doc* v = d.Find(key);
      d.members.emplace_back(key, v ? *v : S("1"));
    }
  }
  MaybeShuffle(r, d);
  env.data = std::move(d);
  return env;
}

// ----------------------------------------------------------------------------
// agri_village

const std::vector<std::string> kGrains = {"rice", "corn", "tuber", "soybean", "other_grain"};
const std::vector<std::string> kAreaKeys = {"cultivated_land", "rice_area", "corn_area", "tuber_area",
                                            "soybean_area", "other_grain_area", "grain_area", "sugarcane_area",
                                            "vegetable_area", "fruit_area"};
const std::vector<std::string> kOutputKeys = {"rice_output", "corn_output", "tuber_output", "soybean_output",
                                              "other_grain_output", "grain_output", "sugarcane_output",
                                              "vegetable_output", "fruit_output"};
const std::vector<std::string> kHeadKeys = {"hogs_slaughtered", "hogs_stock", "poultry_slaughtered"};

int ScaleOf(const std::string& key) {
  if (key.size() > 5 && key.compare(key.size() - 5, 5, "_area") == 0) return 1;
  if (key == "cultivated_land") return 1;
  if (key.size() > 7 && key.compare(key.size() - 7, 7, "_output") == 0) return 2;
  return 0;
}

Envelope AgriVillage(Rng& r, const RefData& data, const std::string& id) {
  Envelope env;
  env.id = id;
  env.survey = "agri_village";
  env.period = std::to_string(r.Range(2019, 2024));
  env.division = r.Pick(data.villages);

  // Areas in tenths of a mu, outputs in hundredths of a tonne, heads as integers.
  std::map<std::string, int64_t> u;
  for (const auto& g : kGrains) {
    int64_t area = r.Chance(25) ? 0 : r.Range(1, 20000);
    int64_t yield = g == "rice" ? r.Range(300, 700) : r.Range(100, 900);  // kg per mu
    u[g + "_area"] = area;
    u[g + "_output"] = area * yield / 100;  // tenths of mu * kg/mu / 100 = hundredths of t
  }
  {
    int64_t area = r.Chance(30) ? 0 : r.Range(1, 5000);
    u["sugarcane_area"] = area;
    u["sugarcane_output"] = area * r.Range(30, 80);  // 3.0..8.0 t per mu
    area = r.Chance(20) ? 0 : r.Range(1, 3000);
    u["vegetable_area"] = area;
    u["vegetable_output"] = area * r.Range(5, 40);
    area = r.Chance(30) ? 0 : r.Range(1, 3000);
    u["fruit_area"] = area;
    u["fruit_output"] = area * r.Range(3, 30);
  }
  auto recompute = [&]() {
    u["grain_area"] = 0;
    u["grain_output"] = 0;
    for (const auto& g : kGrains) {
      u["grain_area"] += u[g + "_area"];
      u["grain_output"] += u[g + "_output"];
    }
  };
  recompute();
  if (r.Chance(15) && u["other_grain_area"] > 0) {  // grain_output a multiple of 0.91 t (AG-W04 boundaries)
    int64_t rest = u["grain_output"] % 91;
    if (rest) {
      u["other_grain_output"] += 91 - rest;
      recompute();
    }
  }
  {
    int64_t total = u["grain_area"] + u["sugarcane_area"] + u["vegetable_area"];
    int64_t divisor = r.Chance(8) ? r.Range(26, 40) : r.Range(10, 24);  // total / cultivated in tenths
    u["cultivated_land"] = total * 10 / divisor + r.Range(0, 3);
  }
  u["hogs_stock"] = r.Range(0, 500);
  u["hogs_slaughtered"] = r.Chance(5) ? r.Range(101, 400) : r.Range(0, 3 * u["hogs_stock"] + 1);
  u["poultry_slaughtered"] = r.Range(0, 20000);

  std::map<std::string, Doc> override_doc;
  std::vector<int> doc_ops;
  if (r.Chance(30)) {
    int n = static_cast<int>(r.Range(1, 3));
    for (int i = 0; i < n; ++i) {
      switch (r.Range(0, 15)) {
        case 0: case 1: doc_ops.push_back(0); break;
        case 2: u["grain_area"] += r.Chance(50) ? 1 : -1; break;
        case 3: u["grain_output"] += r.Chance(50) ? 1 : -1; break;
        case 4: {  // output > 0 with area 0
          static const std::vector<std::string> kCrops = {"rice", "corn", "tuber", "soybean", "other_grain",
                                                          "sugarcane", "vegetable", "fruit"};
          const std::string& c = r.Pick(kCrops);
          u[c + "_area"] = 0;
          if (u[c + "_output"] == 0) u[c + "_output"] = r.Chance(50) ? 1 : r.Range(1, 5000);
          if (r.Chance(70)) recompute();
          break;
        }
        case 5: {  // negative
          std::vector<std::string> all = kAreaKeys;
          all.insert(all.end(), kOutputKeys.begin(), kOutputKeys.end());
          all.insert(all.end(), kHeadKeys.begin(), kHeadKeys.end());
          const std::string& k = r.Pick(all);
          u[k] = r.Chance(30) ? -1 : -r.Range(1, 1000);
          if (r.Chance(50)) recompute();
          break;
        }
        case 6: {  // rice yield boundaries
          static const std::vector<std::pair<int64_t, int64_t>> kRice = {
              {1000, 2500}, {1000, 7500}, {1000, 2499}, {1000, 7501}, {1000, 5000}, {1, 3}, {1, 2}, {3, 75}, {3, 76}};
          auto p = r.Pick(kRice);
          u["rice_area"] = p.first;
          u["rice_output"] = p.second;
          if (r.Chance(80)) recompute();
          break;
        }
        case 7: {  // sugarcane ratio boundaries
          static const std::vector<std::pair<int64_t, int64_t>> kCane = {
              {100, 3000}, {100, 8000}, {100, 2999}, {100, 8001}, {0, 0}, {0, 100}, {3, 90}, {3, 241}};
          auto p = r.Pick(kCane);
          u["sugarcane_area"] = p.first;
          u["sugarcane_output"] = p.second;
          break;
        }
        case 8: {  // AG-W03 at the boundary
          int64_t total = u["grain_area"] + u["sugarcane_area"] + u["vegetable_area"];
          int w = static_cast<int>(r.Range(0, 2));
          if (w == 0 && total % 5 != 0) u["vegetable_area"] += 5 - total % 5;
          total = u["grain_area"] + u["sugarcane_area"] + u["vegetable_area"];
          int64_t c = total * 2 / 5;  // 2.5 x c = total when total is divisible by 5
          u["cultivated_land"] = w == 2 ? c + 1 : (w == 1 ? c - 1 : c);
          if (u["cultivated_land"] < 0) u["cultivated_land"] = 0;
          break;
        }
        case 9: {  // AG-W05
          static const std::vector<std::pair<int64_t, int64_t>> kHogs = {
              {101, 33}, {101, 34}, {100, 0}, {300, 100}, {301, 100}, {102, 34}, {0, 0}};
          auto p = r.Pick(kHogs);
          u["hogs_slaughtered"] = p.first;
          u["hogs_stock"] = p.second;
          break;
        }
        case 10: {  // too many decimal places
          std::vector<std::string> all = kAreaKeys;
          all.insert(all.end(), kOutputKeys.begin(), kOutputKeys.end());
          all.insert(all.end(), kHeadKeys.begin(), kHeadKeys.end());
          const std::string& k = r.Pick(all);
          int s = ScaleOf(k);
          int64_t units = r.Range(1, 99999) * 10 + r.Range(1, 9);
          override_doc[k] = r.Chance(50) ? N(Scaled(units, s + 1)) : S(Scaled(units, s + 1));
          break;
        }
        case 11: {  // accepted representations that look odd
          std::vector<std::string> all = kAreaKeys;
          all.insert(all.end(), kOutputKeys.begin(), kOutputKeys.end());
          const std::string& k = r.Pick(all);
          int s = ScaleOf(k);
          std::string t = Scaled(u[k], s);
          int w = static_cast<int>(r.Range(0, 5));
          const std::string zeros40(40, '0');
          if (w == 4) override_doc[k] = N(t + (s == 0 ? "." : "") + zeros40);
          else if (w == 5) override_doc[k] = S(t + (s == 0 ? "." : "") + zeros40);
          else if (w == 0) override_doc[k] = S(t + "000");
          else if (w == 1) override_doc[k] = N(t + "0000000000000000000000");
          else if (w == 2) override_doc[k] = N(std::to_string(u[k] * 10) + "e-" + std::to_string(s + 1));
          else override_doc[k] = S(t + "e0");  // a numeric string may not have an exponent
          break;
        }
        case 12: {  // huge values
          static const std::vector<Doc> kHuge = {S("999999999999999999.9"), N("1e18"), S("1000000000000000000"),
                                                 N("9.999999999999999999e17"), S("-999999999999999999.99"),
                                                 N("1e400"), N("1e-400"), N("1e0000000000000000002"),
                                                 N("0e-999999999999"), N("1E+2"), N("0.000000000000000000001e21")};
          override_doc[r.Pick(kAreaKeys)] = r.Pick(kHuge);
          break;
        }
        case 13: doc_ops.push_back(1); break;
        case 14: {  // integers
          static const std::vector<Doc> kInts = {S("12.0"), N("12.5"), N("1.2e1"), S("-0"), N("120e-1"), S("0.5")};
          override_doc[r.Pick(kHeadKeys)] = r.Pick(kInts);
          break;
        }
        default: {  // a whole crop zero, or sums given with trailing zeros
          const std::string& g = r.Pick(kGrains);
          u[g + "_area"] = 0;
          u[g + "_output"] = 0;
          recompute();
          break;
        }
      }
    }
  }

  Doc d = Obj();
  for (const auto& k : kAreaKeys) Set(d, k, NumDoc(r, u[k], 1));
  for (const auto& k : kOutputKeys) Set(d, k, NumDoc(r, u[k], 2));
  for (const auto& k : kHeadKeys) Set(d, k, NumDoc(r, u[k], 0));
  for (auto& kv : override_doc) Set(d, kv.first, kv.second);
  std::vector<std::string> keys = kAreaKeys;
  keys.insert(keys.end(), kOutputKeys.begin(), kOutputKeys.end());
  keys.insert(keys.end(), kHeadKeys.begin(), kHeadKeys.end());
  for (int op : doc_ops) {
    if (op == 0) PerturbKey(r, d, keys);
    else if (r.Chance(50)) d.members.emplace_back(r.Chance(50) ? "wheat_area" : "Rice_area", N("1"));
    else {
      const std::string& key = r.Pick(keys);
      const Doc* v = d.Find(key);
      d.members.emplace_back(key, v ? *v : N("1"));
    }
  }
  MaybeShuffle(r, d);
  env.data = std::move(d);
  return env;
}

// ----------------------------------------------------------------------------
// pop_change

struct Person {
  std::string name;
  std::optional<std::string> relation;
  std::string sex;
  int by = 1980, bm = 1, bd = 1;
  std::string ethnicity;
  std::optional<std::string> id_number;
  std::optional<std::string> marital;
};

int AgeOf(int year, int by, int bm) { return year - by - (bm > 11 ? 1 : 0); }

// A birth year-month for `age` at 1 November of `year`, not later than October of `year`.
void BirthForAge(Rng& r, int year, int age, Person& p) {
  for (;;) {
    int bm = static_cast<int>(r.Range(1, 12));
    int by = year - age - (bm > 11 ? 1 : 0);
    if (by * 12 + bm > year * 12 + 10) continue;
    p.by = by;
    p.bm = bm;
    p.bd = static_cast<int>(r.Range(1, 28));
    return;
  }
}

std::optional<std::string> MaritalFor(Rng& r, int age, const std::string& sex) {
  if (age < 15) return std::nullopt;
  if (age < 20) return std::string("1");
  bool may_marry = sex == "1" ? age >= 22 : age >= 20;
  if (!may_marry) return std::string("1");
  int k = static_cast<int>(r.Range(0, 99));
  if (k < 60) return std::string("2");
  if (k < 80) return std::string("1");
  if (k < 88) return std::string("3");
  return std::string("4");
}

std::string Ethnicity(Rng& r) {
  int k = static_cast<int>(r.Range(0, 9));
  if (k < 6) return "01";
  if (k < 9) return "08";
  int e = static_cast<int>(r.Range(1, 58));
  if (e == 57) return "97";
  if (e == 58) return "98";
  return Pad(e, 2);
}

void GiveId(Rng& r, Person& p, const std::string& addr6) {
  p.id_number = IdNumber(addr6, p.by, p.bm, p.bd, SeqFor(r, p.sex));
}

Person NewPerson(Rng& r, int year, int age, const std::string& sex, const std::string& addr6) {
  Person p;
  p.name = PersonName(r);
  p.sex = sex;
  BirthForAge(r, year, age, p);
  p.ethnicity = Ethnicity(r);
  if (r.Chance(70)) GiveId(r, p, addr6);
  p.marital = MaritalFor(r, age, sex);
  return p;
}

// Byte-wise edits of an id number need it to be ASCII (else they could cut a
// UTF-8 sequence).
bool AsciiId(const Person& p) {
  if (!p.id_number) return false;
  for (unsigned char c : *p.id_number)
    if (c >= 0x80) return false;
  return true;
}

std::string OtherSex(const std::string& s) { return s == "1" ? "2" : "1"; }
std::string RandomSex(Rng& r) { return r.Chance(50) ? "1" : "2"; }

Envelope PopChange(Rng& r, const RefData& data, const std::string& id) {
  Envelope env;
  env.id = id;
  env.survey = "pop_change";
  int year = static_cast<int>(r.Range(2020, 2024));
  env.period = std::to_string(year);
  env.division = r.Pick(data.villages);
  const std::string addr6 = env.division.substr(0, 6);

  std::string district_code = env.division + Pad(r.Range(1, 20), 3);
  std::string household_no = Pad(r.Range(1, 999), 3);
  std::string household_type = r.Chance(85) ? "1" : "2";
  int64_t deaths = r.Chance(90) ? 0 : r.Range(1, 2);
  std::vector<Person> people;

  if (household_type == "1") {
    int head_age = static_cast<int>(r.Range(22, 85));
    Person head = NewPerson(r, year, head_age, RandomSex(r), addr6);
    head.relation = "0";
    bool spouse = r.Chance(75);
    if (spouse) head.marital = "2";
    people.push_back(head);
    if (spouse) {
      std::string sex = OtherSex(head.sex);
      int age = std::max(sex == "1" ? 22 : 20, head_age + static_cast<int>(r.Range(-5, 5)));
      Person p = NewPerson(r, year, age, sex, addr6);
      p.relation = "1";
      p.marital = "2";
      people.push_back(p);
    }
    int children = static_cast<int>(r.Range(0, 3));
    int head_ym = head.by * 12 + head.bm;
    for (int c = 0; c < children; ++c) {
      int lo = head_ym + 216, hi = year * 12 + 10;
      if (lo > hi) break;
      int ym = static_cast<int>(r.Range(lo, hi));
      Person p;
      p.name = PersonName(r);
      p.sex = RandomSex(r);
      p.by = (ym - 1) / 12;
      p.bm = (ym - 1) % 12 + 1;
      p.bd = static_cast<int>(r.Range(1, 28));
      p.ethnicity = r.Chance(80) ? head.ethnicity : Ethnicity(r);
      if (r.Chance(60)) GiveId(r, p, addr6);
      p.marital = MaritalFor(r, AgeOf(year, p.by, p.bm), p.sex);
      p.relation = "2";
      people.push_back(p);
    }
    if (r.Chance(10) && head_age <= 75) {
      Person p = NewPerson(r, year, head_age + static_cast<int>(r.Range(20, 25)), RandomSex(r), addr6);
      p.relation = r.Chance(70) ? "3" : "4";
      people.push_back(p);
    }
    if (r.Chance(5)) {
      Person p = NewPerson(r, year, static_cast<int>(r.Range(0, 60)), RandomSex(r), addr6);
      p.relation = r.Pick(std::vector<std::string>{"5", "6", "7", "8", "9"});
      people.push_back(p);
    }
  } else {
    int n = static_cast<int>(r.Range(1, 6));
    for (int i = 0; i < n; ++i) {
      Person p = NewPerson(r, year, static_cast<int>(r.Range(16, 70)), RandomSex(r), addr6);
      if (r.Chance(15)) p.relation = r.Pick(std::vector<std::string>{"0", "1", "9", "x", "10"});
      people.push_back(p);
    }
  }

  // Perturbations on values.
  std::vector<int> doc_ops;
  std::map<std::pair<size_t, std::string>, Doc> row_override;  // (row, key) -> value
  std::optional<Doc> persons_override;
  std::map<std::string, Doc> override_doc;
  auto any_row = [&]() { return static_cast<size_t>(r.Next() % people.size()); };
  auto head_index = [&]() -> std::optional<size_t> {
    for (size_t i = 0; i < people.size(); ++i)
      if (people[i].relation && *people[i].relation == "0") return i;
    return std::nullopt;
  };

  if (r.Chance(30)) {
    int n = static_cast<int>(r.Range(1, 3));
    for (int i = 0; i < n; ++i) {
      switch (r.Range(0, 29)) {
        case 0: {  // a second head
          if (people.size() > 1) people[1 + r.Next() % (people.size() - 1)].relation = "0";
          else {
            Person p = NewPerson(r, year, 40, RandomSex(r), addr6);
            p.relation = "0";
            people.push_back(p);
          }
          break;
        }
        case 1: if (auto h = head_index()) people[*h].relation = "9"; break;
        case 2: if (auto h = head_index()) people[*h].relation.reset(); break;
        case 3: people[any_row()].relation.reset(); break;
        case 4: {  // spouse with the head's sex
          auto h = head_index();
          for (auto& p : people)
            if (h && p.relation && *p.relation == "1") p.sex = people[*h].sex;
          break;
        }
        case 5: {  // a child born about 180 months after the head
          auto h = head_index();
          if (!h) break;
          int head_ym = people[*h].by * 12 + people[*h].bm;
          int ym = head_ym + static_cast<int>(r.Range(178, 181));
          if (ym > year * 12 + 10) break;
          Person p;
          p.name = PersonName(r);
          p.sex = RandomSex(r);
          p.by = (ym - 1) / 12;
          p.bm = (ym - 1) % 12 + 1;
          p.ethnicity = "08";
          p.relation = "2";
          p.marital = MaritalFor(r, AgeOf(year, p.by, p.bm), p.sex);
          if (r.Chance(50)) GiveId(r, p, addr6);
          people.push_back(p);
          break;
        }
        case 6: {  // a young head
          auto h = head_index();
          if (!h) break;
          Person& p = people[*h];
          int age = static_cast<int>(r.Range(14, 17));
          BirthForAge(r, year, age, p);
          if (p.id_number) GiveId(r, p, addr6);
          p.marital = MaritalFor(r, age, p.sex);
          if (r.Chance(30)) p.marital = r.Chance(50) ? std::optional<std::string>("2") : std::nullopt;
          break;
        }
        case 7: case 8: {  // ages around the boundaries
          static const std::vector<int> kAges = {14, 15, 16, 19, 20, 21, 22, 23, 119, 120, 121, 0};
          Person& p = people[any_row()];
          int age = r.Pick(kAges);
          BirthForAge(r, year, age, p);
          if (r.Chance(40)) {  // born in November or December: age counts one less
            p.bm = r.Chance(50) ? 11 : 12;
            p.by = year - age - (p.bm > 11 ? 1 : 0);
          }
          if (p.id_number) GiveId(r, p, addr6);
          int k = static_cast<int>(r.Range(0, 3));
          int real_age = AgeOf(year, p.by, p.bm);
          if (k == 0) p.marital = MaritalFor(r, real_age, p.sex);
          else if (k == 1) p.marital.reset();
          else if (k == 2) p.marital = "2";
          else p.marital = "1";
          break;
        }
        case 9: {  // born in October..December of the survey year, or later
          Person& p = people[any_row()];
          int k = static_cast<int>(r.Range(0, 3));
          if (k < 3) {
            p.by = year;
            p.bm = 10 + k;
          } else {
            p.by = year + 1;
            p.bm = 1;
          }
          if (p.id_number) GiveId(r, p, addr6);
          p.marital.reset();
          break;
        }
        case 10: {  // bad check character
          Person& p = people[any_row()];
          if (!AsciiId(p)) GiveId(r, p, addr6);
          std::string& s = *p.id_number;
          char c = s[17];
          char other = c;
          while (other == c) other = "0123456789X"[r.Next() % 11];
          s[17] = other;
          break;
        }
        case 11: {  // lower-case x
          Person& p = people[any_row()];
          for (int k = 0; k < 200; ++k) {
            GiveId(r, p, addr6);
            if ((*p.id_number)[17] == 'X') break;
          }
          if ((*p.id_number)[17] == 'X') (*p.id_number)[17] = 'x';
          break;
        }
        case 12: {  // wrong length
          Person& p = people[any_row()];
          if (!AsciiId(p)) GiveId(r, p, addr6);
          *p.id_number = r.Chance(50) ? p.id_number->substr(0, 17) : *p.id_number + "1";
          break;
        }
        case 13: {  // impossible date, correct check character
          Person& p = people[any_row()];
          static const std::vector<std::pair<int, int>> kBad = {{2, 30}, {2, 29}, {4, 31}, {13, 1}, {0, 5}, {6, 0}};
          auto md = r.Pick(kBad);
          int y = md.first == 2 && md.second == 29 ? (r.Chance(50) ? 1900 : 1999) : p.by;
          p.id_number = IdNumber(addr6, y, md.first, md.second, SeqFor(r, p.sex));
          break;
        }
        case 14: {  // valid number for another birth month
          Person& p = people[any_row()];
          int m = p.bm == 12 ? 1 : p.bm + 1;
          p.id_number = IdNumber(addr6, p.by, m, 1, SeqFor(r, p.sex));
          break;
        }
        case 15: {  // valid number with the other sex
          Person& p = people[any_row()];
          p.id_number = IdNumber(addr6, p.by, p.bm, p.bd, SeqFor(r, OtherSex(p.sex)));
          break;
        }
        case 16: {  // married young
          Person& p = people[any_row()];
          int age = p.sex == "1" ? static_cast<int>(r.Range(20, 23)) : static_cast<int>(r.Range(18, 21));
          BirthForAge(r, year, age, p);
          if (p.id_number) GiveId(r, p, addr6);
          p.marital = "2";
          break;
        }
        case 17: {  // 10 or 11 persons
          size_t target = r.Chance(50) ? 11 : 10;
          while (people.size() < target) {
            Person p = NewPerson(r, year, static_cast<int>(r.Range(1, 14)), RandomSex(r), addr6);
            p.relation = household_type == "1" ? std::optional<std::string>("7") : std::nullopt;
            people.push_back(p);
          }
          break;
        }
        case 18: {  // a collective household with any relations
          household_type = "2";
          if (r.Chance(50)) people[any_row()].relation = r.Chance(50) ? "x" : "0";
          if (r.Chance(30)) row_override[{any_row(), "relation"}] = r.Chance(50) ? N("0") : Bool(true);
          if (r.Chance(30)) doc_ops.push_back(12);  // a duplicate relation key in a row
          break;
        }
        case 19: {
          int k = static_cast<int>(r.Range(0, 3));
          if (k == 0) district_code = r.Pick(data.villages) + "001";
          else if (k == 1) district_code = district_code.substr(0, 14);
          else if (k == 2) override_doc["district_code"] = N(district_code);
          else district_code = env.division.substr(0, 11) + "9001";
          break;
        }
        case 20: {  // household type unknown
          int k = static_cast<int>(r.Range(0, 3));
          if (k == 0) override_doc["household_type"] = Null();
          else if (k == 1) override_doc["household_type"] = N("1");
          else if (k == 2) household_type = "3";
          else override_doc["household_type"] = S("");
          if (r.Chance(50)) people[any_row()].relation.reset();
          if (r.Chance(30)) people[any_row()].relation = "x";
          break;
        }
        case 21: case 22: case 23: doc_ops.push_back(static_cast<int>(r.Range(0, 2))); break;
        case 24: {  // persons not usable
          static const std::vector<Doc> kPersons = {Null(), Arr(), S("abc"), Obj(), S(""), N("1")};
          int k = static_cast<int>(r.Range(0, 8));
          if (k < 6) persons_override = kPersons[static_cast<size_t>(k)];
          else if (k == 6) override_doc["__remove_persons"] = Null();
          else doc_ops.push_back(10 + k - 7);  // 10: a number row, 11: a null row
          break;
        }
        case 25: {  // codes as numbers
          size_t row = any_row();
          static const std::vector<std::pair<std::string, std::string>> kCodes = {
              {"sex", "1"}, {"ethnicity", "8"}, {"relation", "0"}, {"marital", "2"}, {"sex", "2"}};
          auto kv = r.Pick(kCodes);
          row_override[{row, kv.first}] = N(kv.second);
          break;
        }
        case 26: {
          static const std::vector<std::string> kEth = {"00", "57", "97", "98", "8", "99", "1"};
          people[any_row()].ethnicity = r.Pick(kEth);
          break;
        }
        case 27: {
          static const std::vector<Doc> kBirth = {S("2021-13"), S("2021-1"), S("202101"), S("2021-00"), N("2021"),
                                                  S("1900-01"), S("2021-01-01")};
          row_override[{any_row(), "birth"}] = r.Pick(kBirth);
          break;
        }
        case 28: {
          static const std::vector<Doc> kDeaths = {N("-1"), S("1.5"), S("2.0"), S("-0"), N("1e0"), S("abc")};
          static const std::vector<Doc> kNo = {S("01"), S("0001"), S("abc"), N("1"), S("00a")};
          if (r.Chance(50)) override_doc["deaths_count"] = r.Pick(kDeaths);
          else override_doc["household_no"] = r.Pick(kNo);
          break;
        }
        default: {  // 18 characters that are not all digits
          Person& p = people[any_row()];
          if (!AsciiId(p) || p.id_number->size() != 18) GiveId(r, p, addr6);
          *p.id_number = p.id_number->substr(0, 17) + (r.Chance(50) ? "中" : "Y");
          break;
        }
      }
    }
  }

  // Render.
  Doc d = Obj();
  Set(d, "district_code", S(district_code));
  Set(d, "household_no", S(household_no));
  Set(d, "household_type", S(household_type));
  Set(d, "deaths_count", NumDoc(r, deaths, 0));
  Doc rows = Arr();
  for (size_t i = 0; i < people.size(); ++i) {
    const Person& p = people[i];
    Doc row = Obj();
    Set(row, "name", S(p.name));
    if (p.relation) Set(row, "relation", S(*p.relation));
    else if (r.Chance(10)) Set(row, "relation", r.Chance(50) ? Null() : S(""));
    Set(row, "sex", S(p.sex));
    Set(row, "birth", S(YM(p.by, p.bm)));
    Set(row, "ethnicity", S(p.ethnicity));
    if (p.id_number) Set(row, "id_number", S(*p.id_number));
    if (p.marital) Set(row, "marital", S(*p.marital));
    else if (r.Chance(10)) Set(row, "marital", r.Chance(50) ? Null() : S(""));
    for (auto& kv : row_override)
      if (kv.first.first == i) Set(row, kv.first.second, kv.second);
    MaybeShuffle(r, row);
    rows.items.push_back(std::move(row));
  }
  static const std::vector<std::string> kRowKeys = {"name", "relation", "sex", "birth", "ethnicity", "id_number", "marital"};
  static const std::vector<std::string> kKeys = {"district_code", "household_no", "household_type", "deaths_count", "persons"};
  for (int op : doc_ops) {
    if (op == 0) {
      Doc& row = rows.items[static_cast<size_t>(r.Next() % rows.items.size())];
      PerturbKey(r, row, kRowKeys);
    } else if (op == 1) {
      std::vector<std::string> k = kKeys;
      k.pop_back();  // persons is handled separately
      PerturbKey(r, d, k);
    } else if (op == 2) {
      Doc& row = rows.items[static_cast<size_t>(r.Next() % rows.items.size())];
      if (r.Chance(50)) row.members.emplace_back("age", N("30"));
      else {
        const std::string& key = r.Pick(kRowKeys);
        const Doc* v = row.Find(key);
        row.members.emplace_back(key, v && r.Chance(50) ? *v : S("2"));
      }
    } else if (op == 10) {
      rows.items.insert(rows.items.begin() + static_cast<long>(r.Next() % (rows.items.size() + 1)), N("1"));
    } else if (op == 11) {
      rows.items.push_back(Null());
    } else if (op == 12) {
      Doc& row = rows.items[static_cast<size_t>(r.Next() % rows.items.size())];
      if (row.kind == Doc::Kind::kObject) {
        row.members.emplace_back("relation", S("0"));
        row.members.emplace_back("relation", S("1"));
      }
    }
  }
  Set(d, "persons", persons_override ? *persons_override : rows);
  for (auto& kv : override_doc) {
    if (kv.first == "__remove_persons") Remove(d, "persons");
    else Set(d, kv.first, kv.second);
  }
  if (r.Chance(3)) d.members.emplace_back(r.Chance(50) ? "remark" : "persons", r.Chance(50) ? S("x") : Arr());
  MaybeShuffle(r, d);
  env.data = std::move(d);
  return env;
}

}  // namespace

std::vector<Envelope> Generate(const std::string& survey, uint64_t seed, int count, const RefData& data) {
  Rng r(seed);
  std::vector<Envelope> out;
  out.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    std::string id = survey + "-" + std::to_string(seed) + "-" + std::to_string(i);
    if (survey == "basic_unit") out.push_back(BasicUnit(r, data, id));
    else if (survey == "agri_village") out.push_back(AgriVillage(r, data, id));
    else if (survey == "pop_change") out.push_back(PopChange(r, data, id));
    else throw std::invalid_argument("generator: unknown survey " + survey);
  }
  return out;
}

std::vector<Envelope> GeneratePrevious(const std::vector<Envelope>& current, uint64_t seed) {
  Rng r(seed);
  std::vector<std::string> order;
  std::map<std::string, const Envelope*> first;
  for (const auto& e : current)
    if (first.emplace(e.division, &e).second) order.push_back(e.division);

  std::vector<Envelope> out;
  for (const auto& division : order) {
    const Envelope& cur = *first[division];
    if (r.Chance(50)) continue;
    int year = std::stoi(cur.period);
    Envelope prev;
    prev.id = "prev-" + division;
    prev.survey = "agri_village";
    prev.division = division;
    prev.period = std::to_string(r.Chance(8) ? year - 2 : year - 1);

    // This year's grain_output in hundredths, when it is a plain value.
    std::optional<int64_t> cents;
    if (const Doc* g = cur.data.Find("grain_output")) {
      if ((g->kind == Doc::Kind::kString || g->kind == Doc::Kind::kNumber)) {
        const std::string& t = g->text;
        size_t dot = t.find('.');
        bool plain = !t.empty() && t.find_first_not_of("0123456789.") == std::string::npos &&
                     (dot == std::string::npos || t.size() - dot - 1 <= 2) && t.size() < 15;
        if (plain) {
          std::string ip = dot == std::string::npos ? t : t.substr(0, dot);
          std::string fp = dot == std::string::npos ? "" : t.substr(dot + 1);
          while (fp.size() < 2) fp += "0";
          if (!ip.empty()) cents = std::stoll(ip) * 100 + std::stoll(fp);
        }
      }
    }

    Doc d = Obj();
    int mode = static_cast<int>(r.Range(0, 11));
    std::optional<int64_t> p;  // previous grain_output in hundredths
    if (mode == 0) {
      // no grain_output
    } else if (mode == 1) {
      p = 0;
    } else if (mode == 2) {
      p = -r.Range(1, 10000);
    } else if (cents && mode <= 6 && (*cents % 13 == 0 || *cents % 7 == 0)) {
      // exactly 30% up or down, or one hundredth beside it
      int64_t base = *cents % 13 == 0 && (mode % 2 == 0 || *cents % 7 != 0) ? *cents * 10 / 13 : *cents * 10 / 7;
      p = base + r.Range(-1, 1);
    } else if (cents && mode == 7) {
      p = *cents;
    } else {
      int64_t c = cents ? *cents : r.Range(0, 2000000);
      p = c * r.Range(50, 160) / 100;
      if (*p == 0) p = r.Range(1, 1000);
    }
    if (p) {
      std::string t = Scaled(*p, 2);
      Set(d, "grain_output", r.Chance(50) ? N(t) : S(t));
    }
    Set(d, "rice_area", N("100.0"));
    prev.data = std::move(d);
    out.push_back(std::move(prev));
  }
  return out;
}

}  // namespace gridstat::reference
