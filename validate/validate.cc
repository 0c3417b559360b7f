// Envelope -> Record (field-level checks, skip logic) -> rules -> Report.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <simdjson.h>

#include "common/text.h"
#include "gridstat/validate.h"
#include "common/files.h"
#include "eval/eval.h"
#include "validate/guard.h"

namespace gridstat {

using compile::FieldDef;
using compile::FieldType;
using compile::PeriodKind;
using eval::Record;
using compile::SurveyDef;
using compile::Value;

namespace {

struct Text2 {
  std::string zh, en;
};

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

bool AllDigits(std::string_view s, size_t n) {
  if (s.size() != n) return false;
  for (char c : s) if (c < '0' || c > '9') return false;
  return true;
}

const char* KindZh(Doc::Kind k) {
  switch (k) {
    case Doc::Kind::kNull: return "空值";
    case Doc::Kind::kBool: return "布尔值";
    case Doc::Kind::kNumber: return "数字";
    case Doc::Kind::kString: return "文本";
    case Doc::Kind::kArray: return "数组";
    case Doc::Kind::kObject: return "对象";
  }
  return "";
}
const char* KindEn(Doc::Kind k) {
  switch (k) {
    case Doc::Kind::kNull: return "null";
    case Doc::Kind::kBool: return "a boolean";
    case Doc::Kind::kNumber: return "a number";
    case Doc::Kind::kString: return "a string";
    case Doc::Kind::kArray: return "an array";
    case Doc::Kind::kObject: return "an object";
  }
  return "";
}

// Engine limits (doc/language.md, 限制): rows of one roster, findings of one record.
constexpr size_t kMaxRosterRows = 10000;
constexpr size_t kMaxFindings = 1000;

bool IsMissing(const Doc& d) {
  return d.kind == Doc::Kind::kNull || (d.kind == Doc::Kind::kString && d.text.empty());
}

// Where a value sits, spelled out only when a problem is reported.
struct FieldPath {
  const std::string* roster;  // null for a top-level field
  size_t row;
  const std::string* field;
  std::string str() const { return roster ? *roster + "[" + std::to_string(row + 1) + "]." + *field : *field; }
};

// What a field check needs of an input value: a document node's, or one read straight
// from the parser (objects and arrays only ever come with their node).
struct Scalar {
  Doc::Kind kind = Doc::Kind::kNull;
  std::string_view text;
  bool boolean = false;
  const Doc* doc = nullptr;
  static Scalar Of(const Doc& d) { return {d.kind, d.text, d.boolean, &d}; }
};

// Field-level checks, in one place so that every survey gets the same answers.
class FieldDecoder {
 public:
  FieldDecoder(const compile::Program& prog, Lang lang) : prog_(prog), lang_(lang) {}

  // Decodes `d` for `f`; on a problem returns kInvalid and fills `err`.
  Value Decode(const FieldDef& f, const Scalar& d, const FieldPath& fp, Finding* err) {
    err->rule.clear();
    auto fail = [&](const char* code, const std::string& zh, const std::string& en) {
      err->rule = code;
      err->is_error = true;
      err->message = lang_ == Lang::kEn ? en : zh;
      err->fields = {fp.str()};
      Value v;
      v.kind = Value::kInvalid;
      return v;
    };
    auto lz = [&] { return "「" + (f.label.empty() ? f.name : f.label) + "」(" + fp.str() + ")"; };
    auto le = [&] { return "'" + fp.str() + "'"; };
    auto shown = [&](std::string_view s) { return f.masked ? MaskIdNumber(s) : std::string(s); };
    auto txt = [&] { return std::string(d.text); };  // for messages only
    auto wrong_type = [&](const char* want_zh, const char* want_en) {
      return fail("type", lz() + "应为" + want_zh + ",收到的是" + KindZh(d.kind),
                  le() + " must be " + want_en + ", not " + KindEn(d.kind));
    };
    switch (f.type) {
      case FieldType::kInteger:
      case FieldType::kDecimal: {
        std::optional<Decimal> num;
        if (d.kind == Doc::Kind::kNumber) num = Decimal::Parse(d.text, true);
        else if (d.kind == Doc::Kind::kString && IsNumericString(d.text)) num = Decimal::Parse(d.text);
        else if (d.kind == Doc::Kind::kString)
          return fail("type", lz() + "应为数值,收到「" + shown(d.text) + "」", le() + " must be a number, not '" + shown(d.text) + "'");
        else return wrong_type("数值", "a number");
        static const Decimal kLimit = Decimal::FromInt(1000000000000000000LL);
        if (!num || !(num->Abs() < kLimit))
          return fail("range", lz() + "数值过大或位数过多", le() + " is too large or has too many digits");
        int scale = f.type == FieldType::kInteger ? 0 : f.scale;
        *num = num->Rounded(num->SignificantScale());  // 220.1000 is 220.1: places are counted by value
        if (num->SignificantScale() > scale) {
          if (scale == 0) return fail("type", lz() + "应为整数,收到 " + txt(), le() + " must be a whole number, not " + txt());
          return fail("scale", lz() + "最多 " + std::to_string(scale) + " 位小数,收到 " + txt(),
                      le() + " takes at most " + std::to_string(scale) + " decimal places, not " + txt());
        }
        if ((f.min && *num < *f.min) || (f.max && *f.max < *num)) {
          std::string lo = f.min ? f.min->ToString() : "", hi = f.max ? f.max->ToString() : "";
          std::string want_zh = f.min && f.max ? lo + " 到 " + hi + " 之间" : f.min ? "不小于 " + lo : "不大于 " + hi;
          std::string want_en = f.min && f.max ? "between " + lo + " and " + hi : f.min ? "at least " + lo : "at most " + hi;
          return fail("range", lz() + "应" + want_zh + ",收到 " + num->ToString(), le() + " must be " + want_en + ", not " + num->ToString());
        }
        return Value::Num(*num);
      }
      case FieldType::kText: {
        if (d.kind != Doc::Kind::kString) return wrong_type("文本", "a string");
        size_t n = CodePointCount(d.text);
        if ((f.min_len && n < *f.min_len) || (f.max_len && n > *f.max_len)) {
          std::string want = *f.min_len == *f.max_len ? std::to_string(*f.min_len)
                                                      : std::to_string(*f.min_len) + "–" + std::to_string(*f.max_len);
          return fail("length", lz() + "应为 " + want + " 个字符,收到 " + std::to_string(n) + " 个",
                      le() + " must be " + want + " characters long, not " + std::to_string(n));
        }
        if (f.pattern && !RE2::FullMatch(re2::StringPiece(d.text.data(), d.text.size()), *f.pattern))
          return fail("pattern", lz() + "格式不正确:「" + shown(d.text) + "」", le() + " has the wrong format: '" + shown(d.text) + "'");
        return Value::Text(Keep(d.text));
      }
      case FieldType::kCode: {
        if (d.kind != Doc::Kind::kString) return wrong_type("代码(带引号的文本)", "a code (a string)");
        const auto& t = prog_.tables[f.codes];
        if (!t.Find(d.text)) {
          std::string list;
          for (size_t i = 0; i < t.entries.size() && i < 12; ++i) list += (i ? "、" : "") + t.entries[i].code;
          if (t.entries.size() > 12) list += "…";
          return fail("codelist", lz() + "的代码「" + txt() + "」不在代码表中(可用: " + list + ")",
                      le() + ": '" + txt() + "' is not one of its codes (" + list + ")");
        }
        return Value::Text(Keep(d.text));
      }
      case FieldType::kDivision:
        if (d.kind != Doc::Kind::kString) return wrong_type("12 位区划代码(文本)", "a 12-digit division code (a string)");
        if (!AllDigits(d.text, 12))
          return fail("format", lz() + "应为 12 位数字的区划代码,收到「" + txt() + "」", le() + " must be a 12-digit division code, not '" + txt() + "'");
        return Value::Text(Keep(d.text));
      case FieldType::kYearMonth: {
        int32_t ym;
        if (d.kind != Doc::Kind::kString) return wrong_type("年月(YYYY-MM 文本)", "a year-month string (YYYY-MM)");
        if (!gridstat::ParseYearMonth(d.text, &ym))
          return fail("format", lz() + "应为 YYYY-MM 格式的年月,收到「" + txt() + "」", le() + " must be a year-month YYYY-MM, not '" + txt() + "'");
        return Value::YearMonth(ym);
      }
      case FieldType::kDate: {
        int32_t days;
        if (d.kind != Doc::Kind::kString) return wrong_type("日期(YYYY-MM-DD 文本)", "a date string (YYYY-MM-DD)");
        if (!gridstat::ParseDate(d.text, &days))
          return fail("format", lz() + "应为有效的 YYYY-MM-DD 日期,收到「" + txt() + "」", le() + " must be a real date YYYY-MM-DD, not '" + txt() + "'");
        return Value::Date(days);
      }
      case FieldType::kBoolean:
        if (d.kind != Doc::Kind::kBool) return wrong_type("布尔值(true 或 false)", "true or false");
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
          return fail("format", lz() + "应为 {\"lat\": 纬度, \"lon\": 经度}", le() + " must be {\"lat\": ..., \"lon\": ...}");
        Value v;
        v.kind = Value::kGeo;
        v.d = *lat;
        v.d2 = *lon;
        return v;
      }
    }
    return Value();
  }

  // Text values point into the envelope, which outlives the record it is decoded into.
  std::string_view Keep(std::string_view s) { return s; }

 private:
  const compile::Program& prog_;
  Lang lang_;
};

std::string FieldLabel(const FieldDef& f) { return f.label.empty() ? f.name : f.label; }

Finding Problem(const char* code, const std::string& msg, const std::string& path) {
  Finding f;
  f.rule = code;
  f.message = msg;
  f.fields = {path};
  return f;
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

// Decodes an envelope's data into a record. Findings for field-level problems are
// appended to `findings` unless null (previous-period records are taken as they stand).
void DecodeRecord(const compile::Program& prog, const SurveyDef& s, const Envelope& env, Lang lang, Record* rec,
                  std::vector<Finding>* findings) {
  FieldDecoder dec(prog, lang);
  bool en = lang == Lang::kEn;
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
        top[slot] = Problem("duplicate_key", en ? "'" + key + "' appears twice in data" : "data 中字段「" + key + "」出现了两次", key);
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
        roster_problem[ri] = Problem("duplicate_key", en ? "'" + key + "' appears twice in data" : "data 中字段「" + key + "」出现了两次", key);
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
        roster_problem[ri] = Problem("type", en ? "'" + key + "' must be an array of rows" : "「" + (rd.label.empty() ? key : rd.label) + "」(" + key + ")应为数组(每行一个对象)", key);
        ro.unknown = true;
        continue;
      }
      if (value.items.size() > kMaxRosterRows) {
        roster_problem[ri] = Problem("rows", en ? "'" + key + "' has " + std::to_string(value.items.size()) + " rows, over the limit of " + std::to_string(kMaxRosterRows)
                                                : "「" + (rd.label.empty() ? key : rd.label) + "」有 " + std::to_string(value.items.size()) + " 行,超过上限 " + std::to_string(kMaxRosterRows) + " 行", key);
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
          other.push_back(Problem("type", en ? "'" + rpath + "' must be an object" : "「" + rpath + "」应为对象", rpath));
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
            other.push_back(Problem("unknown_field", en ? "'" + rk + "' is not a field of " + key : "「" + key + "」没有字段「" + rk + "」", fpath));
            continue;
          }
          if (rseen[rslot]) {
            std::string fpath = fp.str();
            rows[ri][i][rslot] = Problem("duplicate_key", en ? "'" + fpath + "' appears twice" : "「" + fpath + "」出现了两次", fpath);
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
    other.push_back(Problem("unknown_field", en ? "survey " + s.name + " has no field '" + key + "'" : "调查表 " + s.name + " 没有字段「" + key + "」", key));
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
      top[slot] = Problem("required", en ? "required field '" + f.name + "' (" + FieldLabel(f) + ") is missing"
                                         : "必填项「" + FieldLabel(f) + "」(" + f.name + ")未填报", f.name);
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
          rows[ri][i][slot] = Problem("required", en ? "required field '" + fpath + "' (" + FieldLabel(f) + ") is missing"
                                                     : "必填项「" + FieldLabel(f) + "」(" + fpath + ")未填报", fpath);
        }
      }
    }
    size_t n = ro.rows.size();
    std::string rl = rd.label.empty() ? rd.name : rd.label;
    if (roster_problem[ri].rule.empty()) {
      if (n == 0 && rd.required) {
        roster_problem[ri] = Problem("required", en ? "'" + rd.name + "' needs at least one row" : "「" + rl + "」(" + rd.name + ")至少要有一行", rd.name);
        ro.unknown = true;
      } else if ((rd.min_rows && static_cast<long>(n) < *rd.min_rows) || (rd.max_rows && static_cast<long>(n) > *rd.max_rows)) {
        std::string lo = rd.min_rows ? std::to_string(*rd.min_rows) : "0", hi = rd.max_rows ? std::to_string(*rd.max_rows) : "…";
        roster_problem[ri] = Problem("rows", en ? "'" + rd.name + "' must have " + lo + " to " + hi + " rows, not " + std::to_string(n)
                                                : "「" + rl + "」应有 " + lo + " 到 " + hi + " 行,收到 " + std::to_string(n) + " 行", rd.name);
        ro.unknown = true;
      }
    }
  }
  if (!findings) return;
  auto add = [&](Finding&& f) {
    if (findings->size() < kMaxFindings) findings->push_back(std::move(f));
    else if (findings->size() == kMaxFindings)
      findings->push_back(Problem("too_many_findings", en ? "more than " + std::to_string(kMaxFindings) + " field-level problems; the rest are not listed"
                                                          : "字段级问题超过 " + std::to_string(kMaxFindings) + " 个,其余未列出", ""));
  };
  for (auto& f : top) if (!f.rule.empty()) add(std::move(f));
  for (size_t ri = 0; ri < s.rosters.size(); ++ri) {
    if (!roster_problem[ri].rule.empty()) add(std::move(roster_problem[ri]));
    for (auto& row : rows[ri])
      for (auto& f : row) if (!f.rule.empty()) add(std::move(f));
  }
  for (auto& f : other) add(std::move(f));
}

Report Malformed(const Envelope& env, const std::string& zh, const std::string& en, Lang lang) {
  Report r;
  r.id = env.id;
  r.survey = env.survey;
  r.malformed = true;
  r.file = env.file;
  r.line = env.line;
  r.status = Report::Status::kError;
  Finding f;
  f.rule = "envelope";
  f.message = lang == Lang::kEn ? en : zh;
  r.findings.push_back(f);
  return r;
}

// The rules of `s` on a decoded record, their findings appended to `r`, and its status.
// What decides whether a warning counts as explained (doc/language.md, "Explanations").
struct Explaining {
  const std::map<std::string, std::string>* texts = nullptr;      // rule -> explanation
  const std::map<std::string, std::string>* confirmed = nullptr;  // rule -> re-confirmed digest
  const ExplanationHistory* earlier = nullptr;                    // what counted in the revision before
  int format = Validator::kReportFormat;
};

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

Report RunRules(const compile::Program& prog, const SurveyDef& survey, Lang lang, bool messages, const Record& rec,
                const Record* prev, const Explaining& explaining, Report r) {
  bool en = lang == Lang::kEn;
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
      std::string what_zh = f.fault == "division_by_zero" ? "除数为零" : f.fault == "overflow" ? "数值溢出" : "参数无效";
      f.message = en ? "rule " + rule.code + " could not be computed: " + f.fault
                     : "规则 " + rule.code + " 无法计算(" + what_zh + "),请核对相关数据";
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


// ---- plain records, straight from the parser --------------------------------
// Most records of a bulk file are plain: one JSON object holding exactly id, survey,
// period and division (strings; the id may be a number) and then data, whose survey has
// no rosters (and, when a previous period is given, no cross-period rules), and whose data
// holds known fields with scalar values and no field-level problem. Such a record is read
// straight from the parser into the record, with no document in between. Any other
// record, and any doubt, returns false: it is then decoded into a document and validated
// the usual way, which gives the same report (the differential tests compare the two).
constexpr size_t kMaxPlainBytes = 4u << 20;  // the record limit of the decoder

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
    return Malformed(env, "未知的调查表「" + env.survey + "」(已定义: " + names + ")",
                     "unknown survey '" + env.survey + "' (defined: " + names + ")", lang_);
  }
  Value pv;
  if (!PeriodValue(s->period, env.period, &pv))
    return Malformed(env, "报告期「" + env.period + "」格式错误,调查表 " + s->name + " 应为 " + PeriodFormat(s->period),
                     "period '" + env.period + "' must be " + PeriodFormat(s->period) + " for survey " + s->name, lang_);
  if (!AllDigits(env.division, 12))
    return Malformed(env, "division「" + env.division + "」应为 12 位数字的村级区划代码",
                     "division '" + env.division + "' must be a 12-digit village code", lang_);

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

}  // namespace gridstat

namespace gridstat {

bool Validator::ValidatePlainText(const std::string& path, std::string_view text, size_t capacity, int line,
                                  const PreviousSource* previous, Report* out) const {
  return ValidatePlain(*program_, lang_, messages_, format_, path, text, capacity, line, previous, out);
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
