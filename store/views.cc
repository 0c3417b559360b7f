// Labels, names, figures and local times for `show` and `audit history` (see views.h).
#include "store/views.h"

#include <cstdio>

#include "common/json.h"

namespace gridstat::store {

namespace {

bool Digits(const std::string& s, size_t at, size_t n, int* out) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// The label of a code or division value, when its list has it.
std::optional<std::string> CodeLabel(const compile::Program& p, const compile::FieldDef& f, const Doc& v) {
  if (v.kind != Doc::Kind::kString) return std::nullopt;
  int table = f.type == compile::FieldType::kCode ? f.codes : f.type == compile::FieldType::kDivision ? p.division_tree : -1;
  if (table < 0 || table >= static_cast<int>(p.tables.size())) return std::nullopt;
  const compile::Table::Entry* e = p.tables[table].Find(v.text);
  if (!e || e->label.empty()) return std::nullopt;
  return e->label;
}

Doc Cell(const compile::Program& p, const compile::FieldDef& f, const Doc* v) {
  Doc value = v ? *v : json::Null();
  Doc cell = json::Obj({{"value", value}});
  if (auto l = CodeLabel(p, f, value)) json::Set(&cell, "code_label", json::Str(*l));
  return cell;
}

Doc OptLabel(const std::string& s) { return s.empty() ? json::Null() : json::Str(s); }

}  // namespace

std::optional<std::string> ShanghaiTime(const std::string& t) {
  int y, mo, d, hh, mi, ss;
  if (!Digits(t, 0, 4, &y) || t.size() < 19 || t[4] != '-' || !Digits(t, 5, 2, &mo) || t[7] != '-' || !Digits(t, 8, 2, &d) ||
      (t[10] != 'T' && t[10] != 't') || !Digits(t, 11, 2, &hh) || t[13] != ':' || !Digits(t, 14, 2, &mi) || t[16] != ':' ||
      !Digits(t, 17, 2, &ss))
    return std::nullopt;
  if (!gridstat::ValidDate(y, mo, d) || hh > 23 || mi > 59 || ss > 60) return std::nullopt;
  size_t at = 19;
  std::string fraction;
  if (at < t.size() && t[at] == '.') {
    size_t end = at + 1;
    while (end < t.size() && t[end] >= '0' && t[end] <= '9') ++end;
    if (end == at + 1) return std::nullopt;
    fraction = t.substr(at, end - at);
    at = end;
  }
  int offset_min = 0;
  if (at + 1 == t.size() && (t[at] == 'Z' || t[at] == 'z')) {
    offset_min = 0;
  } else if (at + 6 == t.size() && (t[at] == '+' || t[at] == '-') && t[at + 3] == ':') {
    int oh, om;
    if (!Digits(t, at + 1, 2, &oh) || !Digits(t, at + 4, 2, &om) || oh > 23 || om > 59) return std::nullopt;
    offset_min = (t[at] == '-' ? -1 : 1) * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  // Asia/Shanghai has kept UTC+8 all year since 1991, when China last observed daylight saving;
  // the store records times from its own clock, long after that, so a fixed offset is exact.
  constexpr int kShanghaiMinutes = 8 * 60;
  int64_t secs = static_cast<int64_t>(gridstat::DaysFromCivil(y, mo, d)) * 86400 + hh * 3600 + mi * 60 + ss +
                 static_cast<int64_t>(kShanghaiMinutes - offset_min) * 60;
  int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  int64_t rest = secs - days * 86400;
  int ly, lm, ld;
  gridstat::CivilFromDays(static_cast<int32_t>(days), &ly, &lm, &ld);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d", ly, lm, ld, static_cast<int>(rest / 3600),
                static_cast<int>(rest / 60 % 60), static_cast<int>(rest % 60));
  return std::string(buf) + fraction + " +08:00";
}

Doc FiguresDoc(const compile::Program& p, const compile::SurveyDef& s, const Doc& data, Doc* rosters) {
  Doc figures = json::Arr();
  *rosters = json::Arr();
  bool object = data.kind == Doc::Kind::kObject;
  for (auto& f : s.fields) {
    Doc fig = Cell(p, f, object ? data.Find(f.name) : nullptr);
    json::Set(&fig, "name", json::Str(f.name));
    json::Set(&fig, "label", OptLabel(f.label));
    json::Set(&fig, "unit", OptLabel(f.unit));
    figures.items.push_back(std::move(fig));
  }
  for (auto& r : s.rosters) {
    Doc columns = json::Arr();
    for (auto& f : r.fields)
      columns.items.push_back(json::Obj({{"name", json::Str(f.name)}, {"label", OptLabel(f.label)}, {"unit", OptLabel(f.unit)}}));
    Doc rows = json::Arr();
    const Doc* given = object ? data.Find(r.name) : nullptr;
    if (given && given->kind == Doc::Kind::kArray)
      for (auto& row : given->items) {
        Doc cells = json::Arr();
        bool row_object = row.kind == Doc::Kind::kObject;
        for (auto& f : r.fields) cells.items.push_back(Cell(p, f, row_object ? row.Find(f.name) : nullptr));
        rows.items.push_back(std::move(cells));
      }
    rosters->items.push_back(
        json::Obj({{"name", json::Str(r.name)}, {"label", OptLabel(r.label)}, {"columns", columns}, {"rows", rows}}));
  }
  return figures;
}

void AttachExplanations(Doc* findings, const Doc* explanations) {
  if (!findings || findings->kind != Doc::Kind::kArray) return;
  for (auto& f : findings->items) {
    const std::string* severity = json::GetStr(f, "severity");
    if (f.kind != Doc::Kind::kObject || !severity || *severity != "warning") continue;
    const std::string* rule = json::GetStr(f, "rule");
    const std::string* text = rule && explanations ? json::GetStr(*explanations, *rule) : nullptr;
    json::Set(&f, "explanation", text ? json::Str(*text) : json::Null());
  }
}

EventLabeller::EventLabeller(StoreImpl& store, std::string workflow, std::string pinned)
    : store_(store), workflow_(std::move(workflow)), pinned_(std::move(pinned)) {
  // The organisation is recorded whole in every `org` event (init and org update), so the
  // names in force at any point of the log can be read back from it.
  Stmt s(store_.db(), "SELECT seq, body FROM events WHERE instance = '' AND body LIKE '%\"kind\":\"org\"%' ORDER BY seq");
  while (s.Step()) {
    auto b = ParseJsonDocument(s.Text(1));
    const std::string* kind = b.ok() ? json::GetStr(*b, "kind") : nullptr;
    const Doc* org = kind && *kind == "org" ? b->Find("org") : nullptr;
    if (org) orgs_.emplace_back(s.Int(0), OrgFromDoc(*org));
  }
}

const compile::Program* EventLabeller::ProgramFor(const std::string& hash) {
  if (hash.empty()) return nullptr;
  auto it = programs_.find(hash);
  if (it == programs_.end()) {
    auto p = store_.ProgramFor(hash);
    it = programs_.emplace(hash, p.ok() ? *p : nullptr).first;
  }
  return it->second.get();
}

std::optional<std::string> EventLabeller::NameAt(const std::string& user, int64_t seq) const {
  for (auto it = orgs_.rbegin(); it != orgs_.rend(); ++it) {
    if (it->first >= seq) continue;
    if (const User* u = it->second.FindUser(user)) return u->name;
    return std::nullopt;
  }
  // A log without an organisation before this event: the current one.
  if (const User* u = store_.org().FindUser(user)) return u->name;
  return std::nullopt;
}

void EventLabeller::Label(const Doc& body, Doc* view) {
  const std::string* defs = json::GetStr(body, "definitions");
  const compile::Program* p = defs ? ProgramFor(*defs) : nullptr;
  if (!p) p = ProgramFor(pinned_);
  const compile::WorkflowDef* wf = nullptr;
  if (p) {
    int w = p->FindWorkflow(workflow_);
    if (w >= 0) wf = &p->workflows[w];
  }
  auto state_label = [&](const char* key) -> Doc {
    const std::string* name = json::GetStr(body, key);
    int st = name && wf ? wf->FindState(*name) : -1;
    return st >= 0 ? OptLabel(wf->states[st].label) : json::Null();
  };
  const std::string* action = json::GetStr(*view, "action");
  int a = action && wf ? wf->FindAction(*action) : -1;
  json::Set(view, "action_label", a >= 0 ? OptLabel(wf->actions[a].label) : json::Null());
  json::Set(view, "from_label", state_label("from"));
  json::Set(view, "to_label", state_label("to"));
  const std::string* role = json::GetStr(body, "role");
  int r = role && p ? p->FindRole(*role) : -1;
  json::Set(view, "role_label", r >= 0 ? OptLabel(p->roles[r].label) : json::Null());
  const std::string* actor = json::GetStr(body, "actor");
  std::optional<std::string> name = actor ? NameAt(*actor, json::GetInt(body, "seq")) : std::nullopt;
  json::Set(view, "actor_name", name ? json::Str(*name) : json::Null());
  const std::string* at = json::GetStr(body, "at");
  std::optional<std::string> local = at ? ShanghaiTime(*at) : std::nullopt;
  json::Set(view, "at_local", local ? json::Str(*local) : json::Null());
}

}  // namespace gridstat::store
