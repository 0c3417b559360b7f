// The fast path of validation (Validator::ValidatePlainText): a plain record read straight
// from the parser into a record, with no document in between.
#include <string>
#include <string_view>

#include <simdjson.h>

#include "common/json_reader.h"
#include "common/text.h"
#include "gridstat/validate.h"
#include "validate/decode.h"
#include "validate/rules.h"

namespace gridstat {
namespace {

using compile::FieldDef;
using compile::SurveyDef;
using compile::Value;
using eval::Record;
using validate::AllDigits;
using validate::Explaining;
using validate::FieldDecoder;
using validate::FieldPath;
using validate::PeriodValue;
using validate::RunRules;
using validate::Scalar;

// ---- plain records, straight from the parser --------------------------------
// Most records of a bulk file are plain: one JSON object holding exactly id, survey,
// period and division (strings; the id may be a number) and then data, whose survey has
// no rosters (and, when a previous period is given, no cross-period rules), and whose data
// holds known fields with scalar values and no field-level problem. Such a record is read
// straight from the parser into the record, with no document in between. Any other
// record, and any doubt, returns false: it is then decoded into a document and validated
// the usual way, which gives the same report (the differential tests compare the two).
constexpr size_t kMaxPlainBytes = json::kMaxRecordBytes;  // the record limit of the decoder

bool ReadScalar(simdjson::ondemand::value v, Scalar* out) {
  using simdjson::ondemand::json_type;
  json_type t;
  if (v.type().get(t)) return false;
  switch (t) {
    case json_type::string:
      out->kind = Doc::Kind::kString;
      return !v.get_string().get(out->text);
    case json_type::number: {
      std::string_view raw = v.raw_json_token();
      while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t' || raw.back() == '\n' || raw.back() == '\r')) raw.remove_suffix(1);
      out->kind = Doc::Kind::kNumber;
      out->text = raw;
      return IsJsonNumber(raw);
    }
    case json_type::boolean:
      out->kind = Doc::Kind::kBool;
      return !v.get_bool().get(out->boolean);
    case json_type::null: {
      bool is_null = false;
      out->kind = Doc::Kind::kNull;
      return !v.is_null().get(is_null) && is_null;
    }
    default:
      return false;  // objects and arrays take the usual way
  }
}

bool ReadPlainData(const compile::Program& prog, const SurveyDef& s, Lang lang, simdjson::ondemand::object data, Record* rec) {
  thread_local std::vector<char> seen;
  seen.assign(s.fields.size(), 0);
  rec->fields.assign(s.fields.size(), Value());
  FieldDecoder dec(prog, lang);
  size_t next = 0;
  for (auto member : data) {
    std::string_view key;
    if (member.unescaped_key().get(key)) return false;
    int slot = -1;
    if (next < s.fields.size() && s.fields[next].name == key) {
      slot = static_cast<int>(next);
    } else {
      auto it = s.by_name.find(std::string(key));
      if (it == s.by_name.end()) return false;  // not a field: reported the usual way
      slot = it->second;
    }
    next = static_cast<size_t>(slot) + 1;
    if (seen[slot]) return false;
    seen[slot] = 1;
    simdjson::ondemand::value v;
    Scalar sc;
    if (member.value().get(v) || !ReadScalar(v, &sc)) return false;
    if (sc.kind == Doc::Kind::kNull || (sc.kind == Doc::Kind::kString && sc.text.empty())) continue;  // missing
    const FieldDef& f = s.fields[slot];
    Finding err;
    Value val = dec.Decode(f, sc, FieldPath{nullptr, 0, &f.name}, &err);
    if (!err.rule.empty()) return false;
    rec->fields[slot] = val;
  }
  // Skip logic, in the order of DecodeRecord; a required field left missing takes the usual way.
  eval::EvalContext ctx{prog, s, *rec};
  for (size_t slot = 0; slot < s.fields.size(); ++slot) {
    const FieldDef& f = s.fields[slot];
    if (f.when >= 0) {
      Value w = eval::Eval(f.when, ctx);
      ctx.fault = nullptr;
      if (w.known() && !w.b) {
        rec->fields[slot] = Value();
        continue;
      }
    }
    if (f.required && rec->fields[slot].kind == Value::kMissing) return false;
  }
  return true;
}

bool ValidatePlain(const compile::Program& prog, Lang lang, bool messages, int format, const std::string& path, std::string_view text,
                   size_t capacity, int line, const PreviousSource* previous, Report* out) {
  if (text.size() > kMaxPlainBytes || capacity < text.size() + simdjson::SIMDJSON_PADDING) return false;
  thread_local simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  simdjson::ondemand::object obj;
  if (parser.iterate(text.data(), text.size(), capacity).get(doc) || doc.get_object().get(obj)) return false;
  std::string_view id, survey, period, division;
  bool has[5] = {false, false, false, false, false};
  const SurveyDef* s = nullptr;
  Record rec;
  for (auto member : obj) {
    std::string_view key;
    simdjson::ondemand::value v;
    if (member.unescaped_key().get(key) || member.value().get(v)) return false;
    int m = key == "id" ? 0 : key == "survey" ? 1 : key == "period" ? 2 : key == "division" ? 3 : key == "data" ? 4 : -1;
    if (m < 0 || has[m]) return false;  // explanations, other members and duplicates take the usual way
    has[m] = true;
    if (m == 4) {
      if (!has[1]) return false;
      s = prog.FindSurvey(survey);
      if (!s || !s->rosters.empty() || (s->uses_prev && previous)) return false;
      simdjson::ondemand::object data;
      if (v.get_object().get(data) || !ReadPlainData(prog, *s, lang, data, &rec)) return false;
      continue;
    }
    Scalar sc;
    if (!ReadScalar(v, &sc) || sc.text.empty()) return false;
    if (sc.kind != Doc::Kind::kString && !(m == 0 && sc.kind == Doc::Kind::kNumber)) return false;
    (m == 0 ? id : m == 1 ? survey : m == 2 ? period : division) = sc.text;
  }
  const char* rest = nullptr;
  if (doc.current_location().get(rest) == simdjson::SUCCESS && rest != nullptr) return false;  // content after the object
  if (!(has[0] && has[1] && has[2] && has[3] && has[4])) return false;
  if (!PeriodValue(s->period, std::string(period), &rec.period) || !AllDigits(division, 12)) return false;
  rec.division = std::string(division);
  if (rec.period.kind == Value::kText) {
    rec.storage.push_front(std::string(period));
    rec.period.s = rec.storage.front();
  }
  Report r;
  r.id = std::string(id);
  r.survey = s->name;
  r.file = path;
  r.line = line;
  Explaining none;
  none.format = format;
  *out = RunRules(prog, *s, lang, messages, rec, nullptr, none, std::move(r));
  return true;
}

}  // namespace

bool Validator::ValidatePlainText(const std::string& path, std::string_view text, size_t capacity, int line,
                                  const PreviousSource* previous, Report* out) const {
  return ValidatePlain(*program_, lang_, messages_, format_, path, text, capacity, line, previous, out);
}

}  // namespace gridstat
