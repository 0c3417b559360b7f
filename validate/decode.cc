// Decoding a submission's data against its survey (see decode.h): each value checked for
// its field, then skip logic, then what is required; the findings in a stable order.
#include "validate/decode.h"

#include <algorithm>
#include <set>

#include "common/messages.h"
#include "common/text.h"

namespace gridstat::validate {

using compile::FieldDef;
using compile::FieldType;
using compile::PeriodKind;
using compile::SurveyDef;
using compile::Value;
using eval::Record;

namespace {

bool IsNumericString(std::string_view s) {
  size_t i = s.size() > 0 && s[0] == '-' ? 1 : 0;
  size_t digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') { ++i; ++digits; }
  if (digits == 0) return false;
  if (i == s.size()) return true;
  if (s[i] != '.') return false;
  ++i;
  size_t frac = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') { ++i; ++frac; }
  return frac > 0 && i == s.size();
}

// The catalogue's word for what a value is, in a type finding.
const char* KindKey(Doc::Kind k) {
  switch (k) {
    case Doc::Kind::kNull: return "kind/null";
    case Doc::Kind::kBool: return "kind/boolean";
    case Doc::Kind::kNumber: return "kind/number";
    case Doc::Kind::kString: return "kind/string";
    case Doc::Kind::kArray: return "kind/array";
    case Doc::Kind::kObject: return "kind/object";
  }
  return "kind/null";
}

// Engine limits (doc/language.md, 限制): rows of one roster, findings of one record.
constexpr size_t kMaxRosterRows = 10000;
constexpr size_t kMaxFindings = 1000;

std::string FieldLabel(const FieldDef& f) { return f.label.empty() ? f.name : f.label; }

// How findings name a field or a roster: in Chinese by its label, in English by its name
// or path. FieldRef adds the path to the Chinese label.
std::string Named(Lang lang, const std::string& label, const std::string& name) {
  return Message(lang, "field_ref", {{"name", lang == Lang::kEn ? name : label}});
}
std::string FieldRef(Lang lang, const std::string& label, const std::string& path) {
  std::string named = Named(lang, label, path);
  return lang == Lang::kEn ? named : named + "(" + path + ")";
}

// A field-level finding: its rule is the code of the catalogue key.
Finding Problem(Lang lang, std::string_view key, MessageArgs args, const std::string& path) {
  Finding f;
  f.rule = std::string(MessageCode(key));
  f.message = Message(lang, key, args);
  f.fields = {path};
  return f;
}

}  // namespace

bool AllDigits(std::string_view s, size_t n) {
  if (s.size() != n) return false;
  for (char c : s) if (c < '0' || c > '9') return false;
  return true;
}

bool IsMissing(const Doc& d) {
  return d.kind == Doc::Kind::kNull || (d.kind == Doc::Kind::kString && d.text.empty());
}

Value FieldDecoder::Decode(const FieldDef& f, const Scalar& d, const FieldPath& fp, Finding* err) {
  err->rule.clear();
  auto fail = [&](std::string_view key, MessageArgs args) {
    *err = Problem(lang_, key, args, fp.str());
    Value v;
    v.kind = Value::kInvalid;
    return v;
  };
  // The {field} of every message: the field as findings name it.
  auto field = [&] { return MessageArg{"field", FieldRef(lang_, f.label.empty() ? f.name : f.label, fp.str())}; };
  auto shown = [&](std::string_view s) { return f.masked ? MaskIdNumber(s) : std::string(s); };
  auto txt = [&] { return std::string(d.text); };  // for messages only
  auto wrong_type = [&](const char* want) {
    return fail("type", {field(), {"want", Message(lang_, want)}, {"got", Message(lang_, KindKey(d.kind))}});
  };
  switch (f.type) {
    case FieldType::kInteger:
    case FieldType::kDecimal: {
      std::optional<Decimal> num;
      if (d.kind == Doc::Kind::kNumber) num = Decimal::Parse(d.text, true);
      else if (d.kind == Doc::Kind::kString && IsNumericString(d.text)) num = Decimal::Parse(d.text);
      else if (d.kind == Doc::Kind::kString)
        return fail("type/not_number", {field(), {"value", shown(d.text)}});
      else return wrong_type("want/number");
      static const Decimal kLimit = Decimal::FromInt(1000000000000000000LL);
      if (!num || !(num->Abs() < kLimit))
        return fail("range/too_large", {field()});
      int scale = f.type == FieldType::kInteger ? 0 : f.scale;
      *num = num->Rounded(num->SignificantScale());  // 220.1000 is 220.1: places are counted by value
      if (num->SignificantScale() > scale) {
        if (scale == 0) return fail("type/not_whole", {field(), {"value", txt()}});
        return fail("scale", {field(), {"scale", std::to_string(scale)}, {"value", txt()}});
      }
      if ((f.min && *num < *f.min) || (f.max && *f.max < *num)) {
        std::string lo = f.min ? f.min->ToString() : "", hi = f.max ? f.max->ToString() : "";
        const char* key = f.min && f.max ? "range/between" : f.min ? "range/min" : "range/max";
        return fail(key, {field(), {"min", lo}, {"max", hi}, {"value", num->ToString()}});
      }
      return Value::Num(*num);
    }
    case FieldType::kText: {
      if (d.kind != Doc::Kind::kString) return wrong_type("want/text");
      size_t n = CodePointCount(d.text);
      if ((f.min_len && n < *f.min_len) || (f.max_len && n > *f.max_len)) {
        std::string want = *f.min_len == *f.max_len ? std::to_string(*f.min_len)
                                                    : std::to_string(*f.min_len) + "–" + std::to_string(*f.max_len);
        return fail("length", {field(), {"want", want}, {"n", std::to_string(n)}});
      }
      if (f.pattern && !RE2::FullMatch(re2::StringPiece(d.text.data(), d.text.size()), *f.pattern))
        return fail("pattern", {field(), {"value", shown(d.text)}});
      return Value::Text(Keep(d.text));
    }
    case FieldType::kCode: {
      if (d.kind != Doc::Kind::kString) return wrong_type("want/code");
      const auto& t = prog_.tables[f.codes];
      if (!t.Find(d.text)) {
        std::string list, sep = Message(lang_, "codelist_separator");
        for (size_t i = 0; i < t.entries.size() && i < 12; ++i) list += (i ? sep : "") + t.entries[i].code;
        if (t.entries.size() > 12) list += "…";
        return fail("codelist", {field(), {"value", txt()}, {"codes", list}});
      }
      return Value::Text(Keep(d.text));
    }
    case FieldType::kDivision:
      if (d.kind != Doc::Kind::kString) return wrong_type("want/division");
      if (!AllDigits(d.text, 12)) return fail("format/division", {field(), {"value", txt()}});
      return Value::Text(Keep(d.text));
    case FieldType::kYearMonth: {
      int32_t ym;
      if (d.kind != Doc::Kind::kString) return wrong_type("want/year_month");
      if (!gridstat::ParseYearMonth(d.text, &ym)) return fail("format/year_month", {field(), {"value", txt()}});
      return Value::YearMonth(ym);
    }
    case FieldType::kDate: {
      int32_t days;
      if (d.kind != Doc::Kind::kString) return wrong_type("want/date");
      if (!gridstat::ParseDate(d.text, &days)) return fail("format/date", {field(), {"value", txt()}});
      return Value::Date(days);
    }
    case FieldType::kBoolean:
      if (d.kind != Doc::Kind::kBool) return wrong_type("want/boolean");
      return Value::Bool(d.boolean);
    case FieldType::kGeo: {
      std::optional<Decimal> lat, lon;
      auto num = [](const Doc* x) -> std::optional<Decimal> {
        if (!x) return std::nullopt;
        if (x->kind == Doc::Kind::kNumber) return Decimal::Parse(x->text, true);
        if (x->kind == Doc::Kind::kString && IsNumericString(x->text)) return Decimal::Parse(x->text);
        return std::nullopt;
      };
      if (d.kind == Doc::Kind::kObject && d.doc) { lat = num(d.doc->Find("lat")); lon = num(d.doc->Find("lon")); }
      if (!lat || !lon || lat->Abs().mantissa() < 0 || Decimal::FromInt(90) < lat->Abs() || Decimal::FromInt(180) < lon->Abs())
        return fail("format/geo", {field()});
      Value v;
      v.kind = Value::kGeo;
      v.d = *lat;
      v.d2 = *lon;
      return v;
    }
  }
  return Value();
}

bool PeriodValue(PeriodKind k, const std::string& p, Value* out) {
  if (k == PeriodKind::kYear) {
    if (!AllDigits(p, 4)) return false;
    *out = Value::Num(Decimal::FromInt(std::stoi(p)));
    return true;
  }
  if (k == PeriodKind::kMonth) {
    int32_t ym;
    if (!gridstat::ParseYearMonth(p, &ym)) return false;
    *out = Value::YearMonth(ym);
    return true;
  }
  if (p.size() != 7 || !AllDigits(p.substr(0, 4), 4) || p[4] != '-' || p[5] != 'Q' || p[6] < '1' || p[6] > '4') return false;
  *out = Value::Text(p);  // the caller keeps `p` alive
  return true;
}

const char* PeriodFormat(PeriodKind k) { return k == PeriodKind::kYear ? "YYYY" : k == PeriodKind::kMonth ? "YYYY-MM" : "YYYY-Qn"; }

void DecodeRecord(const compile::Program& prog, const SurveyDef& s, const Envelope& env, Lang lang, Record* rec,
                  std::vector<Finding>* findings) {
  FieldDecoder dec(prog, lang);
  rec->fields.assign(s.fields.size(), Value());
  rec->rosters.assign(s.rosters.size(), Record::Roster());
  rec->division = env.division;
  PeriodValue(s.period, env.period, &rec->period);
  if (rec->period.kind == Value::kText) {
    rec->storage.push_front(env.period);
    rec->period.s = rec->storage.front();
  }
  // Pending field-level problems: skip logic may still drop them.
  std::vector<Finding> top(s.fields.size());
  std::vector<std::vector<std::vector<Finding>>> rows(s.rosters.size());
  std::vector<Finding> other;
  std::vector<bool> seen(s.fields.size(), false), roster_seen(s.rosters.size(), false);
  std::vector<Finding> roster_problem(s.rosters.size());
  std::vector<std::set<size_t>> not_rows(s.rosters.size());  // rows that are not objects: no fields to check

  // Members usually come in the declared order: the next field is tried before the hash.
  size_t guess = 0;
  auto lookup = [](const std::vector<FieldDef>& fields, const std::unordered_map<std::string, int>& by_name,
                   const std::string& key, size_t* next) -> int {
    int slot = -1;
    if (*next < fields.size() && fields[*next].name == key) {
      slot = static_cast<int>(*next);
    } else {
      auto it = by_name.find(key);
      if (it != by_name.end()) slot = it->second;
    }
    if (slot >= 0) *next = static_cast<size_t>(slot) + 1;
    return slot;
  };
  for (const auto& [key, value] : env.data.members) {
    if (int slot = lookup(s.fields, s.by_name, key, &guess); slot >= 0) {
      if (seen[slot]) {
        top[slot] = Problem(lang, "duplicate_key", {{"key", key}}, key);
        rec->fields[slot].kind = Value::kInvalid;
        continue;
      }
      seen[slot] = true;
      if (IsMissing(value)) continue;
      Finding err;
      rec->fields[slot] = dec.Decode(s.fields[slot], Scalar::Of(value), FieldPath{nullptr, 0, &key}, &err);
      if (!err.rule.empty()) top[slot] = std::move(err);
      continue;
    }
    auto rit = s.roster_by_name.find(key);
    if (rit != s.roster_by_name.end()) {
      int ri = rit->second;
      const auto& rd = s.rosters[ri];
      auto& ro = rec->rosters[ri];
      if (roster_seen[ri]) {
        // Which copy is meant is unknown: neither is used, and the first one's problems are dropped.
        roster_problem[ri] = Problem(lang, "duplicate_key", {{"key", key}}, key);
        ro.unknown = true;
        ro.rows.clear();
        rows[ri].clear();
        other.erase(std::remove_if(other.begin(), other.end(), [&, &key = key](const Finding& f) {
                      return !f.fields.empty() && f.fields[0].rfind(key + "[", 0) == 0;
                    }), other.end());
        continue;
      }
      roster_seen[ri] = true;
      if (value.kind == Doc::Kind::kNull) continue;
      if (value.kind != Doc::Kind::kArray) {
        std::string roster = FieldRef(lang, rd.label.empty() ? key : rd.label, key);
        roster_problem[ri] = Problem(lang, "type/roster_not_array", {{"roster", roster}}, key);
        ro.unknown = true;
        continue;
      }
      if (value.items.size() > kMaxRosterRows) {
        std::string roster = Named(lang, rd.label.empty() ? key : rd.label, key);
        roster_problem[ri] = Problem(lang, "rows/limit", {{"roster", roster}, {"n", std::to_string(value.items.size())},
                                                          {"max", std::to_string(kMaxRosterRows)}}, key);
        ro.unknown = true;
        continue;
      }
      rows[ri].resize(value.items.size());
      for (size_t i = 0; i < value.items.size(); ++i) {
        const Doc& row = value.items[i];
        ro.rows.emplace_back(rd.fields.size(), Value());
        rows[ri][i].resize(rd.fields.size());
        if (row.kind != Doc::Kind::kObject) {
          std::string rpath = key + "[" + std::to_string(i + 1) + "]";
          other.push_back(Problem(lang, "type/row_not_object", {{"path", rpath}}, rpath));
          ro.unknown = true;
          not_rows[ri].insert(i);
          continue;
        }
        std::vector<bool> rseen(rd.fields.size(), false);
        size_t rguess = 0;
        for (const auto& [rk, rv] : row.members) {
          FieldPath fp{&key, i, &rk};
          int rslot = lookup(rd.fields, rd.by_name, rk, &rguess);
          if (rslot < 0) {
            std::string fpath = fp.str();
            other.push_back(Problem(lang, "unknown_field/row", {{"roster", key}, {"name", rk}}, fpath));
            continue;
          }
          if (rseen[rslot]) {
            std::string fpath = fp.str();
            rows[ri][i][rslot] = Problem(lang, "duplicate_key/row", {{"path", fpath}}, fpath);
            ro.rows[i][rslot].kind = Value::kInvalid;
            continue;
          }
          rseen[rslot] = true;
          if (IsMissing(rv)) continue;
          Finding err;
          ro.rows[i][rslot] = dec.Decode(rd.fields[rslot], Scalar::Of(rv), fp, &err);
          if (!err.rule.empty()) rows[ri][i][rslot] = std::move(err);
        }
      }
      continue;
    }
    other.push_back(Problem(lang, "unknown_field", {{"survey", s.name}, {"name", key}}, key));
  }

  // Skip logic: a field whose condition is definitely false is not asked; whatever
  // was sent for it is ignored, problems included.
  eval::EvalContext ctx{prog, s, *rec};
  for (size_t slot = 0; slot < s.fields.size(); ++slot) {
    const FieldDef& f = s.fields[slot];
    bool asked = true;
    if (f.when >= 0) {
      Value w = eval::Eval(f.when, ctx);
      ctx.fault = nullptr;
      asked = !(w.known() && !w.b);
    }
    if (!asked) {
      rec->fields[slot] = Value();
      top[slot] = Finding();
      continue;
    }
    if (f.required && rec->fields[slot].kind == Value::kMissing && top[slot].rule.empty())
      top[slot] = Problem(lang, "required", {{"label", FieldLabel(f)}, {"path", f.name}}, f.name);
  }
  for (size_t ri = 0; ri < s.rosters.size(); ++ri) {
    const auto& rd = s.rosters[ri];
    auto& ro = rec->rosters[ri];
    for (size_t i = 0; i < ro.rows.size(); ++i) {
      ctx.rows[0] = static_cast<int>(i);
      for (size_t slot = 0; slot < rd.fields.size(); ++slot) {
        const FieldDef& f = rd.fields[slot];
        bool asked = true;
        if (f.when >= 0) {
          Value w = eval::Eval(f.when, ctx);
          ctx.fault = nullptr;
          asked = !(w.known() && !w.b);
        }
        if (rows[ri].size() <= i) continue;
        if (!asked) {
          ro.rows[i][slot] = Value();
          rows[ri][i][slot] = Finding();
          continue;
        }
        if (not_rows[ri].count(i)) continue;
        if (f.required && ro.rows[i][slot].kind == Value::kMissing && rows[ri][i][slot].rule.empty()) {
          std::string fpath = rd.name + "[" + std::to_string(i + 1) + "]." + f.name;
          rows[ri][i][slot] = Problem(lang, "required", {{"label", FieldLabel(f)}, {"path", fpath}}, fpath);
        }
      }
    }
    size_t n = ro.rows.size();
    std::string rl = rd.label.empty() ? rd.name : rd.label;
    if (roster_problem[ri].rule.empty()) {
      if (n == 0 && rd.required) {
        roster_problem[ri] = Problem(lang, "required/rows", {{"roster", FieldRef(lang, rl, rd.name)}}, rd.name);
        ro.unknown = true;
      } else if ((rd.min_rows && static_cast<long>(n) < *rd.min_rows) || (rd.max_rows && static_cast<long>(n) > *rd.max_rows)) {
        std::string lo = rd.min_rows ? std::to_string(*rd.min_rows) : "0", hi = rd.max_rows ? std::to_string(*rd.max_rows) : "…";
        std::string roster = Named(lang, rl, rd.name);
        roster_problem[ri] =
            Problem(lang, "rows/range", {{"roster", roster}, {"min", lo}, {"max", hi}, {"n", std::to_string(n)}}, rd.name);
        ro.unknown = true;
      }
    }
  }
  if (!findings) return;
  auto add = [&](Finding&& f) {
    if (findings->size() < kMaxFindings) findings->push_back(std::move(f));
    else if (findings->size() == kMaxFindings)
      findings->push_back(Problem(lang, "too_many_findings", {{"max", std::to_string(kMaxFindings)}}, ""));
  };
  for (auto& f : top) if (!f.rule.empty()) add(std::move(f));
  for (size_t ri = 0; ri < s.rosters.size(); ++ri) {
    if (!roster_problem[ri].rule.empty()) add(std::move(roster_problem[ri]));
    for (auto& row : rows[ri])
      for (auto& f : row) if (!f.rule.empty()) add(std::move(f));
  }
  for (auto& f : other) add(std::move(f));
}

}  // namespace gridstat::validate
