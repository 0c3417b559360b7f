// Every ```gs block of doc/language.md compiles without errors, so the reference
// never shows an example that does not work.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "gridstat/engine.h"

using namespace gridstat;

TEST_CASE("doc/language.md: every gs example compiles", "[doc]") {
  std::ifstream in(std::string(GRIDSTAT_SOURCE_DIR) + "/doc/language.md");
  REQUIRE(in);
  std::string line, block;
  bool inside = false;
  int blocks = 0, start = 0, n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!inside && line == "```gs") { inside = true; block.clear(); start = n; continue; }
    if (inside && line == "```") {
      inside = false;
      ++blocks;
      INFO("doc/language.md block at line " << start << ":\n" << block);
      auto r = CompileSources({{"example.gs", block}}, std::string(GRIDSTAT_SOURCE_DIR) + "/definitions/guangxi");
      for (auto& d : r.diagnostics) INFO(RenderDiagnosticText(d, Lang::kEn));
      CHECK(r.program != nullptr);
      CHECK(r.diagnostics.empty());
      continue;
    }
    if (inside) block += line + "\n";
  }
  CHECK(blocks >= 4);
}
