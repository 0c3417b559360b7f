// Internal: what `show` and `audit history` add to the stored facts so that reviewers and
// auditors can read them: the submitted figures under their labels and units, code labels,
// explanations, state, action and role labels from the definitions, people's names from the
// organisation, and times in Asia/Shanghai. Every label comes from the definitions; nothing
// here knows a survey, state or action by name.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/store_impl.h"

namespace gridstat::store {

// An RFC 3339 time (`2022-01-10T02:00:00Z`, or with a numeric offset) as Asia/Shanghai local
// time: `2022-01-10 10:00:00 +08:00`. Fractions of a second are kept. nullopt when `rfc3339`
// is not such a time (GRIDSTAT_NOW may hold anything).
std::optional<std::string> ShanghaiTime(const std::string& rfc3339);

// The figures of a record (`data`, already masked for the reader) under survey `s` of `p`, in
// the survey's declared order:
//   figures: [{name, label, unit, value, code_label?}]   one per top-level field
//   rosters: [{name, label, columns: [{name, label, unit}], rows: [[{value, code_label?}]]}]
// `value` is the submitted value as stored (null when missing). `code_label` is present for a
// code or division field whose value is in its list. Keys the survey does not declare are left out.
Doc FiguresDoc(const compile::Program& p, const compile::SurveyDef& s, const Doc& data, Doc* rosters);

// Gives each warning finding of `findings` (an array) an `explanation` member: the envelope's
// explanation of its rule (`explanations`, may be null), or null.
void AttachExplanations(Doc* findings, const Doc* explanations);

// Labels events of one instance: `action_label`, `from_label`, `to_label`, `role_label`,
// `actor_name` and `at_local`. Labels come from the definitions version each event names
// (else the instance's), names from the organisation in force when the event was recorded.
class EventLabeller {
 public:
  // `workflow` names the instance's workflow, `pinned` its definitions hash (either may be empty).
  EventLabeller(StoreImpl& store, std::string workflow, std::string pinned);
  void Label(const Doc& body, Doc* view);

 private:
  const compile::Program* ProgramFor(const std::string& hash);
  std::optional<std::string> NameAt(const std::string& user, int64_t seq) const;

  StoreImpl& store_;
  std::string workflow_, pinned_;
  std::map<std::string, std::shared_ptr<const compile::Program>> programs_;
  std::vector<std::pair<int64_t, Org>> orgs_;  // every recorded organisation, by seq
};

}  // namespace gridstat::store
