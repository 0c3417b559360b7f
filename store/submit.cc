// submit and save: a submission stored as a new revision of its instance (created by its
// first submission when the workflow allows it), with the report the policy makes of it;
// a submission moves the instance on, a draft (save) does not.
#include "common/files.h"
#include "common/json.h"
#include "validate/guard.h"
#include "store/store_impl.h"

namespace gridstat::store {

namespace {

using compile::ActionDef;
using compile::WorkflowDef;

Doc EnvelopeDoc(const Envelope& e) {
  Doc ex = json::Obj();
  for (auto& [k, v] : e.explanations) {
    auto c = e.confirmed.find(k);
    ex.members.emplace_back(k, c == e.confirmed.end() ? json::Str(v) : json::Obj({{"text", json::Str(v)}, {"digest", json::Str(c->second)}}));
  }
  return json::Obj({{"id", e.id ? json::Str(*e.id) : json::Null()}, {"survey", json::Str(e.survey)},
                    {"period", json::Str(e.period)}, {"division", json::Str(e.division)}, {"data", e.data},
                    {"explanations", ex}});
}

}  // namespace

// ---- submit -------------------------------------------------------------------
std::vector<ActionResult> StoreImpl::Submit(const std::string& actor, const std::vector<Envelope>& subs,
                                            const std::string& instance_id, bool draft, const std::string& request_id) {
  std::vector<ActionResult> out;
  std::string fp;
  if (!request_id.empty()) {
    Doc data = json::Arr();
    for (const Envelope& e : subs) data.items.push_back(json::Str(gridstat::Sha256Hex(json::Canonical(EnvelopeDoc(e)))));
    fp = RequestFingerprint(json::Obj({{"command", json::Str("submit")}, {"actor", json::Str(actor)}, {"draft", json::Bool(draft)},
                                       {"instance", json::Str(instance_id)}, {"submissions", data}}));
  }
  RequestScope request(this, fp);
  Status st = BeginCommand();
  if (!st.ok()) {
    out.push_back(MakeResult("", db_->busy() ? Outcome::kConflict : Outcome::kCannotRun, "busy", st.message()));
    return out;
  }
  const User* user = org_.FindUser(actor);
  for (const Envelope& raw : subs) {
    if (StepFailed(out)) {
      out.push_back(MakeResult(raw.file + ":" + std::to_string(raw.line), Outcome::kCannotRun, "store", Msg("store")));
      continue;
    }
    const WorkflowDef* cwf = WorkflowFor(*current_, raw.survey);
    std::string where = raw.file + ":" + std::to_string(raw.line);
    if (!cwf) {
      out.push_back(Refuse(where, actor, user, draft ? "save" : "submit", "no_workflow",
                           Msg("no_workflow", {{"where", where}, {"survey", raw.survey}}),
                           request_id, Outcome::kRefused, nullptr));
      continue;
    }
    // Find the instance: named outright, or by survey, period and record key.
    std::optional<Instance> inst;
    std::string id = instance_id;
    std::string key;
    if (!id.empty()) {
      inst = GetInstance(id);
    } else {
      auto k = Validator(current_).RecordKey(raw);
      if (!k) {
        out.push_back(Refuse(where, actor, user, draft ? "save" : "submit", "no_key",
                             Msg("no_key", {{"where", where}}),
                             request_id, Outcome::kRefused, nullptr));
        continue;
      }
      key = *k;
      Stmt s(db_.get(), "SELECT id FROM instances WHERE workflow = ? AND period = ? AND record_key = ?");
      s.Bind(1, cwf->name).Bind(2, raw.period).Bind(3, key);
      if (s.Step()) { id = s.Text(0); inst = GetInstance(id); }
      else id = cwf->name + "/" + raw.period + "/" + RecordKeyForId(key);
    }
    if (auto rep = Repeated(request_id, id, actor, draft ? "save" : "submit")) {
      if (rep->code == "request_id_reused")
        out.push_back(Refuse(id, actor, user, draft ? "save" : "submit", rep->code, rep->message, "", Outcome::kRefused, nullptr));
      else
        out.push_back(*rep);
      continue;
    }
    auto prog_r = ProgramFor(inst ? inst->definitions : current_hash_);
    if (!prog_r.ok()) { out.push_back(MakeResult(id, Outcome::kCannotRun, "store", prog_r.status().message())); continue; }
    const compile::Program& prog = **prog_r;
    const WorkflowDef& wf = prog.workflows[prog.FindWorkflow(inst ? inst->workflow : cwf->name)];
    const ActionDef* a = nullptr;
    for (auto& x : wf.actions) if (x.needs_submission && x.is_save == draft) a = &x;
    std::string action = a ? a->name : (draft ? "save" : "submit");
    if (!user) {
      out.push_back(Refuse(id, actor, nullptr, action, "no_user", Msg("no_user", {{"user", actor}}), request_id,
                           Outcome::kRefused, nullptr));
      continue;
    }
    if (!a) {
      std::string why = Msg("unknown_action/submit", {{"workflow", wf.name}});
      out.push_back(Refuse(id, actor, user, action, "unknown_action", why, request_id, Outcome::kRefused, nullptr));
      continue;
    }
    bool create = !inst;
    if (create && (!a->from_none || !instance_id.empty())) {
      out.push_back(Refuse(id, actor, user, action, "no_access",
                           Msg("no_access/not_created", {{"instance", id}}),
                           request_id, Outcome::kRefused, nullptr));
      continue;
    }
    if (!create && !CanSee(*user, *inst)) {
      out.push_back(Refuse(id, actor, user, action, "no_access",
                           Msg("no_access", {{"instance", id}}),
                           request_id, Outcome::kRefused, nullptr));
      continue;
    }
    Instance cur;
    if (create) {
      cur.id = id;
      cur.workflow = wf.name;
      cur.survey = raw.survey;
      cur.period = raw.period;
      cur.record_key = key;
      cur.division = raw.division;
      cur.definitions = current_hash_;
    } else {
      cur = *inst;
    }
    auto refuse = [&](const std::string& code, const std::string& message, EventMembers extra = {}) {
      return Refuse(id, actor, user, action, code, message, request_id, Outcome::kRefused, create ? nullptr : &cur,
                    std::move(extra));
    };
    if (!MayTake(*user, prog, *a, cur.division)) {
      out.push_back(refuse("no_permission", Msg("no_permission/submit", {{"role", user->role},
                                                                         {"division", user->division},
                                                                         {"action", ActionName(*a)}})));
      continue;
    }
    Verdict step = Policy(prog).Judge(wf, *a, Step{create, cur.state, cur.division, "", ""});
    if (!step.ok()) {
      if (auto who = step.code == "wrong_state" && !create ? LostRace(cur, wf, *a, actor) : std::nullopt) {
        out.push_back(Refuse(id, actor, user, action, "conflict",
                             Msg("conflict", {{"user", *who}, {"state", cur.state}, {"action", ActionName(*a)}}),
                             request_id, Outcome::kConflict, &cur));
        continue;
      }
      out.push_back(refuse(step.code, step.message.in(lang_)));
      continue;
    }
    if (raw.survey != cur.survey || raw.period != cur.period || raw.division != cur.division) {
      out.push_back(refuse("mismatch", Msg("mismatch", {{"survey", raw.survey}, {"period", raw.period},
                                                        {"division", raw.division}, {"instance_survey", cur.survey},
                                                        {"instance_period", cur.period},
                                                        {"instance_division", cur.division}})));
      continue;
    }
    // The stored form is canonical, and the report is made from exactly that form,
    // so that replay reproduces it byte for byte.
    std::string envelope = json::Canonical(EnvelopeDoc(raw));
    const auto& sdef = prog.surveys[wf.survey];
    // The report, as the policy makes a stored revision's (policy.h): under the instance's
    // definitions, against the accepted revision of the previous period, with the
    // explanations that counted in the latest submitted revision before it.
    std::optional<Revision> previous_rev;
    if (sdef.uses_prev) {
      auto pp = Validator(*prog_r).PreviousPeriod(cur.survey, cur.period);
      std::string prev_id = pp ? AcceptedInstance(wf.name, *pp, cur.record_key) : std::string();
      if (!prev_id.empty()) previous_rev = LatestRevision(prev_id, false);
    }
    std::string prev_instance = previous_rev ? previous_rev->instance : std::string();
    int64_t prev_revision = previous_rev ? previous_rev->revision : 0;
    ExplanationHistory earlier;
    if (!create)
      if (auto submitted = LatestRevision(id, false)) earlier = workflow::CountedExplanations(submitted->envelope, submitted->findings);
    workflow::RevisionInputs inputs;
    inputs.program = *prog_r;
    inputs.envelope = envelope;
    inputs.previous_envelope = previous_rev ? &previous_rev->envelope : nullptr;
    inputs.earlier = &earlier;
    Envelope env;
    Report report;
    std::string problem;
    if (!workflow::RevisionReport(inputs, &env, &report, &problem)) {
      out.push_back(MakeResult(id, Outcome::kCannotRun, "store", problem));
      continue;
    }
    std::string findings = ReportToJson(report);
    Report shown = report;  // in the caller's language; what is stored is always Chinese
    if (lang_ != Lang::kZh) {
      inputs.lang = lang_;
      Envelope unused;
      workflow::RevisionReport(inputs, &unused, &shown, &problem);
    }
    Revision rev;
    rev.instance = id;
    auto latest = create ? std::nullopt : LatestRevision(id, true);
    rev.revision = latest ? latest->revision + 1 : 1;
    rev.draft = draft;
    rev.envelope = envelope;
    rev.data_hash = gridstat::Sha256Hex(envelope);
    rev.findings = findings;
    rev.findings_hash = gridstat::Sha256Hex(findings);
    rev.status = StatusName(report.status);
    rev.definitions = cur.definitions;
    rev.previous_instance = prev_instance;
    rev.previous_revision = prev_revision;
    Doc sub = json::Obj({{"revision", json::Int(rev.revision)}, {"draft", json::Bool(draft)}, {"data_hash", json::Str(rev.data_hash)},
                         {"findings_hash", json::Str(rev.findings_hash)}, {"status", json::Str(rev.status)},
                         {"report_format", json::Int(Validator::kReportFormat)},
                         {"previous", prev_instance.empty() ? json::Null() : json::Obj({{"instance", json::Str(prev_instance)}, {"revision", json::Int(prev_revision)}})}});
    if (!draft) {
      if (auto failing = validate::FailingGuard(prog, sdef, env, report, a->guards, lang_)) {
        std::string message = *failing;
        for (auto& f : report.findings)
          if (f.stale_explanation)
            message += Msg("guard/stale_explanation",
                           {{"rule", f.rule}, {"digest", f.digest}, {"lbrace", "{"}, {"rbrace", "}"}});
        ActionResult r = refuse("guard", message, {{Ev::kSubmission, sub}});
        r.report = shown;
        out.push_back(r);
        continue;
      }
    }
    std::string before = create ? "" : cur.state;
    if (!draft) {
      cur.state = wf.states[a->to].name;
      cur.version = create ? 1 : cur.version + 1;
    }
    EventBody body = NewEvent(EventKind::kAction, actor, user);
    body.Set(Ev::kAction, json::Str(a->name));
    body.Set(Ev::kWorkflow, json::Str(wf.name));
    body.Set(Ev::kInstance, json::Str(id));
    if (create) {
      body.Set(Ev::kSurvey, json::Str(cur.survey));
      body.Set(Ev::kPeriod, json::Str(cur.period));
      body.Set(Ev::kRecordKey, json::Str(cur.record_key));
    }
    body.Set(Ev::kFrom, create ? json::Null() : json::Str(before));
    body.Set(Ev::kTo, create && draft ? json::Null() : json::Str(cur.state));
    body.Set(Ev::kJurisdiction, json::Str(cur.division));
    body.Set(Ev::kVersion, json::Int(cur.version));
    body.Set(Ev::kRefused, json::Bool(false));
    body.Set(Ev::kRequestId, json::OptStr(request_id));
    body.Set(Ev::kDefinitions, json::Str(cur.definitions));
    body.Set(Ev::kSubmission, sub);
    if (create && draft) {
      out.push_back(refuse("no_instance", Msg("no_instance/draft")));
      continue;
    }
    auto ev = AppendEvent(body);
    if (!ev.ok()) { out.push_back(MakeResult(id, Outcome::kCannotRun, "store", ev.status().message())); continue; }
    rev.seq = json::GetInt(*ev, "seq");
    if (create) cur.created_seq = rev.seq;
    if (!(st = PutRevision(rev)).ok() || !(st = PutInstance(cur, create)).ok()) {
      out.push_back(MakeResult(id, Outcome::kCannotRun, "store", st.message()));
      continue;
    }
    ActionResult r;
    r.instance = id;
    r.changed = !draft;
    r.report = shown;
    out.push_back(r);
  }
  FinishCommand(&out);
  return out;
}

}  // namespace gridstat::store
