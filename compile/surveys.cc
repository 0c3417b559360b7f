// Pass 3, SurveyPass: each survey's period, fields (types, ranges, lengths, patterns),
// rosters and record key; then its skip logic (`when`), which may read any field and table
// and so is compiled once all of them are known.
#include <algorithm>

#include "compile/compiler.h"

namespace gridstat::compile {

void Compiler::SurveyPass() {
  for (auto& s : module.surveys) {
    SurveyDef def;
    def.name = s.name.name;
    def.label = s.label;
    if (!s.period) {
      Err(s.name.pos, "missing-period", "调查表「" + def.name + "」缺少 period(year、month 或 quarter)",
          "survey '" + def.name + "' needs `period year`, `period month` or `period quarter`");
    } else if (s.period->name == "year") def.period = PeriodKind::kYear;
    else if (s.period->name == "month") def.period = PeriodKind::kMonth;
    else if (s.period->name == "quarter") def.period = PeriodKind::kQuarter;
    else
      Err(s.period->pos, "bad-period", "报告期类型「" + s.period->name + "」无效", "unknown period kind '" + s.period->name + "'",
          "可用: year、month、quarter", "use year, month or quarter");
    for (auto& f : s.fields) {
      if (def.by_name.count(f.name.name) || def.roster_by_name.count(f.name.name)) {
        Err(f.name.pos, "duplicate", "字段「" + f.name.name + "」重复定义", "field '" + f.name.name + "' is defined twice");
        continue;
      }
      FieldDef fd = FieldShape(f);
      fd.slot = static_cast<int>(def.fields.size());
      def.by_name[fd.name] = fd.slot;
      def.fields.push_back(std::move(fd));
    }
    for (auto& r : s.rosters) {
      if (def.by_name.count(r.name.name) || def.roster_by_name.count(r.name.name)) {
        Err(r.name.pos, "duplicate", "字段「" + r.name.name + "」重复定义", "field '" + r.name.name + "' is defined twice");
        continue;
      }
      RosterDef rd;
      rd.name = r.name.name;
      rd.label = r.label;
      rd.required = r.required;
      rd.min_rows = r.min_rows;
      rd.max_rows = r.max_rows;
      if (r.min_rows && r.max_rows && *r.max_rows < *r.min_rows)
        Err(r.name.pos, "bad-attribute", "「" + r.name.name + "」的行数上限小于下限", "the rows' upper bound of '" + r.name.name + "' is below its lower bound");
      int ri = static_cast<int>(def.rosters.size());
      for (auto& f : r.fields) {
        if (rd.by_name.count(f.name.name)) {
          Err(f.name.pos, "duplicate", "字段「" + f.name.name + "」重复定义", "field '" + f.name.name + "' is defined twice");
          continue;
        }
        FieldDef fd = FieldShape(f);
        fd.roster = ri;
        fd.slot = static_cast<int>(rd.fields.size());
        rd.by_name[fd.name] = fd.slot;
        rd.fields.push_back(std::move(fd));
      }
      def.roster_by_name[rd.name] = ri;
      def.rosters.push_back(std::move(rd));
    }
    if (s.keys.empty())
      Err(s.name.pos, "missing-key", "调查表「" + def.name + "」缺少记录键(key)", "survey '" + def.name + "' needs a `key`",
          "例如 key division 或 key uscc", "for example `key division` or `key uscc`");
    for (auto& k : s.keys) {
      KeyPart kp;
      if (k.name == "division") kp.division = true;
      else if (def.by_name.count(k.name)) kp.slot = def.by_name[k.name];
      else {
        UnknownName(k, FieldNames(def, -1));
        continue;
      }
      def.key.push_back(kp);
    }
    int idx = static_cast<int>(prog_->surveys.size());
    prog_->survey_by_name[def.name] = idx;
    prog_->surveys.push_back(std::move(def));
  }
  // Skip logic may refer to any field, so it is compiled once all are known.
  for (size_t si = 0; si < module.surveys.size(); ++si) {
    auto& s = module.surveys[si];
    SurveyDef& def = prog_->surveys[si];
    for (auto& f : s.fields) {
      auto it = def.by_name.find(f.name.name);
      if (f.when && it != def.by_name.end()) {
        Scope sc{&def};
        def.fields[it->second].when = Condition(*f.when, sc);
        def.field_when_order.push_back(it->second);
      }
    }
    for (size_t ri = 0; ri < s.rosters.size() && ri < def.rosters.size(); ++ri)
      for (auto& f : s.rosters[ri].fields) {
        auto it = def.rosters[ri].by_name.find(f.name.name);
        if (f.when && it != def.rosters[ri].by_name.end()) {
          Scope sc{&def};
          sc.rows.push_back({static_cast<int>(ri), 0});
          def.max_bindings = std::max(def.max_bindings, 1);
          def.rosters[ri].fields[it->second].when = Condition(*f.when, sc);
        }
      }
  }
}

FieldDef Compiler::FieldShape(const dsl::FieldDecl& f) {
  FieldDef fd;
  fd.name = f.name.name;
  fd.label = f.label;
  fd.unit = f.unit;
  fd.required = f.required;
  fd.masked = f.masked;
  const std::string& t = f.type.name.name;
  static const std::vector<std::string> kTypes = {"integer", "decimal", "text", "code", "division",
                                                  "yearmonth", "date", "boolean", "geo"};
  if (t == "integer") fd.type = FieldType::kInteger;
  else if (t == "decimal") {
    fd.type = FieldType::kDecimal;
    auto sc = Decimal::Parse(f.type.arg);
    auto iv = sc ? sc->ToInt64() : std::nullopt;
    if (!iv || *iv < 0 || *iv > 12)
      Err(f.type.name.pos, "bad-type", "decimal 需要小数位数 0 到 12,例如 decimal(2)",
          "decimal needs a scale from 0 to 12, for example decimal(2)");
    else fd.scale = static_cast<int>(*iv);
  } else if (t == "text") fd.type = FieldType::kText;
  else if (t == "code") {
    fd.type = FieldType::kCode;
    auto it = prog_->table_by_name.find(f.type.arg);
    if (f.type.arg.empty())
      Err(f.type.name.pos, "bad-type", "code 需要代码表名称,例如 code(unit_type)", "code needs a code list, e.g. code(unit_type)");
    else if (it == prog_->table_by_name.end()) {
      std::vector<std::string> names;
      for (auto& tb : prog_->tables) names.push_back(tb.name);
      std::string c = Closest(f.type.arg, names);
      Err(f.type.arg_pos, "unknown-codes", "没有名为「" + f.type.arg + "」的代码表", "no code list named '" + f.type.arg + "'",
          c.empty() ? "" : "是不是「" + c + "」?", c.empty() ? "" : "did you mean '" + c + "'?");
    } else fd.codes = it->second;
  } else if (t == "division") fd.type = FieldType::kDivision;
  else if (t == "yearmonth") fd.type = FieldType::kYearMonth;
  else if (t == "date") fd.type = FieldType::kDate;
  else if (t == "boolean") fd.type = FieldType::kBoolean;
  else if (t == "geo") fd.type = FieldType::kGeo;
  else {
    std::string c = Closest(t, kTypes);
    Err(f.type.name.pos, "unknown-type", "字段类型「" + t + "」无效", "unknown field type '" + t + "'",
        c.empty() ? "可用: integer、decimal(n)、text、code(代码表)、division、yearmonth、date、boolean、geo"
                  : "是不是「" + c + "」?",
        c.empty() ? "use integer, decimal(n), text, code(list), division, yearmonth, date, boolean or geo"
                  : "did you mean '" + c + "'?");
  }
  bool numeric = fd.type == FieldType::kInteger || fd.type == FieldType::kDecimal;
  if (f.min) {
    fd.min = Decimal::Parse(*f.min);
    if (!numeric) Err(f.min_pos, "bad-attribute", "只有数值字段可以设取值范围", "only number fields take a range");
  }
  if (f.max) {
    fd.max = Decimal::Parse(*f.max);
    if (!numeric) Err(f.max_pos, "bad-attribute", "只有数值字段可以设取值范围", "only number fields take a range");
  }
  if (fd.min && fd.max && *fd.max < *fd.min)
    Err(f.max_pos, "bad-attribute", "取值范围的上限小于下限", "the range's upper bound is below its lower bound");
  if (f.min_len) {
    if (fd.type != FieldType::kText) Err(f.length_pos, "bad-attribute", "只有文本字段可以设长度", "only text fields take a length");
    if (*f.max_len < *f.min_len) Err(f.length_pos, "bad-attribute", "长度上限小于下限", "the length's upper bound is below its lower bound");
    fd.min_len = static_cast<size_t>(*f.min_len);
    fd.max_len = static_cast<size_t>(*f.max_len);
  }
  if (f.pattern) {
    if (fd.type != FieldType::kText) Err(f.pattern_pos, "bad-attribute", "只有文本字段可以设格式", "only text fields take a pattern");
    RE2::Options opt;
    opt.set_log_errors(false);
    opt.set_max_mem(1 << 20);
    auto re = std::make_shared<RE2>(*f.pattern, opt);
    if (!re->ok())
      Err(f.pattern_pos, "bad-pattern", "格式(正则表达式)无效: " + re->error(), "invalid pattern: " + re->error());
    fd.pattern = re;
    fd.pattern_text = *f.pattern;
  }
  if (f.masked && fd.type != FieldType::kText)
    Err(f.name.pos, "bad-attribute", "只有文本字段可以设 masked", "only text fields can be masked");
  return fd;
}

std::vector<std::string> Compiler::FieldNames(const SurveyDef& def, int roster) {
  std::vector<std::string> names;
  for (auto& f : def.fields) names.push_back(f.name);
  for (auto& r : def.rosters) names.push_back(r.name);
  if (roster >= 0)
    for (auto& f : def.rosters[roster].fields) names.push_back(f.name);
  return names;
}

void Compiler::UnknownName(const dsl::Named& n, const std::vector<std::string>& candidates) {
  std::string c = Closest(n.name, candidates);
  Err(n.pos, "unknown-name", "未知的名称「" + n.name + "」", "unknown name '" + n.name + "'",
      c.empty() ? "" : "是不是「" + c + "」?", c.empty() ? "" : "did you mean '" + c + "'?");
}

Type FieldDef::StaticType() const {
  Type t;
  switch (type) {
    case FieldType::kInteger: t.kind = TypeKind::kNum; break;
    case FieldType::kDecimal: t.kind = TypeKind::kNum; t.scale = scale; break;
    case FieldType::kText: case FieldType::kDivision: t.kind = TypeKind::kText; break;
    case FieldType::kCode: t.kind = TypeKind::kText; t.codes = codes; break;
    case FieldType::kYearMonth: t.kind = TypeKind::kYearMonth; break;
    case FieldType::kDate: t.kind = TypeKind::kDate; break;
    case FieldType::kBoolean: t.kind = TypeKind::kBool; break;
    case FieldType::kGeo: t.kind = TypeKind::kGeo; break;
  }
  t.masked = masked;
  return t;
}

}  // namespace gridstat::compile
