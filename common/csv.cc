#include "common/csv.h"

namespace gridstat {

Result<Csv> ParseCsv(const std::string& text) {
  Csv csv;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false, any = false;
  int line = 1, row_line = 1;
  size_t i = 0;
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;
  auto end_row = [&]() {
    row.push_back(std::move(cell));
    cell.clear();
    if (csv.header.empty()) csv.header = std::move(row);
    else if (!(row.size() == 1 && row[0].empty())) {
      csv.rows.push_back(std::move(row));
      csv.row_lines.push_back(row_line);
    }
    row.clear();
    any = false;
  };
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (!any) { row_line = line; any = true; }
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') { cell += '"'; ++i; }
        else quoted = false;
      } else {
        if (c == '\n') ++line;
        cell += c;
      }
      continue;
    }
    if (c == '"') {
      if (!cell.empty()) return Status::Invalid("line " + std::to_string(line) + ": quote inside an unquoted cell");
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(cell));
      cell.clear();
    } else if (c == '\n') {
      end_row();
      ++line;
    } else if (c == '\r') {
      // CRLF line endings are accepted
    } else {
      cell += c;
    }
  }
  if (quoted) return Status::Invalid("line " + std::to_string(row_line) + ": unterminated quoted cell");
  if (any) end_row();
  return csv;
}

}  // namespace gridstat
