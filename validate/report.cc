#include "common/messages.h"
#include "common/text.h"
#include "gridstat/report.h"

namespace gridstat {

const char* StatusName(Report::Status s) {
  switch (s) {
    case Report::Status::kPass: return "pass";
    case Report::Status::kWarning: return "warning";
    case Report::Status::kError: return "error";
  }
  return "";
}

std::string ReportToJson(const Report& r) {
  std::string out = "{\"id\":";
  if (r.id) AppendJsonString(&out, *r.id); else out += "null";
  out += ",\"survey\":";
  if (r.survey.empty()) out += "null"; else AppendJsonString(&out, r.survey);
  if (r.malformed) {
    out += ",\"file\":";
    AppendJsonString(&out, r.file);
    out += ",\"line\":" + std::to_string(r.line);
  }
  out += ",\"status\":\"";
  out += StatusName(r.status);
  out += "\",\"findings\":[";
  for (size_t i = 0; i < r.findings.size(); ++i) {
    const Finding& f = r.findings[i];
    if (i) out += ',';
    out += "{\"rule\":";
    AppendJsonString(&out, f.rule);
    out += f.is_error ? ",\"severity\":\"error\",\"message\":" : ",\"severity\":\"warning\",\"message\":";
    AppendJsonString(&out, f.message);
    out += ",\"fields\":[";
    for (size_t k = 0; k < f.fields.size(); ++k) {
      if (k) out += ',';
      AppendJsonString(&out, f.fields[k]);
    }
    out += "],\"explained\":";
    out += f.explained ? "true" : "false";
    if (!f.digest.empty()) {
      out += ",\"digest\":";
      AppendJsonString(&out, f.digest);
    }
    if (!f.fault.empty()) {
      out += ",\"fault\":";
      AppendJsonString(&out, f.fault);
    }
    out += '}';
  }
  out += "]}";
  return out;
}

std::string ReportToText(const Report& r, Lang lang) {
  bool en = lang == Lang::kEn;
  std::string status = Message(lang, r.status == Report::Status::kPass      ? "report/pass"
                                     : r.status == Report::Status::kWarning ? "report/warning"
                                                                             : "report/error");
  std::string out = "[" + status + "] " + EscapeControls(r.id ? *r.id : Message(lang, "report/no_id"));
  if (!r.survey.empty()) out += " " + EscapeControls(r.survey);
  if (!r.file.empty() && r.line > 0) out += "  (" + EscapeControls(r.file) + ":" + std::to_string(r.line) + ")";
  out += "\n";
  for (const Finding& f : r.findings) {
    out += "  ";
    // In English the word takes at least eight columns: "error   ", "warning ", "explained ".
    std::string word = Message(lang, f.is_error ? "report/error" : f.explained ? "report/explained" : "report/warning");
    out += word + std::string(en && word.size() < 7 ? 8 - word.size() : 1, ' ');
    out += EscapeControls(f.rule) + "  " + EscapeControls(f.message);
    if (!f.fields.empty()) {
      out += "  [";
      for (size_t i = 0; i < f.fields.size(); ++i) out += (i ? ", " : "") + EscapeControls(f.fields[i]);
      out += "]";
    }
    if (f.stale_explanation) out += "  " + Message(lang, "report/stale_explanation", {{"digest", f.digest}});
    out += "\n";
  }
  return out;
}

}  // namespace gridstat
