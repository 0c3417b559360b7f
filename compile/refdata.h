// Reference data files (CSV, RFC 4180) and content hashing.
#pragma once

#include <string>
#include <vector>

#include "gridstat/status.h"

namespace gridstat::engine {

struct Csv {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<int> row_lines;  // source line of each row
};

// Parses CSV text. Errors name the line; `text` must be valid UTF-8.
Result<Csv> ParseCsv(const std::string& text);
Result<std::string> ReadFile(const std::string& path, size_t max_bytes);
// The same, where "-" names standard input (read to its end).
Result<std::string> ReadInputFile(const std::string& path, size_t max_bytes);
std::string Sha256Hex(const std::string& data);

}  // namespace gridstat::engine
