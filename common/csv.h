// Reference data files: CSV as RFC 4180 writes it (quoted cells, doubled quotes, CRLF or
// LF line ends, an optional UTF-8 byte-order mark).
#pragma once

#include <string>
#include <vector>

#include "gridstat/status.h"

namespace gridstat {

struct Csv {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<int> row_lines;  // source line of each row
};

// Parses CSV text. Errors name the line; `text` must be valid UTF-8.
Result<Csv> ParseCsv(const std::string& text);

}  // namespace gridstat
