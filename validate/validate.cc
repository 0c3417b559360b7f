// Validating a submission: its envelope checked, its data decoded against the survey
// (decode.cc), the survey's rules run on it, and which warnings are explained.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "common/files.h"
#include "common/messages.h"
#include "common/text.h"
#include "eval/eval.h"
#include "gridstat/validate.h"
#include "validate/decode.h"
#include "validate/guard.h"
#include "validate/rules.h"

namespace gridstat {

using compile::PeriodKind;
using compile::SurveyDef;
using compile::Value;
using eval::Record;
using validate::AllDigits;
using validate::DecodeRecord;
using validate::Explaining;
using validate::IsMissing;
using validate::PeriodFormat;
using validate::PeriodValue;
using validate::RunRules;

namespace validate {
namespace {

// The text a value is digested as: numbers by value (208.30 and 208.3 are one value).
void AppendDigestText(const Value& v, std::string* out) {
  switch (v.kind) {
    case Value::kMissing: *out += "-"; break;
    case Value::kInvalid: *out += "!"; break;
    case Value::kBool: *out += v.b ? "b:true" : "b:false"; break;
    case Value::kNum: *out += "n:" + v.d.ToString(); break;
    case Value::kText: *out += "t:"; out->append(v.s.data(), v.s.size()); break;
    case Value::kYearMonth: *out += "m:" + gridstat::FormatYearMonth(v.i); break;
    case Value::kDate: *out += "d:" + gridstat::FormatDate(v.i); break;
    case Value::kGeo: *out += "g:" + v.d.ToString() + "," + v.d2.ToString(); break;
  }
}

// The digest of the values that decided a finding: each path and its value, one per line,
// SHA-256, the first 16 hex digits.
std::string ValuesDigest(const std::vector<std::pair<std::string, const Value*>>& values) {
  std::string text;
  for (auto& [path, v] : values) {
    text += path;
    text += '=';
    AppendDigestText(v ? *v : Value(), &text);
    text += '\n';
  }
  return gridstat::Sha256Hex(text).substr(0, 16);
}

}  // namespace

Report RunRules(const compile::Program& prog, const SurveyDef& survey, Lang lang, bool messages, const Record& rec,
                const Record* prev, const Explaining& explaining, Report r) {
  const SurveyDef* s = &survey;
  eval::EvalContext ctx{prog, *s, rec, prev};
  for (const auto& rule : s->rules) {
    auto out = eval::RunRule(rule, ctx);
    if (!out.fired && !out.fault) continue;
    Finding f;
    f.rule = rule.code;
    f.is_error = rule.is_error || out.fault;
    if (out.fault) {
      f.fault = out.fault;
      f.message = Message(lang, f.fault, {{"rule", rule.code}});  // the catalogue's entry for the fault's code
    } else {
      if (messages) f.message = eval::RenderMessage(rule, ctx, out.rows.empty() ? 0 : out.rows[0]);
    }
    // The fields that decided the finding (all of the rule's fields when it faulted).
    std::set<std::tuple<int, int, bool>> blamed;
    std::map<std::tuple<int, int>, std::set<int>> blamed_rows;  // per-row fields, by failing row
    if (!out.fault) {
      for (int row : out.rows.empty() ? std::vector<int>{0} : out.rows) {
        std::set<std::tuple<int, int, bool>> b;
        ctx.rows[0] = row;
        eval::BlameRule(rule, ctx, &b);
        for (auto& t : b) {
          blamed.insert(t);
          if (std::get<2>(t)) blamed_rows[{std::get<0>(t), std::get<1>(t)}].insert(row);
        }
      }
    }
    // Each path with the value it had (null: a roster row or field the record lacks).
    std::vector<std::pair<std::string, const Value*>> paths;
    auto cell = [&](int roster, size_t row, int slot) -> const Value* {
      const auto& rows = rec.rosters[roster].rows;
      return row < rows.size() && slot < static_cast<int>(rows[row].size()) ? &rows[row][slot] : nullptr;
    };
    for (const auto& ref : rule.fields) {
      if (!out.fault && !blamed.count({ref.roster, ref.slot, ref.per_row})) continue;
      if (ref.roster < 0) { paths.emplace_back(s->fields[ref.slot].name, &rec.fields[ref.slot]); continue; }
      const auto& rd = s->rosters[ref.roster];
      std::string fname = rd.fields[ref.slot].name;
      if (ref.per_row) {
        for (int row : out.rows)
          if (out.fault || blamed_rows[{ref.roster, ref.slot}].count(row))
            paths.emplace_back(rd.name + "[" + std::to_string(row + 1) + "]." + fname, cell(ref.roster, row, ref.slot));
      } else {
        for (size_t i = 0; i < rec.rosters[ref.roster].rows.size(); ++i)
          paths.emplace_back(rd.name + "[" + std::to_string(i + 1) + "]." + fname, cell(ref.roster, i, ref.slot));
      }
    }
    // Row fields of several failing rows come row by row.
    if (rule.for_each >= 0 && out.rows.size() > 1) {
      std::stable_sort(paths.begin(), paths.end(), [](const auto& a, const auto& b) {
        auto row = [](const std::string& p) {
          auto lb = p.find('['), rb = p.find(']');
          return lb == std::string::npos ? -1 : std::stoi(p.substr(lb + 1, rb - lb - 1));
        };
        return row(a.first) < row(b.first);
      });
    }
    {  // each path once, in order of first appearance
      std::vector<std::pair<std::string, const Value*>> uniq;
      std::set<std::string> seen;
      for (auto& x : paths) if (seen.insert(x.first).second) uniq.push_back(std::move(x));
      paths = std::move(uniq);
    }
    for (auto& p : paths) f.fields.push_back(p.first);
    if (!f.is_error) {
      auto text = explaining.texts ? explaining.texts->find(rule.code) : std::map<std::string, std::string>::const_iterator();
      bool has_text = explaining.texts && text != explaining.texts->end();
      if (explaining.format < 2) {
        f.explained = has_text;
      } else {
        f.digest = ValuesDigest(paths);
        f.explained = has_text;
        const std::string* confirmed = nullptr;
        if (explaining.confirmed)
          if (auto c = explaining.confirmed->find(rule.code); c != explaining.confirmed->end()) confirmed = &c->second;
        if (has_text && confirmed) {
          // Re-confirmed for named values: it counts for those values only.
          f.explained = *confirmed == f.digest;
        } else if (has_text && explaining.earlier) {
          auto e = explaining.earlier->find(rule.code);
          if (e != explaining.earlier->end() && e->second.text == text->second && e->second.digest != f.digest) {
            f.explained = false;
            f.stale_explanation = true;
          }
        }
      }
    }
    r.findings.push_back(std::move(f));
  }
  r.status = Report::Status::kPass;
  for (const auto& f : r.findings) {
    if (f.is_error) { r.status = Report::Status::kError; break; }
    if (!f.explained) r.status = Report::Status::kWarning;
  }
  return r;
}

}  // namespace validate

namespace {

// The report of an envelope that the survey refuses (rule "envelope").
Report Malformed(const Envelope& env, std::string message) {
  Report r;
  r.id = env.id;
  r.survey = env.survey;
  r.malformed = true;
  r.file = env.file;
  r.line = env.line;
  r.status = Report::Status::kError;
  Finding f;
  f.rule = "envelope";
  f.message = std::move(message);
  r.findings.push_back(f);
  return r;
}

}  // namespace

Validator::Validator(std::shared_ptr<const Program> program, Lang lang) : program_(std::move(program)), lang_(lang) {}

std::optional<std::string> Validator::RecordKey(const Envelope& env) const {
  const SurveyDef* s = program_->FindSurvey(env.survey);
  if (!s) return std::nullopt;
  std::string key;
  for (size_t i = 0; i < s->key.size(); ++i) {
    if (i) key += "|";
    if (s->key[i].division) { key += env.division; continue; }
    const Doc* d = env.data.Find(s->fields[s->key[i].slot].name);
    if (!d || IsMissing(*d) || (d->kind != Doc::Kind::kString && d->kind != Doc::Kind::kNumber)) return std::nullopt;
    key += d->text;
  }
  return key;
}

std::optional<std::string> Validator::PreviousPeriod(const std::string& survey, const std::string& period) const {
  const SurveyDef* s = program_->FindSurvey(survey);
  Value v;
  if (!s || !PeriodValue(s->period, period, &v)) return std::nullopt;
  char buf[16];
  int y = std::stoi(period.substr(0, 4));
  switch (s->period) {
    case PeriodKind::kYear: std::snprintf(buf, sizeof buf, "%04d", y - 1); break;
    case PeriodKind::kMonth: std::snprintf(buf, sizeof buf, "%s", gridstat::FormatYearMonth(v.i - 1).c_str()); break;
    case PeriodKind::kQuarter: {
      int q = period[6] - '0';
      if (q == 1) std::snprintf(buf, sizeof buf, "%04d-Q4", y - 1);
      else std::snprintf(buf, sizeof buf, "%04d-Q%d", y, q - 1);
      break;
    }
  }
  if (y < 1) return std::nullopt;
  return std::string(buf);
}

Report Validator::Validate(const Envelope& env, const PreviousSource* previous, const ExplanationHistory* earlier) const {
  const SurveyDef* s = program_->FindSurvey(env.survey);
  if (!s) {
    std::string names;
    for (auto& sv : program_->surveys) names += (names.empty() ? "" : ", ") + sv.name;
    return Malformed(env, Message(lang_, "envelope/unknown_survey", {{"survey", env.survey}, {"surveys", names}}));
  }
  Value pv;
  if (!PeriodValue(s->period, env.period, &pv))
    return Malformed(env, Message(lang_, "envelope/period",
                                  {{"period", env.period}, {"survey", s->name}, {"format", PeriodFormat(s->period)}}));
  if (!AllDigits(env.division, 12))
    return Malformed(env, Message(lang_, "envelope/division", {{"division", env.division}}));

  Report r;
  r.id = env.id;
  r.survey = s->name;
  r.file = env.file;
  r.line = env.line;
  Record rec;
  DecodeRecord(*program_, *s, env, lang_, &rec, &r.findings);

  Record prev_rec;
  bool have_prev = false;
  if (s->uses_prev && previous) {
    auto key = RecordKey(env);
    auto pp = PreviousPeriod(s->name, env.period);
    if (key && pp) {
      if (const Envelope* pe = previous->Find(s->name, *key, *pp)) {
        DecodeRecord(*program_, *s, *pe, lang_, &prev_rec, nullptr);
        have_prev = true;
      }
    }
  }
  Explaining explaining{&env.explanations, &env.confirmed, earlier, format_};
  return RunRules(*program_, *s, lang_, messages_, rec, have_prev ? &prev_rec : nullptr, explaining, std::move(r));
}

namespace validate {

std::optional<std::string> FailingGuard(const Program& prog, const SurveyDef& s, const Envelope& env, const Report& report,
                                        const std::vector<compile::GuardDef>& guards, Lang lang) {
  using eval::EvalContext;
  using eval::FindingCounts;
  if (guards.empty()) return std::nullopt;
  Record rec;
  DecodeRecord(prog, s, env, lang, &rec, nullptr);
  FindingCounts counts;
  for (const auto& f : report.findings) {
    if (f.is_error) ++counts.errors;
    else {
      ++counts.warnings;
      if (!f.explained) ++counts.unexplained;
    }
  }
  EvalContext ctx{prog, s, rec};
  ctx.counts = &counts;
  for (const auto& g : guards) {
    Value v = eval::Eval(g.node, ctx);
    ctx.fault = nullptr;
    if (!v.known() || !v.b) return g.message;
  }
  return std::nullopt;
}

}  // namespace validate

namespace {

bool SameDoc(const Doc& a, const Doc& b) {
  if (a.kind != b.kind || a.boolean != b.boolean || a.text != b.text || a.items.size() != b.items.size() ||
      a.members.size() != b.members.size())
    return false;
  for (size_t i = 0; i < a.items.size(); ++i)
    if (!SameDoc(a.items[i], b.items[i])) return false;
  for (size_t i = 0; i < a.members.size(); ++i)
    if (a.members[i].first != b.members[i].first || !SameDoc(a.members[i].second, b.members[i].second)) return false;
  return true;
}

}  // namespace

const Envelope* PreviousSet::Add(Envelope e) {
  Validator v(program_);
  auto key = v.RecordKey(e);
  if (!key) return nullptr;
  auto [it, added] = by_key_.try_emplace(e.survey + "\n" + *key + "\n" + e.period);
  if (added) {
    it->second = std::move(e);
    return nullptr;
  }
  const Envelope& held = it->second;
  bool same = held.id == e.id && held.division == e.division && held.explanations == e.explanations &&
              held.confirmed == e.confirmed &&
              SameDoc(held.data, e.data);
  return same ? nullptr : &held;
}

const Envelope* PreviousSet::Find(const std::string& survey, const std::string& key, const std::string& period) const {
  auto it = by_key_.find(survey + "\n" + key + "\n" + period);
  return it == by_key_.end() ? nullptr : &it->second;
}

void Validator::ValidateText(const std::string& path, std::string_view text, size_t capacity, int line,
                             const PreviousSource* previous, const std::function<void(const Report&)>& emit) const {
  Report r;
  if (ValidatePlainText(path, text, capacity, line, previous, &r)) {
    emit(r);
    return;
  }
  DecodeRecordText(path, text, capacity, line, [&](Envelope e) { emit(Validate(e, previous)); },
                   [&](Report m) { emit(m); }, lang_);
}

}  // namespace gridstat