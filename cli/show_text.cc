// `gridstat show` as a reviewer reads it: the instance, its latest submission with figures,
// rosters and findings, and its whole history.
#include "cli/cli.h"
#include "common/json.h"
#include "common/messages.h"
#include "common/text.h"

namespace gridstat::cli {
namespace {

// A submitted value as a reader sees it: `1 家庭户`, `3000.0 亩`, or `-` when missing.
std::string Cell(const Doc& c, const Doc* unit) {
  const Doc* v = c.Find("value");
  if (!v || v->kind == Doc::Kind::kNull) return "-";
  std::string out = v->kind == Doc::Kind::kString || v->kind == Doc::Kind::kNumber
                        ? EscapeControls(v->text)
                        : EscapeControls(json::Canonical(*v));
  if (json::GetStr(c, "code_label")) out += " " + S(c, "code_label");
  if (unit && unit->kind == Doc::Kind::kString) out += " " + EscapeControls(unit->text);
  return out;
}

}  // namespace

std::string ShowText(const Doc& d, Lang lang) {
  std::string out = S(d, "id") + "\n";
  auto titled = [&](const char* name, const char* label) {
    return S(d, name) + (json::GetStr(d, label) ? " " + S(d, label) : "");
  };
  out += Message(lang, "show/workflow",
                 {{"workflow", titled("workflow", "workflow_label")},
                  {"survey", titled("survey", "survey_label")},
                  {"period", S(d, "period")}}) +
         "\n";
  out += Message(lang, "show/jurisdiction",
                 {{"division", S(d, "division")},
                  {"name", S(d, "division_name")},
                  {"state", Labelled(d, "state_label", "state")},
                  {"version", S(d, "version")}}) +
         "\n";
  if (const Doc* sub = d.Find("submission"); sub && sub->kind == Doc::Kind::kObject) {
    bool draft = sub->Find("draft") && sub->Find("draft")->boolean;
    out += Message(lang, "show/submission",
                   {{"revision", S(*sub, "revision")},
                    {"status", S(*sub, "status")},
                    {"draft", draft ? Message(lang, "show/draft") : ""}}) +
           "\n";
    if (const Doc* fs = sub->Find("findings"))
      for (auto& f : fs->items) {
        out += "    " + S(f, "severity") + " " + S(f, "rule") + "  " + S(f, "message") + "\n";
        if (json::GetStr(f, "explanation"))
          out += Message(lang, "show/explanation", {{"text", S(f, "explanation")}}) + "\n";
      }
    const Doc* figures = sub->Find("figures");
    const Doc* rosters = sub->Find("rosters");
    if (figures && figures->kind == Doc::Kind::kArray) {
      out += Message(lang, "show/figures") + "\n";
      for (auto& f : figures->items)
        out += "    " + Labelled(f, "label", "name") + ": " + Cell(f, f.Find("unit")) + "\n";
    }
    if (rosters && rosters->kind == Doc::Kind::kArray)
      for (auto& r : rosters->items) {
        const Doc* cols = r.Find("columns");
        const Doc* rows = r.Find("rows");
        if (!cols || !rows) continue;
        out += Message(lang, "show/roster",
                       {{"label", Labelled(r, "label", "name")}, {"rows", std::to_string(rows->items.size())}}) +
               "\n";
        std::string head = "      ";
        for (size_t k = 0; k < cols->items.size(); ++k) {
          const Doc& c = cols->items[k];
          head += (k ? " | " : "") + Labelled(c, "label", "name") +
                  (json::GetStr(c, "unit") ? "(" + S(c, "unit") + ")" : "");
        }
        out += head + "\n";
        for (auto& row : rows->items) {
          std::string line = "      ";
          for (size_t k = 0; k < row.items.size(); ++k) line += (k ? " | " : "") + Cell(row.items[k], nullptr);
          out += line + "\n";
        }
      }
  }
  out += Message(lang, "show/history") + "\n";
  if (const Doc* evs = d.Find("events"))
    for (auto& e : evs->items) {
      bool refused = e.Find("refused") && e.Find("refused")->boolean;
      out +=
          "    #" + S(e, "seq") + " " + LocalAt(e) + " " + Who(e) + " " + Labelled(e, "action_label", "action") + " ";
      out += refused ? Message(lang, "event/refused", {{"message", S(e, "message")}})
                     : Labelled(e, "from_label", "from") + " → " + Labelled(e, "to_label", "to");
      if (json::GetStr(e, "comment")) out += Message(lang, "event/comment", {{"comment", S(e, "comment")}});
      out += "\n";
    }
  return out;
}

}  // namespace gridstat::cli
