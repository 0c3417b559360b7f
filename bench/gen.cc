// Deterministic benchmark data: `gridstat_gen SURVEY COUNT [SEED] > FILE.jsonl`.
// Draws on the real division codes; mixes clean and faulty records (see
// tests/reference/generator.h), generated in blocks so that memory stays small.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "tests/reference/catalogue.h"
#include "tests/reference/generator.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: gridstat_gen SURVEY COUNT [SEED] [DATA_DIR]\n";
    return 2;
  }
  std::string survey = argv[1];
  long count = std::atol(argv[2]);
  uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1;
  std::string data = argc > 4 ? argv[4] : std::string(GRIDSTAT_SOURCE_DIR) + "/definitions/guangxi/data";
  auto ref = gridstat::reference::LoadRefData(data);
  const long block = 5000;
  std::string out;
  for (long done = 0, n = 0; done < count; done += block, ++n) {
    int k = static_cast<int>(std::min(block, count - done));
    for (auto& e : gridstat::reference::Generate(survey, seed * 1000003 + static_cast<uint64_t>(n), k, ref)) {
      out += gridstat::reference::EnvelopeToJson(e);
      out += '\n';
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    out.clear();
  }
  return 0;
}
