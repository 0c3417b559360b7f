// Read-only views of the store. `as` limits a view to what that user may see.
#include <algorithm>
#include <map>
#include <set>

#include "common/json.h"
#include "common/text.h"
#include "store/store_impl.h"
#include "store/views.h"

namespace gridstat::store {

namespace {

Doc InstanceDoc(const Instance& i) {
  return json::Obj({{"id", json::Str(i.id)}, {"workflow", json::Str(i.workflow)}, {"survey", json::Str(i.survey)},
                    {"period", json::Str(i.period)}, {"division", json::Str(i.division)}, {"state", json::Str(i.state)},
                    {"version", json::Int(i.version)}, {"definitions", json::Str(i.definitions)}});
}

// Events as `show` and `audit history` present them.
Doc EventView(const Doc& body) {
  Doc v = json::Obj();
  for (const char* k : {"seq", "at", "action", "actor", "role", "from", "to", "jurisdiction", "comment", "target", "request_id", "refused",
                        "reason", "message", "version", "definitions"}) {
    const Doc* x = body.Find(k);
    json::Set(&v, k, x ? *x : (std::string(k) == "refused" ? json::Bool(false) : json::Null()));
  }
  if (const Doc* sub = body.Find("submission")) json::Set(&v, "submission", *sub);
  if (const Doc* kind = body.Find("kind"); kind && kind->text != "action") json::Set(&v, "action", *kind);
  // A migration keeps the instance's state, or moves it across a renamed one (migrate --map).
  if (const Doc* kind = body.Find("kind"); kind && kind->text == "migrate") {
    const Doc* state = body.Find("state");
    const Doc* before = body.Find("state_before");
    json::Set(&v, "from", before ? *before : state ? *state : json::Null());
    json::Set(&v, "to", state ? *state : json::Null());
  }
  return v;
}

// A masked field as a reader of exports and views sees it (MaskIdNumberForView). A value
// that is not text (a hostile client's array, say) is masked all the same.
Doc MaskedValue(const Doc& v) {
  if (v.kind == Doc::Kind::kNull) return v;
  if (v.kind == Doc::Kind::kString || v.kind == Doc::Kind::kNumber) return json::Str(MaskIdNumberForView(v.text));
  return json::Str(std::string(CodePointCount(json::Canonical(v)), '*'));
}

// Masks the masked fields of survey `s` in a record's data, in its rosters' rows too.
void MaskRecord(Doc* data, const compile::SurveyDef* s) {
  if (!s || !data || data->kind != Doc::Kind::kObject) return;
  for (auto& [k, v] : data->members) {
    if (auto f = s->by_name.find(k); f != s->by_name.end()) {
      if (s->fields[f->second].masked) v = MaskedValue(v);
      continue;
    }
    auto r = s->roster_by_name.find(k);
    if (r == s->roster_by_name.end() || v.kind != Doc::Kind::kArray) continue;
    const compile::RosterDef& roster = s->rosters[r->second];
    for (auto& row : v.items) {
      if (row.kind != Doc::Kind::kObject) continue;
      for (auto& [rk, rv] : row.members)
        if (auto rf = roster.by_name.find(rk); rf != roster.by_name.end() && roster.fields[rf->second].masked) rv = MaskedValue(rv);
    }
  }
}

// Masks a record of `inst` for a reader: by the definitions the instance is pinned to, and
// by the current ones, so that a field masked in either is masked.
void MaskForReader(StoreImpl& store, const Instance& inst, Doc* data) {
  if (auto p = store.ProgramFor(inst.definitions); p.ok()) MaskRecord(data, (*p)->FindSurvey(inst.survey));
  MaskRecord(data, store.current().FindSurvey(inst.survey));
}

// Asia/Shanghai has no daylight saving: UTC+8 all year.
std::string ShanghaiDate(const std::string& rfc3339_utc) {
  int y, m, d, hh;
  if (std::sscanf(rfc3339_utc.c_str(), "%d-%d-%dT%d", &y, &m, &d, &hh) != 4) return rfc3339_utc.substr(0, 10);
  int32_t days = gridstat::DaysFromCivil(y, m, d) + (hh + 8 >= 24 ? 1 : 0);
  return gridstat::FormatDate(days);
}

// The last day of a period, as a date.
int32_t PeriodEnd(const std::string& p) {
  int y = std::atoi(p.substr(0, 4).c_str());
  int m = 12;
  if (p.size() == 7 && p[4] == '-' && p[5] == 'Q') m = (p[6] - '0') * 3;
  else if (p.size() == 7) m = std::atoi(p.substr(5, 2).c_str());
  int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
  return gridstat::DaysFromCivil(ny, nm, 1) - 1;
}

}  // namespace

Result<std::vector<Instance>> StoreImpl::SelectInstances(const Query& q) {
  const User* as = nullptr;
  if (q.as) {
    as = org_.FindUser(*q.as);
    if (!as) return StatusIn(lang_, Status::Code::kNotFound, "no_user", {{"user", *q.as}});
  }
  Stmt s(db_.get(), "SELECT id FROM instances WHERE (?1 = '' OR survey = ?1) AND (?2 = '' OR period = ?2) AND (?3 = '' OR state = ?3) ORDER BY id");
  s.Bind(1, q.survey).Bind(2, q.period).Bind(3, q.state);
  std::vector<std::string> ids;
  while (s.Step()) ids.push_back(s.Text(0));
  if (!s.status().ok()) return s.status();
  std::vector<Instance> out;
  for (auto& id : ids) {
    auto inst = GetInstance(id);
    if (!inst) continue;
    if (!q.under.empty() && !Within(inst->division, q.under)) continue;
    if (as && !CanSee(*as, *inst)) continue;
    out.push_back(*inst);
  }
  return out;
}

Result<Doc> StoreImpl::Show(const std::string& id, const std::optional<std::string>& as) {
  if (Status st = Refresh(); !st.ok()) return st;  // who may see what: the organisation as it is now
  auto inst = GetInstance(id);
  if (inst && as) {
    const User* u = org_.FindUser(*as);
    if (!u || !CanSee(*u, *inst)) inst.reset();
  }
  if (!inst) return StatusIn(lang_, Status::Code::kNotFound, "no_access", {{"instance", id}});
  Doc d = InstanceDoc(*inst);
  json::Set(&d, "division_name", json::Str(DivisionName(inst->division)));
  auto pinned = ProgramFor(inst->definitions);
  const compile::Program* pp = pinned.ok() ? pinned->get() : nullptr;
  int w = pp ? pp->FindWorkflow(inst->workflow) : -1;
  const compile::WorkflowDef* wf = w >= 0 ? &pp->workflows[w] : nullptr;
  int st = wf ? wf->FindState(inst->state) : -1;
  const compile::SurveyDef* sd = pp ? pp->FindSurvey(inst->survey) : nullptr;
  json::Set(&d, "workflow_label", wf && !wf->label.empty() ? json::Str(wf->label) : json::Null());
  json::Set(&d, "state_label", st >= 0 && !wf->states[st].label.empty() ? json::Str(wf->states[st].label) : json::Null());
  json::Set(&d, "survey_label", sd && !sd->label.empty() ? json::Str(sd->label) : json::Null());
  if (!inst->task.empty()) {
    auto t = ParseJsonDocument(inst->task);
    if (t.ok()) {
      for (auto& [k, v] : t->members)
        if (k == "data") MaskForReader(*this, *inst, &v);
      json::Set(&d, "task", *t);
    }
  }
  // A unit task shows the unit's current entry in the registry, when it has one.
  auto rev = LatestRevision(id, true);
  std::string register_key;
  if (wf)
    for (auto& a : wf->actions) if (a.registers_unit) register_key = a.register_key;
  if (!register_key.empty()) {
    std::string uscc = inst->record_key;
    if (rev) {
      auto env = ParseJsonDocument(rev->envelope);
      const Doc* data = env.ok() ? env->Find("data") : nullptr;
      if (const std::string* u = data ? json::GetStr(*data, register_key) : nullptr) uscc = *u;
    }
    auto unit = Units(uscc, "");  // masked there
    if (unit.ok() && !unit->empty()) json::Set(&d, "registry", (*unit)[0]);
  }
  if (rev) {
    auto f = ParseJsonDocument(rev->findings);
    auto env = ParseJsonDocument(rev->envelope);
    Doc sub = json::Obj({{"revision", json::Int(rev->revision)}, {"draft", json::Bool(rev->draft)}, {"status", json::Str(rev->status)}});
    if (f.ok() && f->Find("findings")) {
      Doc findings = *f->Find("findings");
      AttachExplanations(&findings, env.ok() ? env->Find("explanations") : nullptr);
      json::Set(&sub, "findings", findings);
    }
    // The figures as submitted, under the labels of the definitions the revision was validated under.
    auto revp = ProgramFor(rev->definitions);
    const compile::Program* rp = revp.ok() ? revp->get() : pp;
    const compile::SurveyDef* rs = rp ? rp->FindSurvey(inst->survey) : nullptr;
    const Doc* data = env.ok() ? env->Find("data") : nullptr;
    if (rs && data) {
      Doc masked = *data;
      MaskRecord(&masked, rs);
      MaskForReader(*this, *inst, &masked);
      Doc rosters;
      json::Set(&sub, "figures", FiguresDoc(*rp, *rs, masked, &rosters));
      json::Set(&sub, "rosters", rosters);
    }
    json::Set(&d, "submission", sub);
  } else {
    json::Set(&d, "submission", json::Null());
  }
  auto hist = History(id);
  if (!hist.ok()) return hist.status();
  Doc events = json::Arr();
  events.items = *hist;
  json::Set(&d, "events", events);
  return d;
}

Result<std::vector<Doc>> StoreImpl::History(const std::string& id) {
  Stmt s(db_.get(), "SELECT body FROM events WHERE instance = ? ORDER BY seq");
  s.Bind(1, id);
  std::vector<Doc> out;
  // Instance ids are WORKFLOW/PERIOD/KEY: the workflow of an id whose instance was never
  // created (a refused first step) is its first part.
  auto inst = GetInstance(id);
  EventLabeller labels(*this, inst ? inst->workflow : id.substr(0, id.find('/')), inst ? inst->definitions : "");
  while (s.Step()) {
    auto b = ParseJsonDocument(s.Text(0));
    if (!b.ok()) continue;
    Doc v = EventView(*b);
    labels.Label(*b, &v);
    out.push_back(std::move(v));
  }
  if (!s.status().ok()) return s.status();
  return out;
}

Result<std::vector<Doc>> StoreImpl::List(const Query& q) {
  if (Status st = Refresh(); !st.ok()) return st;  // who may see what: the organisation as it is now
  auto insts = SelectInstances(q);
  if (!insts.ok()) return insts.status();
  std::vector<Doc> out;
  for (auto& i : *insts) out.push_back(InstanceDoc(i));
  return out;
}

Result<std::vector<Doc>> StoreImpl::Inbox(const std::string& user_id) {
  if (Status st = Refresh(); !st.ok()) return st;  // who may see what: the organisation as it is now
  const User* u = org_.FindUser(user_id);
  if (!u) return StatusIn(lang_, Status::Code::kNotFound, "no_user", {{"user", user_id}});
  Query q;
  q.as = user_id;
  auto insts = SelectInstances(q);
  if (!insts.ok()) return insts.status();
  std::vector<Doc> out;
  for (auto& i : *insts) {
    auto prog = ProgramFor(i.definitions);
    if (!prog.ok()) continue;
    int w = (*prog)->FindWorkflow(i.workflow);
    if (w < 0) continue;
    const auto& wf = (*prog)->workflows[w];
    int st = wf.FindState(i.state);
    Doc actions = json::Arr();
    for (auto& a : wf.actions) {
      if (a.is_save || (a.from_none && a.from.empty())) continue;
      if (std::find(a.from.begin(), a.from.end(), st) == a.from.end()) continue;
      if (!MayTake(*u, **prog, a, i.division)) continue;
      actions.items.push_back(json::Str(a.name));
    }
    if (actions.items.empty()) continue;
    Doc d = InstanceDoc(i);
    json::Set(&d, "actions", actions);
    out.push_back(d);
  }
  return out;
}

Result<Doc> StoreImpl::Progress(const Query& q, int level, const std::string& as_of) {
  if (Status st = Refresh(); !st.ok()) return st;  // who may see what: the organisation as it is now
  auto insts = SelectInstances(q);
  if (!insts.ok()) return insts.status();
  if (level <= 0) level = q.under.empty() ? 3 : std::min(Level(q.under) + 1, 5);
  std::string today = as_of.empty() ? ShanghaiDate(Now()) : as_of;
  int32_t today_days;
  if (!gridstat::ParseDate(today, &today_days)) return StatusIn(lang_, Status::Code::kInvalid, "usage/as_of");
  std::map<std::string, std::map<std::string, int64_t>> by_group;
  std::map<std::string, int64_t> totals;
  Doc overdue = json::Arr();
  for (auto& i : *insts) {
    std::string group = i.division;
    // Bounded like every walk up the tree, although the compiler refuses parent cycles.
    for (int up = 0; up < 64 && !group.empty() && Level(group) > level; ++up) group = Parent(group);
    by_group[group][i.state]++;
    totals[i.state]++;
    auto prog = ProgramFor(i.definitions);
    if (!prog.ok()) continue;
    int w = (*prog)->FindWorkflow(i.workflow);
    if (w < 0) continue;
    const auto& wf = (*prog)->workflows[w];
    for (auto& dl : wf.deadlines) {
      int32_t due = PeriodEnd(i.period) + dl.days;
      if (today_days <= due) continue;
      // Done in time when the action happened (not refused) by the end of the due day, Shanghai time.
      Stmt s(db_.get(), "SELECT body FROM events WHERE instance = ? ORDER BY seq");
      s.Bind(1, i.id);
      bool done = false;
      while (s.Step()) {
        auto b = ParseJsonDocument(s.Text(0));
        if (!b.ok()) continue;
        const std::string* act = json::GetStr(*b, "action");
        const Doc* refused = b->Find("refused");
        const std::string* at = json::GetStr(*b, "at");
        // Done only if it happened by the as-of date (Asia/Shanghai): a later event does not count.
        if (act && *act == wf.actions[dl.action].name && refused && !refused->boolean && at && ShanghaiDate(*at) <= today) {
          done = true;
          break;
        }
      }
      if (!done)
        overdue.items.push_back(json::Obj({{"id", json::Str(i.id)}, {"division", json::Str(i.division)},
                                           {"division_name", json::Str(DivisionName(i.division))}, {"state", json::Str(i.state)},
                                           {"action", json::Str(wf.actions[dl.action].name)}, {"due", json::Str(gridstat::FormatDate(due))}}));
    }
  }
  Doc groups = json::Arr();
  for (auto& [g, states] : by_group) {
    Doc st = json::Obj();
    int64_t n = 0;
    for (auto& [k, v] : states) { st.members.emplace_back(k, json::Int(v)); n += v; }
    groups.items.push_back(json::Obj({{"division", json::Str(g)}, {"name", json::Str(DivisionName(g))}, {"total", json::Int(n)}, {"states", st}}));
  }
  Doc tot = json::Obj();
  int64_t all = 0;
  for (auto& [k, v] : totals) { tot.members.emplace_back(k, json::Int(v)); all += v; }
  return json::Obj({{"survey", json::Str(q.survey)}, {"period", json::Str(q.period)}, {"under", json::OptStr(q.under)},
                    {"level", json::Int(level)}, {"as_of", json::Str(today)}, {"total", json::Int(all)}, {"states", tot},
                    {"by_division", groups}, {"overdue", overdue}});
}

Result<std::string> StoreImpl::ExportCsv(const Query& q) {
  if (Status st = Refresh(); !st.ok()) return st;  // who may see what: the organisation as it is now
  int64_t rows = 0;
  return ExportCsvRows(q, false, &rows);
}

Result<std::string> StoreImpl::ExportCsvRows(const Query& q, bool unmasked, int64_t* rows) {
  auto insts = SelectInstances(q);
  if (!insts.ok()) return insts.status();
  const compile::SurveyDef* s = current_->FindSurvey(q.survey);
  if (!s) return StatusIn(lang_, Status::Code::kNotFound, "no_survey", {{"survey", q.survey}});
  const compile::RosterDef* roster = s->rosters.empty() ? nullptr : &s->rosters[0];
  std::string out = "\xEF\xBB\xBF";  // a BOM, so that spreadsheet programs read the Chinese labels right
  // The header is Chinese whatever the language of the command, as the fields' labels are.
  auto column = [](std::string_view key) { return Message(Lang::kZh, key); };
  std::vector<std::string> head = {column("csv_column/instance"), column("csv_column/division"),
                                   column("csv_column/division_name"), column("csv_column/state"),
                                   column("csv_column/version")};
  for (auto& f : s->fields) head.push_back(f.label.empty() ? f.name : f.label + (f.unit.empty() ? "" : "(" + f.unit + ")"));
  if (roster) {
    head.push_back(column("csv_column/row"));
    for (auto& f : roster->fields) head.push_back(f.label.empty() ? f.name : f.label);
  }
  for (size_t i = 0; i < head.size(); ++i) out += (i ? "," : "") + CsvCell(head[i]);
  out += "\r\n";
  auto text = [](const Doc* d) -> std::string {
    if (!d) return "";
    if (d->kind == Doc::Kind::kString || d->kind == Doc::Kind::kNumber) return d->text;
    if (d->kind == Doc::Kind::kBool) return d->boolean ? "true" : "false";
    return "";
  };
  for (auto& i : *insts) {
    if (!IsAccepted(i)) continue;
    auto rev = LatestRevision(i.id, false);
    if (!rev) continue;
    auto env = ParseJsonDocument(rev->envelope);
    const Doc* data = env.ok() ? env->Find("data") : nullptr;
    if (!data) continue;
    std::vector<std::string> row = {i.id, i.division, DivisionName(i.division), i.state, std::to_string(i.version)};
    for (auto& f : s->fields) {
      std::string v = text(data->Find(f.name));
      row.push_back(f.masked && !unmasked ? MaskIdNumberForView(v) : v);
    }
    auto emit = [&](const std::vector<std::string>& cells) {
      for (size_t k = 0; k < cells.size(); ++k) out += (k ? "," : "") + CsvCell(cells[k]);
      out += "\r\n";
      ++*rows;
    };
    const Doc* rows = roster ? data->Find(roster->name) : nullptr;
    if (roster && rows && rows->kind == Doc::Kind::kArray && !rows->items.empty()) {
      for (size_t r = 0; r < rows->items.size(); ++r) {
        auto cells = row;
        cells.push_back(std::to_string(r + 1));
        for (auto& f : roster->fields) {
          std::string v = text(rows->items[r].Find(f.name));
          cells.push_back(f.masked && !unmasked ? MaskIdNumberForView(v) : v);
        }
        emit(cells);
      }
    } else {
      emit(row);
    }
  }
  return out;
}

Result<std::vector<Doc>> StoreImpl::Units(const std::string& uscc, const std::string& under) {
  Stmt s(db_.get(), "SELECT uscc, instance, revision, division, data, accepted_seq FROM units WHERE (?1 = '' OR uscc = ?1) ORDER BY uscc");
  s.Bind(1, uscc);
  std::vector<Doc> out;
  while (s.Step()) {
    if (!under.empty() && !Within(s.Text(3), under)) continue;
    auto data = ParseJsonDocument(s.Text(4));
    if (data.ok()) {
      auto inst = GetInstance(s.Text(1));
      if (inst) MaskForReader(*this, *inst, &*data);
    }
    out.push_back(json::Obj({{"uscc", json::Str(s.Text(0))}, {"instance", json::Str(s.Text(1))}, {"revision", json::Int(s.Int(2))},
                             {"division", json::Str(s.Text(3))}, {"accepted_seq", json::Int(s.Int(5))},
                             {"data", data.ok() ? *data : json::Null()}}));
  }
  if (!s.status().ok()) return s.status();
  return out;
}

}  // namespace gridstat::store
