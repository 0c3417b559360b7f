// The workflow policy, written once: who may take which step, where it leads, and what
// report a stored revision gives. The store asks it before it acts; `audit verify` asks it
// again of every recorded step. Both pass the definitions version the instance (or the
// revision) is pinned to, so the two answers cannot drift apart.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/messages.h"
#include "compile/program.h"
#include "gridstat/validate.h"

namespace gridstat::workflow {

// Who acts: a user of the organisation, as the store knows them and as an event records them.
struct Actor {
  std::string id, role, division;
  std::string scope;  // the village of a grid worker's grid; else the division
};

// A step someone asks to take: action `a` of workflow `wf` on an instance.
struct Step {
  bool creates = false;      // the instance does not exist yet
  std::string from;          // its state (when it exists)
  std::string jurisdiction;  // where it is (a new one: where it will be)
  std::string comment, target;
};

// Why a step is not lawful (`code` empty when it is), and where a lawful one leads.
struct Verdict {
  std::string code;     // the refusal code (wrong_state, missing_comment, bad_target, ...)
  MessageText message;  // why, in both languages (doc/codes.md)
  std::string to;            // the state after the step
  std::string jurisdiction;  // where the instance is after the step
  bool ok() const { return code.empty(); }
};

class Policy {
 public:
  explicit Policy(const compile::Program& p) : p_(p) {}

  // The division tree of the definitions: a code's level (0: not in the tree), its parent,
  // and whether it lies within `ancestor` (itself included).
  int Level(const std::string& code) const;
  std::string Parent(const std::string& code) const;
  bool Within(const std::string& code, const std::string& ancestor) const;
  // The role acts for one village (a coordinator, a grid worker). An unknown role does too:
  // it gets the narrowest reach.
  bool VillageLevel(const std::string& role) const;

  // May `u` take `a` on an instance whose jurisdiction is `jurisdiction`: a role the action
  // names, acting within its reach, or the holder of the instance when the action allows it.
  bool MayTake(const Actor& u, const compile::ActionDef& a, const std::string& jurisdiction) const;
  // Whether the workflow allows the step (its from-state, comment and target), and where
  // it leads. Permission is MayTake's question, asked separately.
  Verdict Judge(const compile::WorkflowDef& wf, const compile::ActionDef& a, const Step& s) const;

 private:
  const compile::Table* Tree() const;
  const compile::Program& p_;
};

// The state names of `states`, joined for a message.
std::string StateNames(const compile::WorkflowDef& wf, const std::vector<int>& states);

// ---- what a stored revision's report is ------------------------------------------------
// The inputs that decide it, all recorded in the store.
struct RevisionInputs {
  std::shared_ptr<const compile::Program> program;  // the definitions the revision is pinned to
  std::string envelope;                            // the stored, canonical envelope
  const std::string* previous_envelope = nullptr;  // the accepted previous-period revision it was judged against
  // The explanations that counted in the latest submitted revision of the instance before
  // it (report format 2): one carried over word for word for changed values does not count.
  const ExplanationHistory* earlier = nullptr;
  int format = Validator::kReportFormat;  // as recorded in its event (doc/audit.md)
  Lang lang = Lang::kZh;                  // stored reports are always Chinese
};
// The report, and the envelope decoded; false with `problem` when the inputs cannot be read.
bool RevisionReport(const RevisionInputs& in, Envelope* env, Report* report, std::string* problem);

// The explanations that counted in a stored revision, each with the digest of the values it
// explained: its envelope's explanations of the warnings its findings mark explained. Findings
// of format 1 carry no digests, so nothing of such a revision is held against a later one.
ExplanationHistory CountedExplanations(const std::string& envelope, const std::string& findings);

// A stored report read back (rule, severity, explained, digest): what guards count.
Report StoredReport(const std::string& findings);

// Whether the guards of an act action (not a submission) hold, judged on the stored report
// of the latest submitted revision (`envelope` and `findings` null when there is none): the
// message of the first guard that fails, or nullopt.
std::optional<std::string> ActGuardFailure(const compile::Program& prog, const compile::WorkflowDef& wf,
                                           const compile::ActionDef& a, const std::string* envelope,
                                           const std::string* findings, Lang lang);

}  // namespace gridstat::workflow
