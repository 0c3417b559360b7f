// Benchmark data for basic_unit: realistic records on the real division and
// industry codes, about 20% of them with exactly one fault of a known kind, so
// that every peer (ajv, json-rules-engine, json-logic-js) can express the checks
// it is compared on and must reach the same count of failing records.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gridstat::bench {

struct BenchCodes {
  std::vector<std::string> villages;    // level-5 division codes
  std::vector<std::string> industries;  // 4-digit industry classes
};

BenchCodes LoadBenchCodes(const std::string& data_dir);

// One JSON line per record (no newline). Deterministic in (seed, index).
std::string BasicUnitRecord(const BenchCodes& codes, uint64_t seed, long index);

// The rules the JavaScript rule engines evaluate (cross-field and single-field
// rules that need no reference data), by code.
const std::vector<std::string>& PeerRuleCodes();

}  // namespace gridstat::bench
