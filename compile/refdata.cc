// Pass 2, ReferenceDataPass: code lists written in the definitions, and reference tables
// loaded from CSV files (code, label, level and parent columns; one table may be the division
// tree). Field types (code lists) and rules (`in industry`) need them, so they come before
// surveys and rules.
#include <algorithm>
#include <set>

#include "compile/compiler.h"
#include "common/csv.h"
#include "common/text.h"

namespace gridstat::compile {

using dsl::Pos;

int Compiler::AddTable(Table t) {
  t.BuildIndex();
  int idx = static_cast<int>(prog_->tables.size());
  prog_->table_by_name[t.name] = idx;
  prog_->tables.push_back(std::move(t));
  return idx;
}

void Compiler::ReferenceDataPass() {
  for (auto& c : module.codes) {
    std::set<std::string> seen_codes;
    Table t;
    t.name = c.name.name;
    t.label = c.label;
    for (auto& e : c.entries) {
      if (!seen_codes.insert(e.code).second) {
        Err(e.pos, "duplicate-code", {{"code", e.code}});
        continue;
      }
      t.entries.push_back({e.code, e.label, "", 0});
    }
    if (t.entries.empty())
      Err(c.name.pos, "empty-codes", {{"name", c.name.name}});
    AddTable(std::move(t));
  }
  for (auto& r : module.references) LoadReference(r);
}

void Compiler::LoadReference(const dsl::ReferenceDecl& r) {
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
      Err(it.key.pos, "unknown-setting", {{"name", k}}, DidYouMean(c, "unknown-setting/hint"));
    }
  }
  Table t;
  t.name = r.name.name;
  t.label = r.label;
  t.is_division_tree = tree;
  if (file.empty()) {
    Err(r.name.pos, "missing-file", {{"name", r.name.name}});
    AddTable(std::move(t));
    return;
  }
  auto data = load_(file);
  if (!data.ok()) {
    Err(file_pos, "bad-data-file/unreadable", {{"file", file}},
        MessageBoth("bad-data-file/unreadable-hint", {{"reason", data.status().message()}}));
    AddTable(std::move(t));
    return;
  }
  AddFile(file, *data);
  if (FindInvalidUtf8(*data) != std::string::npos) {
    Err(file_pos, "bad-data-file/utf8", {{"file", file}});
    AddTable(std::move(t));
    return;
  }
  if (size_t nul = data->find('\0'); nul != std::string::npos) {
    int line = 1 + static_cast<int>(std::count(data->begin(), data->begin() + static_cast<std::ptrdiff_t>(nul), '\n'));
    Err(file_pos, "bad-data-file/nul", {{"file", file}, {"line", std::to_string(line)}});
    AddTable(std::move(t));
    return;
  }
  auto csv = ParseCsv(*data);
  if (!csv.ok()) {
    Err(file_pos, "bad-data-file/malformed", {{"file", file}, {"reason", csv.status().message()}});
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
      Err(pos, "bad-data-file/no-column", {{"file", file}, {"column", name}},
          MessageBoth("bad-data-file/no-column-hint", {{"columns", have}}));
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
      Err(file_pos, "bad-data-file/columns", {{"file", file}, {"line", std::to_string(csv->row_lines[n])}});
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
        Err(file_pos, "bad-data-file/level", {{"file", file}, {"line", std::to_string(csv->row_lines[n])}});
        AddTable(std::move(t));
        return;
      }
      e.level = static_cast<int>(*iv);
    }
    if (!seen_codes.insert(e.code).second) {
      Err(file_pos, "bad-data-file/duplicate-code",
          {{"file", file}, {"line", std::to_string(csv->row_lines[n])}, {"code", e.code}});
      continue;
    }
    t.entries.push_back(std::move(e));
    entry_lines.push_back(csv->row_lines[n]);
  }
  CheckParentCycles(t, file, file_pos, entry_lines);
  if (tree) {
    if (prog_->division_tree >= 0)
      Err(r.name.pos, "duplicate/divisions");
    for (auto& e : t.entries)
      if (!e.parent.empty() && !seen_codes.count(e.parent)) {
        Err(file_pos, "bad-data-file/parent", {{"code", e.code}, {"parent", e.parent}});
        break;
      }
    prog_->division_tree = static_cast<int>(prog_->tables.size());
  }
  AddTable(std::move(t));
}

// A code that is its own ancestor would send every walk up the tree (within(), the
// store's jurisdictions, progress by level) round in a circle. Each cycle is reported
// once, at the row of its first line in the file.
void Compiler::CheckParentCycles(const Table& t, const std::string& file, const Pos& file_pos, const std::vector<int>& lines) {
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
      Err(file_pos, "parent-cycle", {{"file", file}, {"line", where}, {"chain", chain}},
          MessageBoth("parent-cycle/hint"));
      ++reported;
    }
    for (size_t i : path) state[i] = 2;
  }
}

}  // namespace gridstat::compile
