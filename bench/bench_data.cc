#include "bench/bench_data.h"

#include <cstdio>

#include "common/csv.h"
#include "common/files.h"
#include "tests/reference/generator.h"

namespace gridstat::bench {
namespace {

const char kUsccChars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

std::string WithCheck(const std::string& body17) {
  int sum = 0, w = 1;
  for (int i = 0; i < 17; ++i) {
    int v = 0;
    while (kUsccChars[v] != body17[i]) ++v;
    sum += v * w;
    w = (w * 3) % 31;
  }
  int c = 31 - sum % 31;
  return body17 + kUsccChars[c == 31 ? 0 : c];
}

// The registration authority that fits a unit type (BU-W01).
char Authority(const std::string& unit_type) {
  if (unit_type == "20" || unit_type == "30") return '1';
  if (unit_type == "40" || unit_type == "51" || unit_type == "52") return '5';
  if (unit_type == "56") return 'N';
  return '9';
}

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

}  // namespace

BenchCodes LoadBenchCodes(const std::string& data_dir) {
  BenchCodes c;
  auto div = gridstat::ParseCsv(gridstat::ReadFile(data_dir + "/guangxi_divisions.csv", 64u << 20).value()).value();
  for (auto& r : div.rows) if (r[2] == "5") c.villages.push_back(r[0]);
  auto ind = gridstat::ParseCsv(gridstat::ReadFile(data_dir + "/industry_gbt4754_2017.csv", 64u << 20).value()).value();
  for (auto& r : ind.rows) if (r[2] == "4") c.industries.push_back(r[0]);
  return c;
}

const std::vector<std::string>& PeerRuleCodes() {
  static const std::vector<std::string> kCodes = {"BU-E03", "BU-E05", "BU-E06", "BU-E07", "BU-W01",
                                                  "BU-W02", "BU-W03", "BU-W04", "BU-W05"};
  return kCodes;
}

std::string BasicUnitRecord(const BenchCodes& codes, uint64_t seed, long index) {
  reference::SplitMix64 rng(seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(index));
  static const std::vector<std::string> kTypes = {"10", "10", "10", "20", "30", "40", "51", "52", "53", "54", "55", "56", "90"};
  std::string village = rng.Pick(codes.villages);
  std::string unit_type = rng.Pick(kTypes);
  int year = static_cast<int>(rng.Range(2022, 2024)), month = static_cast<int>(rng.Range(1, 12));
  char period[8], opened[8];
  std::snprintf(period, sizeof period, "%04d-%02d", year, month);
  std::snprintf(opened, sizeof opened, "%04d-%02d", static_cast<int>(rng.Range(1950, year - 1)), static_cast<int>(rng.Range(1, 12)));
  std::string body = std::string(1, Authority(unit_type)) + "2" + village.substr(0, 6);
  for (int i = 0; i < 9; ++i) body += kUsccChars[rng.Range(0, 9) + (i > 5 ? rng.Range(0, 20) : 0)];
  std::string uscc = WithCheck(body);
  long employees = rng.Range(1, 3000);
  char revenue[32], lat[16], lon[16];
  std::snprintf(revenue, sizeof revenue, "%ld.%ld", static_cast<long>(rng.Range(0, 99999)), static_cast<long>(rng.Range(0, 9)));
  std::snprintf(lat, sizeof lat, "%ld.%06ld", static_cast<long>(rng.Range(21, 25)), static_cast<long>(rng.Range(0, 999999)));
  std::snprintf(lon, sizeof lon, "%ld.%06ld", static_cast<long>(rng.Range(105, 111)), static_cast<long>(rng.Range(0, 999999)));
  std::string division_code = village, status = "1", phone = "0771-" + std::to_string(rng.Range(1000000, 9999999));
  std::string name = "广西示例单位" + std::to_string(index) + "有限公司";
  std::string opened_s = opened, lat_s = Quote(lat), lon_s = Quote(lon), employees_s = std::to_string(employees);
  std::string unit_type_s = Quote(unit_type), revenue_s = Quote(revenue), extra;
  bool with_name = true;
  // About one record in five gets exactly one fault.
  if (rng.Chance(20)) {
    switch (rng.Range(0, 16)) {
      // field-level faults (the ajv subset)
      case 0: with_name = false; break;
      case 1: unit_type_s = "\"99\""; break;
      case 2: revenue_s = "\"123.45\""; break;
      case 3: phone = "0771-55A1234"; break;
      case 4: opened_s = "2020-13"; break;
      case 5: uscc = uscc.substr(0, 17); break;
      case 6: extra = ",\"extra\":\"x\""; break;
      case 7: employees_s = "\"12.5\""; break;
      // rule faults (the rule-engine subset)
      case 8: employees_s = std::to_string(-rng.Range(1, 50)); break;                        // BU-E05
      case 9: division_code = rng.Pick(codes.villages); if (division_code == village) division_code = codes.villages[0]; break;  // BU-E03
      case 10: std::snprintf(opened, sizeof opened, "%04d-%02d", year + 1, month); opened_s = opened; break;  // BU-E06
      case 11: lon_s = "null"; break;                                                          // BU-E07
      case 12: unit_type_s = "\"20\""; uscc = WithCheck("9" + uscc.substr(1, 16)); break;      // BU-W01
      case 13: employees_s = "0"; revenue_s = "\"20000.0\""; break;                            // BU-W02
      case 14: employees_s = "6000"; break;                                                    // BU-W03
      case 15: status = "4"; break;                                                            // BU-W04
      case 16: uscc = WithCheck(uscc.substr(0, 2) + "44" + uscc.substr(4, 13)); break;         // BU-W05
    }
  }
  std::string s = "{\"id\":\"BU-" + std::to_string(index) + "\",\"survey\":\"basic_unit\",\"period\":\"" + period +
                  "\",\"division\":\"" + village + "\",\"data\":{\"uscc\":" + Quote(uscc);
  if (with_name) s += ",\"name\":" + Quote(name);
  s += ",\"legal_rep\":\"张三\",\"division_code\":" + Quote(division_code) + ",\"address\":\"广西某地某路1号\",\"phone\":" + Quote(phone) +
       ",\"unit_type\":" + unit_type_s + ",\"industry_code\":" + Quote(rng.Pick(codes.industries)) +
       ",\"main_activity\":\"经营\",\"operating_status\":" + Quote(status) + ",\"opened\":" + Quote(opened_s) +
       ",\"employees\":" + employees_s + ",\"revenue\":" + revenue_s + ",\"latitude\":" + lat_s + ",\"longitude\":" + lon_s + extra + "}}";
  return s;
}

}  // namespace gridstat::bench
