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
      Err(s.name.pos, "missing-period", {{"name", def.name}});
    } else if (s.period->name == "year") def.period = PeriodKind::kYear;
    else if (s.period->name == "month") def.period = PeriodKind::kMonth;
    else if (s.period->name == "quarter") def.period = PeriodKind::kQuarter;
    else
      Err(s.period->pos, "bad-period", {{"name", s.period->name}}, MessageBoth("bad-period/hint"));
    for (auto& f : s.fields) {
      if (def.by_name.count(f.name.name) || def.roster_by_name.count(f.name.name)) {
        Err(f.name.pos, "duplicate/field", {{"name", f.name.name}});
        continue;
      }
      FieldDef fd = FieldShape(f);
      fd.slot = static_cast<int>(def.fields.size());
      def.by_name[fd.name] = fd.slot;
      def.fields.push_back(std::move(fd));
    }
    for (auto& r : s.rosters) {
      if (def.by_name.count(r.name.name) || def.roster_by_name.count(r.name.name)) {
        Err(r.name.pos, "duplicate/field", {{"name", r.name.name}});
        continue;
      }
      RosterDef rd;
      rd.name = r.name.name;
      rd.label = r.label;
      rd.required = r.required;
      rd.min_rows = r.min_rows;
      rd.max_rows = r.max_rows;
      if (r.min_rows && r.max_rows && *r.max_rows < *r.min_rows)
        Err(r.name.pos, "bad-attribute/rows", {{"name", r.name.name}});
      int ri = static_cast<int>(def.rosters.size());
      for (auto& f : r.fields) {
        if (rd.by_name.count(f.name.name)) {
          Err(f.name.pos, "duplicate/field", {{"name", f.name.name}});
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
      Err(s.name.pos, "missing-key", {{"name", def.name}}, MessageBoth("missing-key/hint"));
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
      Err(f.type.name.pos, "bad-type/decimal");
    else fd.scale = static_cast<int>(*iv);
  } else if (t == "text") fd.type = FieldType::kText;
  else if (t == "code") {
    fd.type = FieldType::kCode;
    auto it = prog_->table_by_name.find(f.type.arg);
    if (f.type.arg.empty())
      Err(f.type.name.pos, "bad-type/code");
    else if (it == prog_->table_by_name.end()) {
      std::vector<std::string> names;
      for (auto& tb : prog_->tables) names.push_back(tb.name);
      std::string c = Closest(f.type.arg, names);
      Err(f.type.arg_pos, "unknown-codes", {{"name", f.type.arg}}, DidYouMean(c));
    } else fd.codes = it->second;
  } else if (t == "division") fd.type = FieldType::kDivision;
  else if (t == "yearmonth") fd.type = FieldType::kYearMonth;
  else if (t == "date") fd.type = FieldType::kDate;
  else if (t == "boolean") fd.type = FieldType::kBoolean;
  else if (t == "geo") fd.type = FieldType::kGeo;
  else {
    std::string c = Closest(t, kTypes);
    Err(f.type.name.pos, "unknown-type", {{"name", t}}, DidYouMean(c, "unknown-type/hint"));
  }
  bool numeric = fd.type == FieldType::kInteger || fd.type == FieldType::kDecimal;
  if (f.min) {
    fd.min = Decimal::Parse(*f.min);
    if (!numeric) Err(f.min_pos, "bad-attribute/range");
  }
  if (f.max) {
    fd.max = Decimal::Parse(*f.max);
    if (!numeric) Err(f.max_pos, "bad-attribute/range");
  }
  if (fd.min && fd.max && *fd.max < *fd.min)
    Err(f.max_pos, "bad-attribute/range-order");
  if (f.min_len) {
    if (fd.type != FieldType::kText) Err(f.length_pos, "bad-attribute/length");
    if (*f.max_len < *f.min_len) Err(f.length_pos, "bad-attribute/length-order");
    fd.min_len = static_cast<size_t>(*f.min_len);
    fd.max_len = static_cast<size_t>(*f.max_len);
  }
  if (f.pattern) {
    if (fd.type != FieldType::kText) Err(f.pattern_pos, "bad-attribute/pattern");
    RE2::Options opt;
    opt.set_log_errors(false);
    opt.set_max_mem(1 << 20);
    auto re = std::make_shared<RE2>(*f.pattern, opt);
    if (!re->ok())
      Err(f.pattern_pos, "bad-pattern/field", {{"error", re->error()}});
    fd.pattern = re;
    fd.pattern_text = *f.pattern;
  }
  if (f.masked && fd.type != FieldType::kText)
    Err(f.name.pos, "bad-attribute/masked");
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
  Err(n.pos, "unknown-name", {{"name", n.name}}, DidYouMean(c));
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
