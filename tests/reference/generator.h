// A deterministic generator of random submissions for the three Guangxi
// surveys, for differential testing against the reference catalogue.
//
// Same (survey, seed, count) -> same envelopes, on every platform: the only
// randomness is a splitmix64 stream. About 70% of the submissions are valid;
// the rest carry one or more perturbations (boundary values, missing fields,
// nulls, wrong types, bad check characters, unknown and duplicate keys, ...).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gridstat/validate.h"
#include "tests/reference/catalogue.h"

namespace gridstat::reference {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi] (inclusive).
  int64_t Range(int64_t lo, int64_t hi) {
    uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    return lo + static_cast<int64_t>(Next() % span);
  }
  // True with probability percent / 100.
  bool Chance(int percent) { return static_cast<int>(Next() % 100) < percent; }
  template <typename T>
  const T& Pick(const std::vector<T>& v) { return v[static_cast<size_t>(Next() % v.size())]; }

 private:
  uint64_t state_;
};

// `survey` is basic_unit, agri_village or pop_change.
std::vector<gridstat::Envelope> Generate(const std::string& survey, uint64_t seed, int count,
                                         const RefData& data);

// Previous-year agri_village reports for some of the villages of `current`
// (at most one per division): about half of the divisions get one, with
// grain_output near, at, or beyond the 30% change of AG-W04 (or 0, or missing).
// A few are for two years earlier (which AG-W04 must not use).
std::vector<gridstat::Envelope> GeneratePrevious(const std::vector<gridstat::Envelope>& current,
                                                 uint64_t seed);

}  // namespace gridstat::reference
