// Diagnostics: the author's mistakes in definition files, reported as data.
//
// Every diagnostic has a stable ASCII code (for example `unknown-name`), a
// severity, a position (1-based line and column, columns counted in Unicode code
// points) and a message in Chinese and in English. Render them with
// RenderDiagnosticText (stderr, with the source line and a caret) or
// RenderDiagnosticJson (one object per line).
#pragma once

#include <string>
#include <vector>

namespace gridstat {

enum class Lang { kZh, kEn };

struct Diagnostic {
  enum class Severity { kError, kWarning };
  std::string code;
  Severity severity = Severity::kError;
  std::string file;
  int line = 0;  // 0 when the problem is about the file as a whole
  int col = 0;
  std::string message_zh, message_en;
  std::string hint_zh, hint_en;
  std::string source_line;  // the text of `line`, for the caret display

  const std::string& message(Lang l) const { return l == Lang::kEn ? message_en : message_zh; }
  const std::string& hint(Lang l) const { return l == Lang::kEn ? hint_en : hint_zh; }
};

// Sorts by file, line, column; keeps at most `cap` and says how many were dropped.
void SortAndCap(std::vector<Diagnostic>* diags, size_t cap = 100);

// FILE:LINE:COL: error[CODE]: message, then the source line with a caret under the
// column (wide characters taken into account) and the hint, if any.
std::string RenderDiagnosticText(const Diagnostic& d, Lang lang);
// {"code":..,"severity":..,"file":..,"line":..,"col":..,"message":..,"hint":..}
std::string RenderDiagnosticJson(const Diagnostic& d, Lang lang);

bool HasErrors(const std::vector<Diagnostic>& diags);

}  // namespace gridstat
