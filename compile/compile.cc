// Module (AST) -> Program. The checks run as named passes, in this order:
//
//   1. DeclarePass        every name of every file is known before anything refers
//                         to one, so files may come in any order and refer to each other;
//   2. ReferenceDataPass  code lists and CSV reference data are loaded next, because
//                         field types (code lists) and rules (`in industry`) need them;
//   3. SurveyPass         field types, constraints, keys and patterns; skip logic is
//                         compiled here because it may read any field and table;
//   4. RulePass           names resolved, types checked, rules lowered to nodes,
//                         message templates checked; needs every survey complete;
//   5. WorkflowPass       tiers, roles, states and actions; guards are compiled like
//                         rules against the carried survey, so it comes after RulePass
//                         (guards may use the rules' `let` names).
//
// Every pass reports all it finds and goes on, so an author sees every problem at once.
#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "common/text.h"
#include "dsl/parser.h"
#include "compile/program.h"
#include "common/csv.h"
#include "common/files.h"

namespace gridstat::compile {
namespace {

namespace fs = std::filesystem;
using dsl::Expr;
using dsl::ExprKind;
using dsl::Pos;

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string Closest(const std::string& name, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::max<size_t>(2, name.size() / 3) + 1;
  for (const auto& c : candidates) {
    size_t d = EditDistance(name, c);
    if (d < best_d) { best_d = d; best = c; }
  }
  return best;
}

struct Typed {
  int node = -1;
  Type type;
  bool ok() const { return node >= 0 && type.kind != TypeKind::kError; }
};

const char* TypeName(const Type& t) {
  switch (t.kind) {
    case TypeKind::kBool: return "boolean";
    case TypeKind::kNum: return "number";
    case TypeKind::kText: return "text";
    case TypeKind::kYearMonth: return "yearmonth";
    case TypeKind::kDate: return "date";
    case TypeKind::kGeo: return "geo";
    case TypeKind::kRoster: return "roster";
    case TypeKind::kTable: return "table";
    default: return "error";
  }
}
const char* TypeNameZh(const Type& t) {
  switch (t.kind) {
    case TypeKind::kBool: return "布尔值";
    case TypeKind::kNum: return "数值";
    case TypeKind::kText: return "文本";
    case TypeKind::kYearMonth: return "年月";
    case TypeKind::kDate: return "日期";
    case TypeKind::kGeo: return "地理坐标";
    case TypeKind::kRoster: return "重复组";
    case TypeKind::kTable: return "参照表";
    default: return "错误";
  }
}

struct FnSpec {
  const char* name;
  Fn fn;
  int min_args, max_args;
};
const FnSpec kFunctions[] = {
    {"abs", Fn::kAbs, 1, 1},           {"round", Fn::kRound, 2, 2},
    {"len", Fn::kLen, 1, 1},           {"substr", Fn::kSubstr, 3, 3},
    {"starts_with", Fn::kStartsWith, 2, 2}, {"ends_with", Fn::kEndsWith, 2, 2},
    {"contains", Fn::kContains, 2, 2}, {"upper", Fn::kUpper, 1, 1},
    {"year", Fn::kYear, 1, 1},         {"month", Fn::kMonth, 1, 1},
    {"ym", Fn::kYm, 2, 2},             {"date", Fn::kDate, 3, 3},
    {"months_between", Fn::kMonthsBetween, 2, 2}, {"age_at", Fn::kAgeAt, 2, 2},
    {"gb32100_valid", Fn::kGb32100, 1, 1}, {"gb11643_valid", Fn::kGb11643, 1, 1},
    {"id_birth", Fn::kIdBirth, 1, 1},  {"id_sex", Fn::kIdSex, 1, 1},
    {"level", Fn::kLevel, 2, 2},       {"label", Fn::kLabel, 2, 2},
    {"parent", Fn::kParent, 2, 2},     {"within", Fn::kWithin, 3, 3},
    {"lat", Fn::kLat, 1, 1},           {"lon", Fn::kLon, 1, 1},
};
// Row cursors an evaluation keeps (EvalContext::rows): `for each` plus nested aggregates.
constexpr int kMaxBindings = 16;

// The states that counted as accepted in definitions that declare none (written before the flag).
const std::string kUndeclaredAccepted[] = {"accepted", "archived"};

const char* const kAggregates[] = {"count", "sum", "min", "max", "all", "any", "exactly_one", "the"};

class Compiler {
 public:
  using Loader = std::function<Result<std::string>(const std::string& relative)>;
  explicit Compiler(Loader load) : load_(std::move(load)), prog_(std::make_unique<Program>()) {}

  // Every file the Program was built from, by path relative to the definitions root.
  std::map<std::string, std::string> files;

  dsl::Module module;
  std::vector<Diagnostic> diags;

  void AddFile(const std::string& name, const std::string& content) {
    hash_parts_.push_back(name + "\t" + Sha256Hex(content));
    files[name] = content;
  }

  CompileResult Finish() {
    // After a syntax error the tree is incomplete, and checking it would only add
    // confusing follow-on errors; other parse-time problems leave a usable tree.
    bool tree_complete = std::none_of(diags.begin(), diags.end(), [](const Diagnostic& d) {
      return d.code == "syntax" || d.code == "bad-character" || d.code == "unterminated-string" ||
             d.code == "invalid-utf8" || d.code == "file-too-large" || d.code == "internal" || d.code == "too-deep";
    });
    if (tree_complete) {
      DeclarePass();
      ReferenceDataPass();
      SurveyPass();
      RulePass();
      WorkflowPass();
    }
    CompileResult r;
    SortAndCap(&diags);
    r.diagnostics = std::move(diags);
    r.files = std::move(files);
    if (!HasErrors(r.diagnostics)) {
      std::sort(hash_parts_.begin(), hash_parts_.end());
      std::string all;
      for (auto& h : hash_parts_) all += h + "\n";
      prog_->hash = Sha256Hex(all);
      r.program = std::shared_ptr<const Program>(prog_.release());
    }
    return r;
  }

 private:
  void Err(const Pos& pos, const std::string& code, const std::string& zh, const std::string& en,
           const std::string& hzh = {}, const std::string& hen = {}) {
    diags.push_back(dsl::MakeDiag(module, pos, code, zh, en, hzh, hen));
  }
  void Warn(const Pos& pos, const std::string& code, const std::string& zh, const std::string& en) {
    auto d = dsl::MakeDiag(module, pos, code, zh, en);
    d.severity = Diagnostic::Severity::kWarning;
    diags.push_back(d);
  }

  // ---- 1. DeclarePass ----------------------------------------------------
  void DeclarePass() {
    std::unordered_map<std::string, Pos> seen;
    auto declare = [&](const dsl::Named& n, const char* what_zh, const char* what_en) {
      auto [it, fresh] = seen.emplace(n.name, n.pos);
      if (!fresh) {
        Err(n.pos, "duplicate", std::string(what_zh) + "「" + n.name + "」重复定义",
            std::string(what_en) + " '" + n.name + "' is defined twice",
            "第一次定义在第 " + std::to_string(it->second.line) + " 行",
            "first defined at line " + std::to_string(it->second.line));
        return false;
      }
      return true;
    };
    for (auto& s : module.surveys) declare(s.name, "调查表", "survey");
    for (auto& c : module.codes) declare(c.name, "代码表", "code list");
    for (auto& r : module.references) declare(r.name, "参照表", "reference table");
    for (auto& rb : module.rules) {
      bool found = false;
      for (auto& s : module.surveys) found |= s.name.name == rb.survey.name;
      if (!found) {
        std::vector<std::string> names;
        for (auto& s : module.surveys) names.push_back(s.name.name);
        std::string c = Closest(rb.survey.name, names);
        Err(rb.survey.pos, "unknown-survey", "没有名为「" + rb.survey.name + "」的调查表",
            "no survey named '" + rb.survey.name + "'", c.empty() ? "" : "是不是「" + c + "」?",
            c.empty() ? "" : "did you mean '" + c + "'?");
      }
    }
  }

  // ---- 2. ReferenceDataPass ----------------------------------------------
  int AddTable(Table t) {
    t.BuildIndex();
    int idx = static_cast<int>(prog_->tables.size());
    prog_->table_by_name[t.name] = idx;
    prog_->tables.push_back(std::move(t));
    return idx;
  }

  void ReferenceDataPass() {
    for (auto& c : module.codes) {
      std::set<std::string> seen_codes;
      Table t;
      t.name = c.name.name;
      t.label = c.label;
      for (auto& e : c.entries) {
        if (!seen_codes.insert(e.code).second) {
          Err(e.pos, "duplicate-code", "代码「" + e.code + "」在代码表中重复", "code '" + e.code + "' is listed twice");
          continue;
        }
        t.entries.push_back({e.code, e.label, "", 0});
      }
      if (t.entries.empty())
        Err(c.name.pos, "empty-codes", "代码表「" + c.name.name + "」没有任何代码", "code list '" + c.name.name + "' is empty");
      AddTable(std::move(t));
    }
    for (auto& r : module.references) LoadReference(r);
  }

  void LoadReference(const dsl::ReferenceDecl& r) {
    std::string file;
    Pos file_pos = r.name.pos;
    std::unordered_map<std::string, std::pair<std::string, Pos>> cols = {
        {"code", {"code", r.name.pos}}, {"label", {"name", r.name.pos}}, {"level", {"level", r.name.pos}},
        {"parent", {"parent", r.name.pos}}};
    bool tree = false;
    for (auto& it : r.items) {
      const std::string& k = it.key.name;
      if (k == "file" && it.value) { file = *it.value; file_pos = it.value_pos; }
      else if (k == "divisions" && !it.value) tree = true;
      else if (cols.count(k) && it.value) cols[k] = {*it.value, it.value_pos};
      else {
        std::string c = Closest(k, {"file", "code", "label", "level", "parent", "divisions"});
        Err(it.key.pos, "unknown-setting", "参照表设置「" + k + "」无效", "unknown reference setting '" + k + "'",
            c.empty() ? "可用: file \"路径\"、code/label/level/parent \"列名\"、divisions"
                      : "是不是「" + c + "」?",
            c.empty() ? "use file \"path\", code/label/level/parent \"column\", divisions" : "did you mean '" + c + "'?");
      }
    }
    Table t;
    t.name = r.name.name;
    t.label = r.label;
    t.is_division_tree = tree;
    if (file.empty()) {
      Err(r.name.pos, "missing-file", "参照表「" + r.name.name + "」缺少 file \"路径\"",
          "reference table '" + r.name.name + "' needs file \"path\"");
      AddTable(std::move(t));
      return;
    }
    auto data = load_(file);
    if (!data.ok()) {
      Err(file_pos, "bad-data-file", "无法读取参照数据文件「" + file + "」", "cannot read reference data file '" + file + "'",
          "路径相对于定义目录: " + data.status().message(), "paths are relative to the definitions directory: " + data.status().message());
      AddTable(std::move(t));
      return;
    }
    AddFile(file, *data);
    if (FindInvalidUtf8(*data) != std::string::npos) {
      Err(file_pos, "bad-data-file", "参照数据文件「" + file + "」不是有效的 UTF-8", "'" + file + "' is not valid UTF-8");
      AddTable(std::move(t));
      return;
    }
    if (size_t nul = data->find('\0'); nul != std::string::npos) {
      int line = 1 + static_cast<int>(std::count(data->begin(), data->begin() + static_cast<std::ptrdiff_t>(nul), '\n'));
      Err(file_pos, "bad-data-file", "参照数据文件「" + file + "」第 " + std::to_string(line) + " 行含有 NUL 字节",
          "'" + file + "' line " + std::to_string(line) + " holds a NUL byte");
      AddTable(std::move(t));
      return;
    }
    auto csv = ParseCsv(*data);
    if (!csv.ok()) {
      Err(file_pos, "bad-data-file", "参照数据文件「" + file + "」格式错误: " + csv.status().message(),
          "malformed reference data file '" + file + "': " + csv.status().message());
      AddTable(std::move(t));
      return;
    }
    auto column = [&](const std::string& role, bool needed) -> int {
      auto& [name, pos] = cols[role];
      for (size_t i = 0; i < csv->header.size(); ++i)
        if (csv->header[i] == name) return static_cast<int>(i);
      if (needed || pos.line != r.name.pos.line || pos.col != r.name.pos.col) {
        std::string have;
        for (auto& h : csv->header) have += (have.empty() ? "" : ", ") + h;
        Err(pos, "bad-data-file", "文件「" + file + "」没有列「" + name + "」", "'" + file + "' has no column '" + name + "'",
            "现有的列: " + have, "its columns: " + have);
      }
      return -1;
    };
    int ci = column("code", true), li = column("label", false), vi = column("level", false), pi = column("parent", false);
    if (ci < 0) { AddTable(std::move(t)); return; }
    std::set<std::string> seen_codes;
    std::vector<int> entry_lines;  // the CSV line of each entry
    for (size_t n = 0; n < csv->rows.size(); ++n) {
      auto& row = csv->rows[n];
      if (row.size() != csv->header.size()) {
        Err(file_pos, "bad-data-file",
            "文件「" + file + "」第 " + std::to_string(csv->row_lines[n]) + " 行的列数与表头不同",
            "'" + file + "' line " + std::to_string(csv->row_lines[n]) + " has a different number of columns");
        AddTable(std::move(t));
        return;
      }
      Table::Entry e;
      e.code = row[ci];
      if (li >= 0) e.label = row[li];
      if (pi >= 0) e.parent = row[pi];
      if (vi >= 0) {
        auto lv = Decimal::Parse(row[vi]);
        auto iv = lv ? lv->ToInt64() : std::nullopt;
        if (!iv) {
          Err(file_pos, "bad-data-file", "文件「" + file + "」第 " + std::to_string(csv->row_lines[n]) + " 行的层级不是整数",
              "'" + file + "' line " + std::to_string(csv->row_lines[n]) + ": level is not an integer");
          AddTable(std::move(t));
          return;
        }
        e.level = static_cast<int>(*iv);
      }
      if (!seen_codes.insert(e.code).second) {
        Err(file_pos, "bad-data-file", "文件「" + file + "」第 " + std::to_string(csv->row_lines[n]) + " 行的代码「" + e.code + "」重复",
            "'" + file + "' line " + std::to_string(csv->row_lines[n]) + ": duplicate code '" + e.code + "'");
        continue;
      }
      t.entries.push_back(std::move(e));
      entry_lines.push_back(csv->row_lines[n]);
    }
    CheckParentCycles(t, file, file_pos, entry_lines);
    if (tree) {
      if (prog_->division_tree >= 0)
        Err(r.name.pos, "duplicate", "只能有一个区划树(divisions)", "only one reference table may be the division tree");
      for (auto& e : t.entries)
        if (!e.parent.empty() && !seen_codes.count(e.parent)) {
          Err(file_pos, "bad-data-file", "区划「" + e.code + "」的上级「" + e.parent + "」不在文件中",
              "division '" + e.code + "' has parent '" + e.parent + "', which is not in the file");
          break;
        }
      prog_->division_tree = static_cast<int>(prog_->tables.size());
    }
    AddTable(std::move(t));
  }

  // A code that is its own ancestor would send every walk up the tree (within(), the
  // store's jurisdictions, progress by level) round in a circle. Each cycle is reported
  // once, at the row of its first line in the file.
  void CheckParentCycles(const Table& t, const std::string& file, const Pos& file_pos, const std::vector<int>& lines) {
    std::unordered_map<std::string, size_t> index;
    for (size_t i = 0; i < t.entries.size(); ++i) index.emplace(t.entries[i].code, i);
    auto parent_of = [&](size_t i) -> long {
      const std::string& p = t.entries[i].parent;
      if (p.empty()) return -1;
      auto it = index.find(p);
      return it == index.end() ? -1 : static_cast<long>(it->second);
    };
    // 0: not seen; 1: on the current walk; 2: done.
    std::vector<int> state(t.entries.size(), 0);
    int reported = 0;
    for (size_t start = 0; start < t.entries.size(); ++start) {
      if (state[start] != 0) continue;
      std::vector<size_t> path;
      long at = static_cast<long>(start);
      while (at >= 0 && state[at] == 0) {
        state[at] = 1;
        path.push_back(static_cast<size_t>(at));
        at = parent_of(static_cast<size_t>(at));
      }
      if (at >= 0 && state[at] == 1 && reported < 10) {
        // `at` begins the cycle: the path from it to its end goes round once.
        auto from = std::find(path.begin(), path.end(), static_cast<size_t>(at));
        std::vector<size_t> cycle(from, path.end());
        size_t first = *std::min_element(cycle.begin(), cycle.end(), [&](size_t a, size_t b) { return lines[a] < lines[b]; });
        std::string chain;
        size_t k = static_cast<size_t>(std::find(cycle.begin(), cycle.end(), first) - cycle.begin());
        for (size_t n = 0; n <= cycle.size() && n <= 8; ++n) {
          if (n == 8 && n < cycle.size()) { chain += " → …"; break; }
          chain += (n ? " → " : "") + t.entries[cycle[(k + n) % cycle.size()]].code;
        }
        std::string where = std::to_string(lines[first]);
        Err(file_pos, "parent-cycle",
            "文件「" + file + "」第 " + where + " 行:上级关系成环(" + chain + ")",
            "'" + file + "' line " + where + ": the parents form a cycle (" + chain + ")",
            "每个代码的上级链必须终止于没有上级的代码", "every chain of parents must end at a code without a parent");
        ++reported;
      }
      for (size_t i : path) state[i] = 2;
    }
  }

  // ---- 3. SurveyPass -------------------------------------------------------
  void SurveyPass() {
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

  FieldDef FieldShape(const dsl::FieldDecl& f) {
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

  std::vector<std::string> FieldNames(const SurveyDef& def, int roster) {
    std::vector<std::string> names;
    for (auto& f : def.fields) names.push_back(f.name);
    for (auto& r : def.rosters) names.push_back(r.name);
    if (roster >= 0)
      for (auto& f : def.rosters[roster].fields) names.push_back(f.name);
    return names;
  }

  void UnknownName(const dsl::Named& n, const std::vector<std::string>& candidates) {
    std::string c = Closest(n.name, candidates);
    Err(n.pos, "unknown-name", "未知的名称「" + n.name + "」", "unknown name '" + n.name + "'",
        c.empty() ? "" : "是不是「" + c + "」?", c.empty() ? "" : "did you mean '" + c + "'?");
  }

  // ---- 4. RulePass ---------------------------------------------------------
  // How deep lets may build on lets, and how deep an expression may nest once its lets
  // are expanded (doc/language.md §10).
  static constexpr size_t kMaxLetDepth = 64;
  static constexpr int kMaxExpandedDepth = 512;
  struct Scope {
    SurveyDef* survey;
    std::vector<std::pair<int, int>> rows;  // (roster, binding), innermost last
    bool row_rule = false;                  // a `for each` rule: binding 0 is its row
    bool guard = false;                     // a workflow guard: errors() and friends allowed
    std::vector<FieldRef>* refs = nullptr;
    std::vector<std::string> let_stack;
    int depth = 0;  // Compile calls in progress
  };

  std::unordered_map<std::string, std::unordered_map<std::string, const dsl::LetDecl*>> lets_;
  std::set<std::string> used_lets_;  // "survey\nlet" expanded at least once
  bool too_deep_reported_ = false;

  void RulePass() {
    std::unordered_map<std::string, Pos> codes;
    for (auto& rb : module.rules) {
      auto it = prog_->survey_by_name.find(rb.survey.name);
      if (it == prog_->survey_by_name.end()) continue;
      for (auto& l : rb.lets) {
        auto& m = lets_[rb.survey.name];
        if (m.count(l.name.name)) {
          Err(l.name.pos, "duplicate", "let「" + l.name.name + "」重复定义", "let '" + l.name.name + "' is defined twice");
          continue;
        }
        m[l.name.name] = &l;
      }
    }
    for (auto& rb : module.rules) {
      auto it = prog_->survey_by_name.find(rb.survey.name);
      if (it == prog_->survey_by_name.end()) continue;
      SurveyDef& def = prog_->surveys[it->second];
      for (auto& r : rb.rules) {
        auto [cit, fresh] = codes.emplace(r.code.name, r.code.pos);
        if (!fresh) {
          Err(r.code.pos, "duplicate-rule", "规则代码「" + r.code.name + "」重复", "rule code '" + r.code.name + "' is used twice",
              "第一次在第 " + std::to_string(cit->second.line) + " 行", "first used at line " + std::to_string(cit->second.line));
          continue;
        }
        CompileRule(def, r);
      }
    }
    // A let that no rule uses is still checked, so that its mistakes do not wait for
    // the day someone uses it. Its roster fields resolve as in a `for each` rule.
    for (auto& [survey, lets] : lets_) {
      auto it = prog_->survey_by_name.find(survey);
      if (it == prog_->survey_by_name.end()) continue;
      SurveyDef& def = prog_->surveys[it->second];
      for (auto& [name, let] : lets) {
        if (used_lets_.count(survey + "\n" + name)) continue;
        Scope sc{&def};
        for (size_t ri = 0; ri < def.rosters.size() && ri < static_cast<size_t>(kMaxBindings); ++ri)
          sc.rows.push_back({static_cast<int>(ri), static_cast<int>(ri)});
        size_t keep = def.nodes.size();
        int bindings = def.max_bindings;
        sc.let_stack.push_back(name);
        Compile(*let->value, sc);
        def.nodes.resize(keep);  // checked only: nothing refers to these nodes
        def.max_bindings = bindings;
      }
    }
  }

  void CompileRule(SurveyDef& def, const dsl::RuleDecl& r) {
    RuleDef rd;
    rd.code = r.code.name;
    rd.is_error = r.is_error;
    rd.ast_id = r.id;
    rd.file = module.files[r.pos.file].path;
    rd.line = r.pos.line;
    Scope sc{&def};
    sc.refs = &rd.fields;
    if (r.for_each) {
      auto it = def.roster_by_name.find(r.for_each->name);
      if (it == def.roster_by_name.end()) {
        std::vector<std::string> names;
        for (auto& ro : def.rosters) names.push_back(ro.name);
        std::string c = Closest(r.for_each->name, names);
        Err(r.for_each->pos, "unknown-roster", "没有名为「" + r.for_each->name + "」的重复组",
            "no roster named '" + r.for_each->name + "'", c.empty() ? "" : "是不是「" + c + "」?",
            c.empty() ? "" : "did you mean '" + c + "'?");
        return;
      }
      rd.for_each = it->second;
      sc.rows.push_back({it->second, 0});
      sc.row_rule = true;
      def.max_bindings = std::max(def.max_bindings, 1);
    }
    if (r.when) rd.when = Condition(*r.when, sc);
    rd.check = Condition(*r.check, sc);
    std::vector<FieldRef> no_refs;
    sc.refs = &no_refs;  // placeholders do not add to the rule's fields
    for (auto& p : r.message.parts) {
      MessagePart mp;
      if (!p.expr) { mp.literal = p.literal; rd.message.push_back(mp); continue; }
      Typed t = Compile(*p.expr, sc);
      if (t.ok() && (t.type.kind == TypeKind::kRoster || t.type.kind == TypeKind::kTable))
        Err(p.expr->pos, "type", "消息中不能直接显示重复组或参照表", "a roster or table cannot be shown in a message");
      mp.node = t.node;
      mp.type = t.type;
      rd.message.push_back(mp);
    }
    // The fields a finding names: each once, in order of first appearance.
    std::vector<FieldRef> uniq;
    for (auto& f : rd.fields) {
      bool dup = false;
      for (auto& u : uniq) dup |= u.roster == f.roster && u.slot == f.slot && u.per_row == f.per_row;
      if (!dup) uniq.push_back(f);
    }
    rd.fields = std::move(uniq);
    def.rules.push_back(std::move(rd));
  }

  int Condition(const Expr& e, Scope& sc) {
    Typed t = Compile(e, sc);
    if (t.ok() && t.type.kind != TypeKind::kBool)
      Err(e.begin, "type", std::string("条件必须是真/假判断,这里是") + TypeNameZh(t.type),
          std::string("a condition must be true or false; this is a ") + TypeName(t.type),
          "例如写成 x > 0 或 present(x)", "for example x > 0 or present(x)");
    return t.node;
  }

  // ---- 5. WorkflowPass ------------------------------------------------------
  void WorkflowPass() {
    std::set<std::string> tier_names;
    for (auto& t : module.tiers) {
      if (!tier_names.insert(t.name.name).second) {
        Err(t.name.pos, "duplicate", "层级「" + t.name.name + "」重复定义", "tier '" + t.name.name + "' is defined twice");
        continue;
      }
      if (t.level < 1 || t.level > 9)
        Err(t.name.pos, "bad-tier", "层级的 level 应为区划树的级别 1–9", "a tier's level must be a division level from 1 to 9");
      prog_->tiers.push_back({t.name.name, t.label, static_cast<int>(t.level)});
    }
    for (auto& r : module.roles) {
      if (prog_->FindRole(r.name.name) >= 0) {
        Err(r.name.pos, "duplicate", "角色「" + r.name.name + "」重复定义", "role '" + r.name.name + "' is defined twice");
        continue;
      }
      RoleDef rd{r.name.name, r.label, -1, r.at.name == "grid"};
      if (!rd.grid) {
        for (size_t i = 0; i < prog_->tiers.size(); ++i) if (prog_->tiers[i].name == r.at.name) rd.tier = static_cast<int>(i);
        if (rd.tier < 0) {
          std::vector<std::string> names = {"grid"};
          for (auto& t : prog_->tiers) names.push_back(t.name);
          std::string c = Closest(r.at.name, names);
          Err(r.at.pos, "unknown-tier", "没有名为「" + r.at.name + "」的层级", "no tier named '" + r.at.name + "'",
              c.empty() ? "层级用 tier 定义,或写 grid" : "是不是「" + c + "」?",
              c.empty() ? "declare tiers with `tier`, or use grid" : "did you mean '" + c + "'?");
        }
      }
      prog_->roles.push_back(std::move(rd));
    }
    for (auto& w : module.workflows) CompileWorkflow(w);
    // prev() reads the previous period's accepted data: in a store that is what a workflow
    // declares accepted, so a survey carried by workflows that accept nothing has no previous data.
    for (auto& [survey, pos] : prev_use_) {
      bool carried = false, accepts = false;
      for (auto& wd : prog_->workflows) {
        if (wd.survey < 0 || prog_->surveys[wd.survey].name != survey) continue;
        carried = true;
        for (auto& st : wd.states) accepts = accepts || st.accepted;
      }
      if (carried && !accepts)
        Err(pos, "prev-without-accepted", "规则用了 prev(),但调查表「" + survey + "」的流程没有声明 accepted 状态,上期数据永远读不到",
            "rules use prev(), but no workflow for survey '" + survey + "' declares an accepted state, so there is never a previous period",
            "在流程的验收状态后写 accepted,例如 state accepted \"县级已验收\" accepted",
            "flag the workflow's accepted states, e.g. state accepted \"county accepted\" accepted");
    }
  }

  void CompileWorkflow(const dsl::WorkflowDecl& w) {
    if (prog_->FindWorkflow(w.name.name) >= 0) {
      Err(w.name.pos, "duplicate", "流程「" + w.name.name + "」重复定义", "workflow '" + w.name.name + "' is defined twice");
      return;
    }
    WorkflowDef wd;
    wd.name = w.name.name;
    wd.label = w.label;
    auto sit = prog_->survey_by_name.find(w.survey.name);
    if (sit == prog_->survey_by_name.end()) {
      std::vector<std::string> names;
      for (auto& sv : prog_->surveys) names.push_back(sv.name);
      std::string c = Closest(w.survey.name, names);
      Err(w.survey.pos, "unknown-survey", "没有名为「" + w.survey.name + "」的调查表", "no survey named '" + w.survey.name + "'",
          c.empty() ? "" : "是不是「" + c + "」?", c.empty() ? "" : "did you mean '" + c + "'?");
      return;
    }
    wd.survey = sit->second;
    SurveyDef& survey = prog_->surveys[wd.survey];
    std::vector<Pos> state_pos;
    for (auto& st : w.states) {
      if (wd.FindState(st.name.name) >= 0) {
        Err(st.name.pos, "duplicate", "状态「" + st.name.name + "」重复定义", "state '" + st.name.name + "' is defined twice");
        continue;
      }
      wd.states.push_back({st.name.name, st.label, st.initial, st.final, st.accepted});
      state_pos.push_back(st.name.pos);
    }
    wd.accepted_declared = std::any_of(wd.states.begin(), wd.states.end(), [](const StateDef& s) { return s.accepted; });
    if (!wd.accepted_declared) {
      // Definitions written before the `accepted` flag meant the states of these names; stores keep
      // such definitions, and their instances must keep that meaning (doc/language.md, section 9).
      for (auto& st : wd.states)
        st.accepted = std::find(std::begin(kUndeclaredAccepted), std::end(kUndeclaredAccepted), st.name) != std::end(kUndeclaredAccepted);
      Warn(w.name.pos, "no-accepted-state", "流程「" + wd.name + "」没有声明哪些状态的数据算已验收(在状态后写 accepted)",
           "workflow '" + wd.name + "' declares no accepted state (add the flag `accepted` to a state)");
    }
    if (!w.states.empty() && std::none_of(wd.states.begin(), wd.states.end(), [](const StateDef& s) { return s.final; }))
      Warn(w.name.pos, "no-final-state", "流程「" + wd.name + "」没有终态(在状态后写 final)",
           "workflow '" + wd.name + "' has no final state (add the flag `final` to a state)");
    std::vector<std::string> state_names, role_names = {"holder"};
    for (auto& st : wd.states) state_names.push_back(st.name);
    for (auto& r : prog_->roles) role_names.push_back(r.name);
    auto state = [&](const dsl::Named& n) {
      int i = wd.FindState(n.name);
      if (i < 0) {
        std::string c = Closest(n.name, state_names);
        Err(n.pos, "unknown-state", "流程「" + wd.name + "」没有状态「" + n.name + "」", "workflow '" + wd.name + "' has no state '" + n.name + "'",
            c.empty() ? "状态用 state 定义" : "是不是「" + c + "」?", c.empty() ? "declare states with `state`" : "did you mean '" + c + "'?");
      }
      return i;
    };
    auto one_of = [&](const dsl::Named& v, std::initializer_list<const char*> allowed, const std::string& word) {
      for (const char* a : allowed) if (v.name == a) return true;
      std::string list;
      std::vector<std::string> names;
      for (const char* a : allowed) { list += (list.empty() ? "" : "、") + std::string(a); names.push_back(a); }
      std::string c = Closest(v.name, names);
      Err(v.pos, "bad-clause", word + " 后面不能写「" + v.name + "」(可用: " + list + ")",
          "'" + v.name + "' cannot follow " + word + " (use " + list + ")", c.empty() ? "" : "是不是「" + c + "」?",
          c.empty() ? "" : "did you mean '" + c + "'?");
      return false;
    };
    for (auto& a : w.actions) {
      if (wd.FindAction(a.name.name) >= 0 || a.name.name == "save") {
        Err(a.name.pos, "duplicate", "动作「" + a.name.name + "」重复定义(save 是内置动作)",
            "action '" + a.name.name + "' is defined twice (save is built in)");
        continue;
      }
      ActionDef ad;
      ad.name = a.name.name;
      ad.label = a.label;
      ad.line = a.name.pos.line;
      bool has_to = false, has_by = false, has_from = false;
      for (auto& cl : a.clauses) {
        const std::string& word = cl.word.name;
        if (word == "guard") {
          Scope sc{&survey};
          sc.guard = true;
          int node = Condition(*cl.guard, sc);
          ad.guards.push_back({node, cl.guard_message});
        } else if (word == "by") {
          has_by = true;
          for (auto& v : cl.values) {
            if (v.name == "holder") { ad.by_holder = true; continue; }
            int r = prog_->FindRole(v.name);
            if (r < 0) {
              std::string c = Closest(v.name, role_names);
              Err(v.pos, "unknown-role", "没有名为「" + v.name + "」的角色", "no role named '" + v.name + "'",
                  c.empty() ? "角色用 role 定义" : "是不是「" + c + "」?", c.empty() ? "declare roles with `role`" : "did you mean '" + c + "'?");
            } else {
              ad.by.push_back(r);
            }
          }
        } else if (word == "from") {
          has_from = true;
          for (auto& v : cl.values) {
            if (v.name == "none") { ad.from_none = true; continue; }
            int st = state(v);
            if (st >= 0) ad.from.push_back(st);
          }
        } else if (word == "to") {
          if (cl.values.size() != 1) Err(cl.word.pos, "bad-clause", "to 后面只能写一个状态", "`to` takes one state");
          ad.to = state(cl.values[0]);
          has_to = true;
        } else if (word == "needs") {
          for (auto& v : cl.values) {
            if (!one_of(v, {"comment", "target", "submission"}, "needs")) continue;
            if (v.name == "comment") ad.needs_comment = true;
            else if (v.name == "target") ad.needs_target = true;
            else ad.needs_submission = true;
          }
        } else if (word == "moves") {
          for (auto& v : cl.values)
            if (one_of(v, {"target", "parent"}, "moves"))
              ad.move = v.name == "target" ? ActionDef::Move::kTarget : ActionDef::Move::kParent;
        } else if (word == "target") {
          for (auto& v : cl.values)
            if (one_of(v, {"any", "child", "same_level"}, "target"))
              ad.target_rule = v.name == "child" ? ActionDef::TargetRule::kChild
                             : v.name == "same_level" ? ActionDef::TargetRule::kSameLevel : ActionDef::TargetRule::kAny;
        } else if (word == "creates") {
          for (auto& v : cl.values)
            if (one_of(v, {"villages", "rows"}, "creates"))
              ad.creates = v.name == "villages" ? ActionDef::Creates::kVillages : ActionDef::Creates::kRows;
        } else if (word == "effect") {
          for (auto& v : cl.values)
            if (one_of(v, {"register_unit"}, "effect")) ad.registers_unit = true;
        } else if (word == "registers") {
          if (cl.values.size() != 1) Err(cl.word.pos, "bad-clause", "registers 后面只能写一个字段", "`registers` takes one field");
          const dsl::Named& f = cl.values[0];
          auto fit = survey.by_name.find(f.name);
          if (fit == survey.by_name.end()) {
            std::vector<std::string> names;
            for (auto& fd : survey.fields) names.push_back(fd.name);
            std::string c = Closest(f.name, names);
            Err(f.pos, "unknown-field", "调查表「" + survey.name + "」没有字段「" + f.name + "」",
                "survey '" + survey.name + "' has no field '" + f.name + "'", c.empty() ? "" : "是不是「" + c + "」?",
                c.empty() ? "" : "did you mean '" + c + "'?");
          } else {
            ad.registers_unit = true;
            ad.register_key = f.name;
          }
        } else {
          std::string c = Closest(word, {"by", "from", "to", "needs", "moves", "target", "creates", "effect", "registers", "guard"});
          Err(cl.word.pos, "bad-clause", "动作里不能写「" + word + "」", "unknown action clause '" + word + "'",
              c.empty() ? "可用: by、from、to、needs、moves、target、creates、effect、registers、guard" : "是不是「" + c + "」?",
              c.empty() ? "use by, from, to, needs, moves, target, creates, effect, registers or guard" : "did you mean '" + c + "'?");
        }
      }
      if (ad.registers_unit && ad.register_key.empty()) {
        // `effect register_unit` alone: the registry is keyed by the survey's own key field.
        ad.register_key = survey.KeyField();
        if (ad.register_key.empty())
          Err(a.name.pos, "bad-action", "登记到名录库需要写 registers 字段(用哪个字段作名录库的键)",
              "registering a unit needs `registers FIELD` (the field that keys the registry)");
      }
      if (!has_to) Err(a.name.pos, "bad-action", "动作「" + ad.name + "」缺少 to(结果状态)", "action '" + ad.name + "' needs `to STATE`");
      if (!has_by)
        Err(a.name.pos, "bad-action", "动作「" + ad.name + "」缺少 by(谁可以执行)", "action '" + ad.name + "' needs `by ROLE`");
      if (!has_from)
        Err(a.name.pos, "bad-action", "动作「" + ad.name + "」缺少 from(起始状态,新建用 none)",
            "action '" + ad.name + "' needs `from STATE` (`none` to create)");
      if (ad.move == ActionDef::Move::kTarget && !ad.needs_target)
        Err(a.name.pos, "bad-action", "moves target 需要 needs target", "`moves target` needs `needs target`");
      if (ad.from_none && ad.creates == ActionDef::Creates::kNone && !ad.needs_submission)
        Err(a.name.pos, "bad-action", "从 none 开始的动作需要 creates villages、creates rows 或 needs submission",
            "an action from `none` needs `creates villages`, `creates rows` or `needs submission`");
      wd.actions.push_back(std::move(ad));
    }
    for (auto& d : w.deadlines) {
      int a = wd.FindAction(d.action.name);
      if (a < 0) {
        std::vector<std::string> names;
        for (auto& ad : wd.actions) names.push_back(ad.name);
        std::string c = Closest(d.action.name, names);
        Err(d.action.pos, "unknown-action", "流程没有动作「" + d.action.name + "」", "the workflow has no action '" + d.action.name + "'",
            c.empty() ? "" : "是不是「" + c + "」?", c.empty() ? "" : "did you mean '" + c + "'?");
        continue;
      }
      wd.deadlines.push_back({a, static_cast<int>(d.days)});
    }
    // Every state must be reachable from a creating action.
    std::vector<bool> reached(wd.states.size(), false);
    std::vector<int> todo;
    for (auto& a : wd.actions)
      if (a.from_none && a.to >= 0 && !reached[a.to]) { reached[a.to] = true; todo.push_back(a.to); }
    while (!todo.empty()) {
      int st = todo.back();
      todo.pop_back();
      for (auto& a : wd.actions)
        if (a.to >= 0 && !reached[a.to] && std::find(a.from.begin(), a.from.end(), st) != a.from.end()) {
          reached[a.to] = true;
          todo.push_back(a.to);
        }
    }
    if (wd.actions.size() == w.actions.size() && !HasErrors(diags))
      for (size_t i = 0; i < wd.states.size(); ++i)
        if (!reached[i])
          Err(state_pos[i], "unreachable-state", "状态「" + wd.states[i].name + "」无法到达:没有动作通向它",
              "state '" + wd.states[i].name + "' is unreachable: no action leads to it");
    // `save` stores a draft: whoever may submit may save, and so may grid workers.
    for (auto& a : wd.actions) {
      if (!a.needs_submission) continue;
      ActionDef save;
      save.name = "save";
      save.label = "保存草稿";
      save.by = a.by;
      for (size_t r = 0; r < prog_->roles.size(); ++r)
        if (prog_->roles[r].grid && std::find(save.by.begin(), save.by.end(), static_cast<int>(r)) == save.by.end())
          save.by.push_back(static_cast<int>(r));
      save.from = a.from;
      save.from_none = a.from_none;
      save.needs_submission = true;
      save.is_save = true;
      wd.actions.push_back(std::move(save));
      break;
    }
    prog_->workflows.push_back(std::move(wd));
  }

  // ---- expression compiler --------------------------------------------------
  int Emit(Node n, const Expr& e) {
    n.ast_id = e.id;
    auto& nodes = cur_->nodes;
    nodes.push_back(std::move(n));
    return static_cast<int>(nodes.size() - 1);
  }
  std::string_view Intern(const std::string& s) {
    prog_->strings.push_back(std::make_unique<std::string>(s));
    return *prog_->strings.back();
  }
  Typed Fail() { return Typed{}; }
  Type T(TypeKind k, int scale = 0) { Type t; t.kind = k; t.scale = scale; return t; }

  Typed Compile(const Expr& e, Scope& sc) {
    cur_ = sc.survey;
    // The parser bounds how deep one expression nests, but lets expand in place, so a chain
    // of deep lets nests deeper: bound the whole, one native stack frame or so per level.
    struct Depth {
      int& d;
      explicit Depth(int& x) : d(x) { ++d; }
      ~Depth() { --d; }
    } depth(sc.depth);
    if (sc.depth > kMaxExpandedDepth) {
      if (!too_deep_reported_)
        Err(e.pos, "too-deep", "展开 let 后表达式嵌套过深(超过 " + std::to_string(kMaxExpandedDepth) + " 层)",
            "expression nests too deep once lets are expanded (over " + std::to_string(kMaxExpandedDepth) + " levels)",
            "把中间结果合并成较少、较浅的 let", "fold intermediate results into fewer, shallower lets");
      too_deep_reported_ = true;
      return Fail();
    }
    switch (e.kind) {
      case ExprKind::kNumber: {
        auto d = Decimal::Parse(e.text);
        if (!d) { Err(e.pos, "bad-number", "数字「" + e.text + "」无效或过大", "invalid or too large number '" + e.text + "'"); return Fail(); }
        Node n; n.constant = Value::Num(*d);
        return {Emit(n, e), T(TypeKind::kNum, d->scale())};
      }
      case ExprKind::kString: {
        Node n; n.constant = Value::Text(Intern(e.text));
        return {Emit(n, e), T(TypeKind::kText)};
      }
      case ExprKind::kBool: {
        Node n; n.constant = Value::Bool(e.text == "true");
        return {Emit(n, e), T(TypeKind::kBool)};
      }
      case ExprKind::kName: return CompileName(e, sc);
      case ExprKind::kAnd: case ExprKind::kOr: {
        Node n; n.op = e.kind == ExprKind::kAnd ? Op::kAnd : Op::kOr;
        bool ok = true;
        for (auto& a : e.args) { int k = Condition(*a, sc); ok &= k >= 0; n.kids.push_back(k); }
        if (!ok) return Fail();
        return {Emit(n, e), T(TypeKind::kBool)};
      }
      case ExprKind::kNot: {
        int k = Condition(*e.args[0], sc);
        if (k < 0) return Fail();
        Node n; n.op = Op::kNot; n.kids = {k};
        return {Emit(n, e), T(TypeKind::kBool)};
      }
      case ExprKind::kNeg: {
        Typed a = Number(*e.args[0], sc);
        if (!a.ok()) return Fail();
        Node n; n.op = Op::kNeg; n.kids = {a.node};
        return {Emit(n, e), a.type};
      }
      case ExprKind::kAdd: case ExprKind::kSub: case ExprKind::kMul: case ExprKind::kDiv: {
        Typed a = Number(*e.args[0], sc), b = Number(*e.args[1], sc);
        if (!a.ok() || !b.ok()) return Fail();
        Node n;
        int scale;
        switch (e.kind) {
          case ExprKind::kAdd: n.op = Op::kAdd; scale = std::max(a.type.scale, b.type.scale); break;
          case ExprKind::kSub: n.op = Op::kSub; scale = std::max(a.type.scale, b.type.scale); break;
          case ExprKind::kMul: n.op = Op::kMul; scale = std::min(a.type.scale + b.type.scale, Decimal::kMaxScale); break;
          default: n.op = Op::kDiv; scale = 2; break;  // quotients are shown rounded to 2 places
        }
        n.kids = {a.node, b.node};
        return {Emit(n, e), T(TypeKind::kNum, scale)};
      }
      case ExprKind::kEq: case ExprKind::kNe: case ExprKind::kLt: case ExprKind::kLe: case ExprKind::kGt: case ExprKind::kGe:
        return CompileCompare(e, sc);
      case ExprKind::kBetween: {
        Typed v = Compile(*e.args[0], sc);
        Typed lo = Compile(*e.args[1], sc), hi = Compile(*e.args[2], sc);
        if (!v.ok() || !lo.ok() || !hi.ok()) return Fail();
        if (!Comparable(v, &lo, e.pos, true) || !Comparable(v, &hi, e.pos, true)) return Fail();
        Node n; n.op = Op::kBetween; n.negated = e.negated; n.kids = {v.node, lo.node, hi.node};
        return {Emit(n, e), T(TypeKind::kBool)};
      }
      case ExprKind::kIn: return CompileIn(e, sc);
      case ExprKind::kMatches: {
        Typed v = Compile(*e.args[0], sc);
        if (!v.ok()) return Fail();
        if (v.type.kind != TypeKind::kText) {
          Err(e.args[0]->pos, "type", "matches 左边必须是文本", "`matches` needs text on its left");
          return Fail();
        }
        RE2::Options opt;
        opt.set_log_errors(false);
        opt.set_max_mem(1 << 20);
        auto re = std::make_shared<RE2>(e.text, opt);
        if (!re->ok()) {
          Err(e.pos, "bad-pattern", "正则表达式无效: " + re->error(), "invalid pattern: " + re->error());
          return Fail();
        }
        Node n; n.op = Op::kMatches; n.kids = {v.node};
        n.aux = static_cast<int>(prog_->patterns.size());
        prog_->patterns.push_back(re);
        return {Emit(n, e), T(TypeKind::kBool)};
      }
      case ExprKind::kCall: return CompileCall(e, sc);
    }
    return Fail();
  }

  Typed Number(const Expr& e, Scope& sc) {
    Typed t = Compile(e, sc);
    if (t.ok() && t.type.kind != TypeKind::kNum) {
      Err(e.begin, "type", std::string("这里需要数值,而这是") + TypeNameZh(t.type),
          std::string("a number is needed here; this is a ") + TypeName(t.type));
      return Fail();
    }
    return t;
  }

  Typed CompileName(const Expr& e, Scope& sc) {
    SurveyDef& def = *sc.survey;
    for (auto it = sc.rows.rbegin(); it != sc.rows.rend(); ++it) {
      auto& ro = def.rosters[it->first];
      auto f = ro.by_name.find(e.text);
      if (f != ro.by_name.end()) {
        Node n; n.op = Op::kRowField; n.roster = it->first; n.slot = f->second; n.binding = it->second;
        if (sc.refs) sc.refs->push_back(FieldRef{it->first, f->second, sc.row_rule && it->second == 0});
        return {Emit(n, e), ro.fields[f->second].StaticType()};
      }
    }
    auto f = def.by_name.find(e.text);
    if (f != def.by_name.end()) {
      Node n; n.op = Op::kField; n.slot = f->second;
      if (sc.refs) sc.refs->push_back(FieldRef{-1, f->second, false});
      return {Emit(n, e), def.fields[f->second].StaticType()};
    }
    auto& lets = lets_[def.name];
    auto l = lets.find(e.text);
    if (l != lets.end()) {
      // Each use expands the let; lets built on lets could otherwise grow without bound.
      if (def.nodes.size() > kMaxNodes) {
        if (!too_large_reported_) Err(e.pos, "too-large", "展开 let 后的规则过大(超过 " + std::to_string(kMaxNodes) + " 个运算)",
                                      "rules too large once lets are expanded (over " + std::to_string(kMaxNodes) + " operations)",
                                      "检查 let 是否层层重复引用", "look for lets that use each other over and over");
        too_large_reported_ = true;
        return Fail();
      }
      if (std::find(sc.let_stack.begin(), sc.let_stack.end(), e.text) != sc.let_stack.end()) {
        Err(e.pos, "let-cycle", "let「" + e.text + "」引用了自身", "let '" + e.text + "' refers to itself");
        return Fail();
      }
      // Expanding a let compiles its expression in place, one native stack frame per level:
      // a long chain of lets built on lets must stop with a diagnostic, not a stack overflow.
      if (sc.let_stack.size() >= kMaxLetDepth) {
        Err(e.pos, "too-deep", "let 层层引用过深(超过 " + std::to_string(kMaxLetDepth) + " 层)",
            "lets built on lets nest too deep (over " + std::to_string(kMaxLetDepth) + " levels)",
            "把中间结果合并成较少的 let", "fold intermediate results into fewer lets");
        return Fail();
      }
      used_lets_.insert(def.name + "\n" + e.text);
      sc.let_stack.push_back(e.text);
      Typed t = Compile(*l->second->value, sc);
      sc.let_stack.pop_back();
      return t;
    }
    if (e.text == "period") {
      Node n; n.op = Op::kPeriod;
      TypeKind k = def.period == PeriodKind::kYear ? TypeKind::kNum
                 : def.period == PeriodKind::kMonth ? TypeKind::kYearMonth : TypeKind::kText;
      return {Emit(n, e), T(k)};
    }
    if (e.text == "division") {
      Node n; n.op = Op::kDivision;
      return {Emit(n, e), T(TypeKind::kText)};
    }
    if (e.text == "row" && !sc.rows.empty()) {
      Node n; n.op = Op::kRowIndex; n.binding = sc.rows.back().second;
      return {Emit(n, e), T(TypeKind::kNum)};
    }
    if (def.roster_by_name.count(e.text)) {
      Err(e.pos, "type", "重复组「" + e.text + "」只能用在汇总函数里", "roster '" + e.text + "' can only be used in an aggregate",
          "例如 count(" + e.text + ") 或 sum(" + e.text + ", 字段)", "for example count(" + e.text + ") or sum(" + e.text + ", field)");
      return Fail();
    }
    if (prog_->table_by_name.count(e.text)) {
      Err(e.pos, "type", "参照表「" + e.text + "」只能用在 in 或参照函数里", "table '" + e.text + "' can only be used with `in` or a lookup function");
      return Fail();
    }
    std::vector<std::string> names;
    for (auto& fd : def.fields) names.push_back(fd.name);
    for (auto& [r, b] : sc.rows) for (auto& fd : def.rosters[r].fields) names.push_back(fd.name);
    for (auto& [n, _] : lets) names.push_back(n);
    names.push_back("period");
    names.push_back("division");
    UnknownName(dsl::Named{e.text, e.pos}, names);
    return Fail();
  }

  // Checks that two values can be compared; a text literal facing a year-month or
  // a date is parsed here, once.
  bool Comparable(const Typed& a, Typed* b, const Pos& pos, bool ordered) {
    auto fix_literal = [&](const Typed& target, Typed* lit) {
      if (lit->type.kind != TypeKind::kText) return;
      Node& n = cur_->nodes[lit->node];
      if (n.op != Op::kConst) return;
      int32_t v;
      if (target.type.kind == TypeKind::kYearMonth) {
        if (!ParseYearMonth(n.constant.s, &v)) {
          Err(pos, "bad-literal", "「" + std::string(n.constant.s) + "」不是有效的年月(YYYY-MM)",
              "'" + std::string(n.constant.s) + "' is not a year-month (YYYY-MM)");
          return;
        }
        n.constant = Value::YearMonth(v);
        lit->type = target.type;
      } else if (target.type.kind == TypeKind::kDate) {
        if (!ParseDate(n.constant.s, &v)) {
          Err(pos, "bad-literal", "「" + std::string(n.constant.s) + "」不是有效的日期(YYYY-MM-DD)",
              "'" + std::string(n.constant.s) + "' is not a date (YYYY-MM-DD)");
          return;
        }
        n.constant = Value::Date(v);
        lit->type = target.type;
      }
    };
    Typed& bb = *b;
    fix_literal(a, &bb);
    if (a.type.kind == TypeKind::kText) {
      Typed aa = a;
      fix_literal(bb, &aa);
      if (aa.type.kind != a.type.kind) {
        const_cast<Typed&>(a).type = aa.type;
      }
    }
    if (a.type.kind != bb.type.kind) {
      Err(pos, "type", std::string("不能比较") + TypeNameZh(a.type) + "和" + TypeNameZh(bb.type),
          std::string("cannot compare ") + TypeName(a.type) + " with " + TypeName(bb.type),
          a.type.kind == TypeKind::kText || bb.type.kind == TypeKind::kText ? "代码要写成带引号的文本,例如 unit_type = \"10\"" : "",
          a.type.kind == TypeKind::kText || bb.type.kind == TypeKind::kText ? "codes are quoted text, e.g. unit_type = \"10\"" : "");
      return false;
    }
    if (ordered && (a.type.kind == TypeKind::kBool || a.type.kind == TypeKind::kGeo)) {
      Err(pos, "type", std::string(TypeNameZh(a.type)) + "不能比较大小", std::string("cannot order ") + TypeName(a.type) + " values");
      return false;
    }
    CheckCodeLiteral(a, bb, pos);
    CheckCodeLiteral(bb, a, pos);
    return true;
  }

  void CheckCodeLiteral(const Typed& field, const Typed& lit, const Pos& pos) {
    if (field.type.codes < 0 || lit.node < 0) return;
    const Node& n = cur_->nodes[lit.node];
    if (n.op != Op::kConst || n.constant.kind != Value::kText) return;
    const Table& t = prog_->tables[field.type.codes];
    if (!t.Find(n.constant.s))
      Warn(pos, "unknown-code", "「" + std::string(n.constant.s) + "」不在代码表「" + t.name + "」中",
           "'" + std::string(n.constant.s) + "' is not in code list '" + t.name + "'");
  }

  Typed CompileCompare(const Expr& e, Scope& sc) {
    Typed a = Compile(*e.args[0], sc), b = Compile(*e.args[1], sc);
    if (!a.ok() || !b.ok()) return Fail();
    bool ordered = e.kind != ExprKind::kEq && e.kind != ExprKind::kNe;
    if (!Comparable(a, &b, e.pos, ordered)) return Fail();
    Node n; n.op = Op::kCmp;
    n.sub = static_cast<uint8_t>(static_cast<int>(e.kind) - static_cast<int>(ExprKind::kEq));
    n.kids = {a.node, b.node};
    return {Emit(n, e), T(TypeKind::kBool)};
  }

  Typed CompileIn(const Expr& e, Scope& sc) {
    Typed v = Compile(*e.args[0], sc);
    if (!v.ok()) return Fail();
    Node n; n.negated = e.negated; n.kids = {v.node};
    if (!e.in_list) {
      const std::string& tn = e.args[1]->text;
      auto it = prog_->table_by_name.find(tn);
      if (it == prog_->table_by_name.end()) {
        std::vector<std::string> names;
        for (auto& t : prog_->tables) names.push_back(t.name);
        std::string c = Closest(tn, names);
        Err(e.args[1]->pos, "unknown-table", "没有名为「" + tn + "」的代码表或参照表", "no code list or table named '" + tn + "'",
            c.empty() ? "" : "是不是「" + c + "」?", c.empty() ? "" : "did you mean '" + c + "'?");
        return Fail();
      }
      if (v.type.kind != TypeKind::kText) {
        Err(e.args[0]->pos, "type", "只有文本或代码可以用 in 查表", "only text or codes can be looked up with `in`");
        return Fail();
      }
      n.op = Op::kInTable;
      n.aux = it->second;
      return {Emit(n, e), T(TypeKind::kBool)};
    }
    n.op = Op::kInList;
    for (size_t i = 1; i < e.args.size(); ++i) {
      Typed item = Compile(*e.args[i], sc);
      if (!item.ok()) return Fail();
      if (cur_->nodes[item.node].op != Op::kConst) {
        Err(e.args[i]->pos, "type", "in 后面的列表只能写常量", "the list after `in` may only hold constants");
        return Fail();
      }
      if (!Comparable(v, &item, e.args[i]->pos, false)) return Fail();
      n.list.push_back(cur_->nodes[item.node].constant);
    }
    return {Emit(n, e), T(TypeKind::kBool)};
  }

  Typed CompileCall(const Expr& e, Scope& sc) {
    const std::string& name = e.text;
    SurveyDef& def = *sc.survey;
    bool roster_first = !e.args.empty() && e.args[0]->kind == ExprKind::kName && def.roster_by_name.count(e.args[0]->text);
    bool is_agg = std::find(std::begin(kAggregates), std::end(kAggregates), name) != std::end(kAggregates);
    if (is_agg && (roster_first || (name != "min" && name != "max"))) return CompileAggregate(e, sc);
    if (e.filter) {
      Err(e.filter->pos, "where-position", "只有汇总函数(count、sum、all 等)可以用 where", "only aggregates take `where`");
      return Fail();
    }
    if (name == "present" || name == "missing") {
      if (e.args.size() != 1) return ArgCount(e, 1, 1);
      Typed a = Compile(*e.args[0], sc);
      if (!a.ok()) return Fail();
      Node n; n.op = name == "present" ? Op::kPresent : Op::kMissing; n.kids = {a.node};
      return {Emit(n, e), T(TypeKind::kBool)};
    }
    if (name == "prev") {
      if (e.args.size() != 1) return ArgCount(e, 1, 1);
      const Expr& a = *e.args[0];
      auto f = a.kind == ExprKind::kName ? def.by_name.find(a.text) : def.by_name.end();
      if (f == def.by_name.end()) {
        Err(a.pos, "bad-argument", "prev 的参数必须是本表的一个字段名", "prev takes the name of a field of this survey",
            "例如 prev(grain_output)", "for example prev(grain_output)");
        return Fail();
      }
      def.uses_prev = true;
      prev_use_.emplace(def.name, e.pos);
      Node n; n.op = Op::kPrevField; n.slot = f->second;
      return {Emit(n, e), def.fields[f->second].StaticType()};
    }
    if (name == "which") {
      // which(cond1, text1, cond2, text2, ...): the texts whose conditions hold, for messages.
      if (e.args.size() < 2 || e.args.size() % 2 != 0) {
        Err(e.pos, "argument-count", "which 的参数应成对出现:条件, 文字, 条件, 文字, …",
            "which takes pairs of arguments: condition, text, condition, text, ...");
        return Fail();
      }
      Node n; n.op = Op::kCall; n.sub = static_cast<uint8_t>(Fn::kWhich);
      for (size_t i = 0; i < e.args.size(); ++i) {
        if (i % 2 == 0) {
          int k = Condition(*e.args[i], sc);
          if (k < 0) return Fail();
          n.kids.push_back(k);
        } else {
          Typed t = Compile(*e.args[i], sc);
          if (!t.ok()) return Fail();
          if (t.type.kind != TypeKind::kText) {
            Err(e.args[i]->pos, "type", "which 的文字参数应为文本", "which takes text after each condition");
            return Fail();
          }
          n.kids.push_back(t.node);
        }
      }
      return {Emit(n, e), T(TypeKind::kText)};
    }
    if (name == "min" || name == "max") {
      if (e.args.size() < 2) return ArgCount(e, 2, 99);
      Node n; n.op = Op::kCall; n.sub = static_cast<uint8_t>(name == "min" ? Fn::kMin2 : Fn::kMax2);
      int scale = 0;
      for (auto& a : e.args) {
        Typed t = Number(*a, sc);
        if (!t.ok()) return Fail();
        scale = std::max(scale, t.type.scale);
        n.kids.push_back(t.node);
      }
      return {Emit(n, e), T(TypeKind::kNum, scale)};
    }
    if (name == "errors" || name == "warnings" || name == "unexplained_warnings") {
      if (!sc.guard) {
        Err(e.pos, "guard-only", name + "() 只能用在流程的 guard 里", name + "() can only be used in a workflow guard");
        return Fail();
      }
      if (!e.args.empty()) return ArgCount(e, 0, 0);
      Node n; n.op = Op::kCall;
      n.sub = static_cast<uint8_t>(name == "errors" ? Fn::kErrors : name == "warnings" ? Fn::kWarnings : Fn::kUnexplained);
      return {Emit(n, e), T(TypeKind::kNum)};
    }
    const FnSpec* spec = nullptr;
    for (auto& f : kFunctions) if (name == f.name) spec = &f;
    if (!spec) {
      std::vector<std::string> names = {"present", "missing", "prev", "count", "sum", "min", "max", "all", "any", "exactly_one", "the", "which"};
      for (auto& f : kFunctions) names.push_back(f.name);
      std::string c = Closest(name, names);
      Err(e.pos, "unknown-function", "未知的函数「" + name + "」", "unknown function '" + name + "'",
          c.empty() ? "函数列表见 doc/language.md" : "是不是「" + c + "」?",
          c.empty() ? "see doc/language.md for the functions" : "did you mean '" + c + "'?");
      return Fail();
    }
    int nargs = static_cast<int>(e.args.size());
    if (nargs < spec->min_args || nargs > spec->max_args) return ArgCount(e, spec->min_args, spec->max_args);
    Node n; n.op = Op::kCall; n.sub = static_cast<uint8_t>(spec->fn);
    std::vector<Typed> args;
    size_t first = 0;
    bool table_fn = spec->fn == Fn::kLevel || spec->fn == Fn::kLabel || spec->fn == Fn::kParent || spec->fn == Fn::kWithin;
    if (table_fn) {
      const Expr& t = *e.args[0];
      auto it = t.kind == ExprKind::kName ? prog_->table_by_name.find(t.text) : prog_->table_by_name.end();
      if (it == prog_->table_by_name.end()) {
        Err(t.pos, "bad-argument", name + " 的第一个参数必须是参照表名", "the first argument of " + name + " must be a table",
            "例如 level(divisions, division_code)", "for example level(divisions, division_code)");
        return Fail();
      }
      n.aux = it->second;
      first = 1;
    }
    for (size_t i = first; i < e.args.size(); ++i) {
      Typed t = Compile(*e.args[i], sc);
      if (!t.ok()) return Fail();
      args.push_back(t);
      n.kids.push_back(t.node);
    }
    auto want = [&](size_t i, TypeKind k) {
      if (args[i].type.kind == k) return true;
      if (k == TypeKind::kYearMonth && args[i].type.kind == TypeKind::kText &&
          cur_->nodes[args[i].node].op == Op::kConst) {
        Typed target; target.type = T(k);
        Typed lit = args[i];
        Comparable(target, &lit, e.args[i + first]->pos, false);
        return lit.type.kind == k;
      }
      Err(e.args[i + first]->pos, "type",
          name + " 的第 " + std::to_string(i + first + 1) + " 个参数应为" + TypeNameZh(T(k)) + ",这里是" + TypeNameZh(args[i].type),
          "argument " + std::to_string(i + first + 1) + " of " + name + " must be " + TypeName(T(k)) + ", not " + TypeName(args[i].type));
      return false;
    };
    auto want_time = [&](size_t i) {
      if (args[i].type.kind == TypeKind::kYearMonth || args[i].type.kind == TypeKind::kDate) return true;
      Err(e.args[i + first]->pos, "type", name + " 的参数应为年月或日期", name + " needs a year-month or a date");
      return false;
    };
    Type result;
    bool ok = true;
    switch (spec->fn) {
      case Fn::kAbs: ok = want(0, TypeKind::kNum); result = args[0].type; break;
      case Fn::kRound: {
        ok = want(0, TypeKind::kNum) && want(1, TypeKind::kNum);
        const Node& pn = cur_->nodes[args[1].node];
        auto places = pn.op == Op::kConst ? pn.constant.d.ToInt64() : std::nullopt;
        if (ok && (!places || *places < 0 || *places > 12)) {
          Err(e.args[1]->pos, "bad-argument", "round 的位数必须是 0 到 12 的整数常量", "round needs a constant 0..12 places");
          ok = false;
        }
        result = T(TypeKind::kNum, places ? static_cast<int>(*places) : 0);
        break;
      }
      case Fn::kLen: ok = want(0, TypeKind::kText); result = T(TypeKind::kNum); break;
      case Fn::kSubstr: ok = want(0, TypeKind::kText) && want(1, TypeKind::kNum) && want(2, TypeKind::kNum); result = T(TypeKind::kText); break;
      case Fn::kStartsWith: case Fn::kEndsWith: case Fn::kContains:
        ok = want(0, TypeKind::kText) && want(1, TypeKind::kText); result = T(TypeKind::kBool); break;
      case Fn::kUpper: ok = want(0, TypeKind::kText); result = T(TypeKind::kText); result.masked = args[0].type.masked; break;
      case Fn::kYear: case Fn::kMonth: ok = want_time(0); result = T(TypeKind::kNum); break;
      case Fn::kYm: ok = want(0, TypeKind::kNum) && want(1, TypeKind::kNum); result = T(TypeKind::kYearMonth); break;
      case Fn::kDate: ok = want(0, TypeKind::kNum) && want(1, TypeKind::kNum) && want(2, TypeKind::kNum); result = T(TypeKind::kDate); break;
      case Fn::kMonthsBetween: ok = want(0, TypeKind::kYearMonth) && want(1, TypeKind::kYearMonth); result = T(TypeKind::kNum); break;
      case Fn::kAgeAt: ok = want_time(0) && want_time(1); result = T(TypeKind::kNum); break;
      case Fn::kGb32100: case Fn::kGb11643: ok = want(0, TypeKind::kText); result = T(TypeKind::kBool); break;
      case Fn::kIdBirth: ok = want(0, TypeKind::kText); result = T(TypeKind::kYearMonth); break;
      case Fn::kIdSex: ok = want(0, TypeKind::kText); result = T(TypeKind::kText); break;
      case Fn::kLevel: ok = want(0, TypeKind::kText); result = T(TypeKind::kNum); break;
      case Fn::kLabel: case Fn::kParent: ok = want(0, TypeKind::kText); result = T(TypeKind::kText); break;
      case Fn::kWithin: ok = want(0, TypeKind::kText) && want(1, TypeKind::kText); result = T(TypeKind::kBool); break;
      case Fn::kLat: case Fn::kLon: ok = want(0, TypeKind::kGeo); result = T(TypeKind::kNum, 6); break;
      default: break;
    }
    if (!ok) return Fail();
    return {Emit(n, e), result};
  }

  Typed ArgCount(const Expr& e, int lo, int hi) {
    std::string want = lo == hi ? std::to_string(lo) : std::to_string(lo) + (hi >= 99 ? " 个或更多" : " 到 " + std::to_string(hi));
    std::string want_en = lo == hi ? std::to_string(lo) : std::to_string(lo) + (hi >= 99 ? " or more" : " to " + std::to_string(hi));
    Err(e.pos, "argument-count", e.text + " 需要 " + want + " 个参数,这里有 " + std::to_string(e.args.size()) + " 个",
        e.text + " takes " + want_en + " arguments, not " + std::to_string(e.args.size()));
    return Fail();
  }

  Typed CompileAggregate(const Expr& e, Scope& sc) {
    SurveyDef& def = *sc.survey;
    const std::string& name = e.text;
    if (e.args.empty() || e.args[0]->kind != ExprKind::kName || !def.roster_by_name.count(e.args[0]->text)) {
      std::vector<std::string> names;
      for (auto& r : def.rosters) names.push_back(r.name);
      Err(e.args.empty() ? e.pos : e.args[0]->pos, "bad-argument", name + " 的第一个参数必须是重复组",
          "the first argument of " + name + " must be a roster",
          names.empty() ? "" : "本表的重复组: " + names[0], names.empty() ? "" : "this survey's roster: " + names[0]);
      return Fail();
    }
    Agg agg = Agg::kCount;
    for (size_t i = 0; i < std::size(kAggregates); ++i) if (name == kAggregates[i]) agg = static_cast<Agg>(i);
    size_t want = agg == Agg::kCount ? 1 : 2;
    if (e.args.size() != want) return ArgCount(e, static_cast<int>(want), static_cast<int>(want));
    int roster = def.roster_by_name[e.args[0]->text];
    int binding = static_cast<int>(sc.rows.size());
    if (binding >= kMaxBindings) {
      Err(e.pos, "too-deep", "汇总函数嵌套过深(最多 " + std::to_string(kMaxBindings - 1) + " 层)",
          "aggregates nested too deeply (at most " + std::to_string(kMaxBindings - 1) + ")");
      return Fail();
    }
    def.max_bindings = std::max(def.max_bindings, binding + 1);
    sc.rows.push_back({roster, binding});
    Node n; n.op = Op::kAgg; n.sub = static_cast<uint8_t>(agg); n.roster = roster; n.binding = binding;
    Type result = T(agg == Agg::kCount ? TypeKind::kNum : TypeKind::kBool);
    bool ok = true;
    if (e.filter) { n.filter = Condition(*e.filter, sc); ok &= n.filter >= 0; }
    if (want == 2) {
      Typed body = Compile(*e.args[1], sc);
      ok &= body.ok();
      if (body.ok()) {
        n.kids.push_back(body.node);
        if (agg == Agg::kSum || agg == Agg::kMin || agg == Agg::kMax) {
          if (body.type.kind != TypeKind::kNum) {
            Err(e.args[1]->pos, "type", name + " 需要数值", name + " needs a number");
            ok = false;
          }
          result = body.type;
        } else if (agg == Agg::kThe) {
          result = body.type;
        } else if (body.type.kind != TypeKind::kBool) {
          Err(e.args[1]->pos, "type", name + " 的第二个参数必须是条件", "the second argument of " + name + " must be a condition");
          ok = false;
        }
      }
    }
    sc.rows.pop_back();
    if (!ok) return Fail();
    // An aggregate that reads no enclosing row has one value per record: it is
    // computed once and remembered (PC rules count the heads once, not per person).
    std::function<bool(int)> reads_outer = [&](int k) {
      if (k < 0) return false;
      const Node& x = cur_->nodes[k];
      if ((x.op == Op::kRowField || x.op == Op::kRowIndex) && x.binding < binding) return true;
      if (reads_outer(x.filter)) return true;
      for (int kid : x.kids) if (reads_outer(kid)) return true;
      return false;
    };
    n.cached = !reads_outer(n.filter) && !(n.kids.size() == 1 && reads_outer(n.kids[0]));
    return {Emit(n, e), result};
  }

  static constexpr size_t kMaxNodes = 500000;
  bool too_large_reported_ = false;
  Loader load_;
  std::unique_ptr<Program> prog_;
  SurveyDef* cur_ = nullptr;
  std::vector<std::string> hash_parts_;
  std::map<std::string, Pos> prev_use_;  // survey -> its first prev(), for WorkflowPass
};

}  // namespace

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

namespace gridstat {

namespace {

compile::Compiler::Loader DiskLoader(const std::string& root) {
  return [root](const std::string& rel) -> Result<std::string> {
    if (rel.find("..") != std::string::npos || (!rel.empty() && rel[0] == '/'))
      return Status::Invalid(rel + " (must stay inside the definitions directory)");
    std::string path = (std::filesystem::path(root) / rel).string();
    auto data = gridstat::ReadFile(path, 256u << 20);
    if (!data.ok()) return Status::Io(path);
    return data;
  };
}

Diagnostic FileDiag(const std::string& code, const std::string& file, const std::string& zh, const std::string& en) {
  Diagnostic d;
  d.code = code;
  d.file = file;
  d.message_zh = zh;
  d.message_en = en;
  return d;
}

}  // namespace

CompileResult CompileSources(const std::vector<SourceText>& sources, const std::string& data_dir) {
  compile::Compiler c(DiskLoader(data_dir));
  for (const auto& s : sources) {
    c.AddFile(s.path, s.text);
    dsl::ParseSource(&c.module, s.path, s.text, &c.diags);
  }
  return c.Finish();
}

CompileResult CompileFiles(const std::map<std::string, std::string>& files, const std::string& display_root) {
  compile::Compiler c([&files](const std::string& rel) -> Result<std::string> {
    auto it = files.find(rel);
    if (it == files.end()) return Status::NotFound(rel);
    return it->second;
  });
  for (const auto& [rel, text] : files) {
    if (rel.size() < 3 || rel.compare(rel.size() - 3, 3, ".gs") != 0) continue;
    c.AddFile(rel, text);
    dsl::ParseSource(&c.module, display_root.empty() ? rel : display_root + "/" + rel, text, &c.diags);
  }
  return c.Finish();
}

CompileResult CompileDirectory(const std::string& dir) {
  namespace fs = std::filesystem;
  CompileResult r;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    r.diagnostics.push_back(FileDiag("no-definitions", dir, "定义目录不存在或不是目录",
                                     "the definitions directory does not exist or is not a directory"));
    r.cannot_read = true;
    return r;
  }
  std::vector<std::string> rels;
  // Nothing here may throw: a symbolic link loop or an unreadable entry is a diagnostic
  // naming the path, and the other files are still compiled.
  auto bad_entry = [&](const fs::path& p, const std::error_code& e) {
    r.diagnostics.push_back(FileDiag("unreadable", p.string(), "无法读取目录项: " + e.message(), "cannot read directory entry: " + e.message()));
  };
  auto it = fs::recursive_directory_iterator(dir, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code fec;
    bool regular = it->is_regular_file(fec);
    if (fec) {
      bad_entry(it->path(), fec);
      continue;
    }
    if (regular && it->path().extension() == ".gs") {
      std::string rel = fs::relative(it->path(), dir, fec).generic_string();
      if (fec) bad_entry(it->path(), fec);
      else rels.push_back(rel);
    }
  }
  if (ec) bad_entry(fs::path(dir), ec);
  std::sort(rels.begin(), rels.end());
  compile::Compiler c(DiskLoader(dir));
  for (auto& rel : rels) {
    std::string shown = (fs::path(dir) / rel).string();
    auto data = gridstat::ReadFile(shown, 64u << 20);
    if (!data.ok()) {
      r.diagnostics.push_back(FileDiag("unreadable", shown, "无法读取文件: " + data.status().message(),
                                       "cannot read file: " + data.status().message()));
      continue;
    }
    c.AddFile(rel, *data);
    dsl::ParseSource(&c.module, shown, std::move(*data), &c.diags);
  }
  // Only what could not be read is in r.diagnostics so far; the authors' mistakes are in c.
  if (!r.diagnostics.empty() || rels.empty()) {
    if (rels.empty() && r.diagnostics.empty())
      r.diagnostics.push_back(FileDiag("no-definitions", dir, "目录中没有 .gs 定义文件", "no .gs definition files in the directory"));
    r.cannot_read = true;
    return r;
  }
  return c.Finish();
}

const std::string& ProgramHash(const Program& p) { return p.hash; }

std::vector<std::string> SurveyNames(const Program& p) {
  std::vector<std::string> names;
  for (auto& s : p.surveys) names.push_back(s.name);
  return names;
}

size_t RuleCount(const Program& p) {
  size_t n = 0;
  for (auto& s : p.surveys) n += s.rules.size();
  return n;
}

}  // namespace gridstat
