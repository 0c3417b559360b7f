// The JSON forms of command results and of audit verification, shared by the CLI's
// --format json and the C API so that the two cannot drift apart.
#include "common/json.h"
#include "gridstat/store.h"

namespace gridstat {

const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kDone: return "done";
    case Outcome::kRefused: return "refused";
    case Outcome::kConflict: return "conflict";
    case Outcome::kCannotRun: return "error";
  }
  return "error";
}

Outcome GravestOutcome(const std::vector<ActionResult>& results) {
  auto rank = [](Outcome o) {
    switch (o) {
      case Outcome::kDone: return 0;
      case Outcome::kRefused: return 1;
      case Outcome::kConflict: return 2;
      case Outcome::kCannotRun: return 3;
    }
    return 3;
  };
  Outcome worst = Outcome::kDone;
  for (const auto& r : results)
    if (rank(r.outcome) > rank(worst)) worst = r.outcome;
  return worst;
}

std::string ActionResultJson(const ActionResult& r) {
  Doc report = json::Null();
  if (r.report) {
    auto parsed = ParseJsonDocument(ReportToJson(*r.report));
    if (parsed.ok()) report = std::move(*parsed);
  }
  return json::Canonical(json::Obj({{"instance", json::Str(r.instance)},
                                    {"outcome", json::Str(OutcomeName(r.outcome))},
                                    {"code", json::Str(r.code)},
                                    {"message", json::Str(r.message)},
                                    {"changed", json::Bool(r.changed)},
                                    {"repeated", json::Bool(r.repeated)},
                                    {"report", std::move(report)}}));
}

std::string VerifyJson(const VerifyResult& r) {
  bool cp = r.ok && r.checkpoints_checked > 0;
  Doc checkpoint = cp ? json::Obj({{"file", json::Str(r.checkpoint_file)},
                                   {"version", json::Int(r.checkpoint_version)},
                                   {"events", json::Int(r.checkpoint_events)},
                                   {"head", json::Str(r.checkpoint_head)},
                                   {"signed_at", json::OptStr(r.checkpoint_at)},
                                   {"checked", json::Int(r.checkpoints_checked)},
                                   {"key", json::Str(r.checkpoint_key)}})
                      : json::Null();
  return json::Canonical(
      json::Obj({{"ok", json::Bool(r.ok)},
                 {"events", json::Int(r.events)},
                 {"instances", json::Int(r.instances)},
                 {"submissions", json::Int(r.submissions)},
                 {"first_bad_seq", r.ok || r.cannot_run ? json::Null() : json::Int(r.first_bad_seq)},
                 {"problem", json::OptStr(r.problem)},
                 {"cannot_run", json::Bool(r.cannot_run)},
                 {"proved", r.ok ? json::Str(cp ? "checkpoint" : "internal_consistency") : json::Null()},
                 {"checkpoint", checkpoint},
                 {"note", json::OptStr(r.note)}}));
}

}  // namespace gridstat
