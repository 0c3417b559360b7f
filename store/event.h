// An event of the log, as doc/audit.md ("Event encoding") describes it: its kinds and its
// members are named here, once. Every event the store writes is an EventBody built from these
// names; AppendEvent (store.cc) is the one place that completes it (seq, at, format, request)
// and chains it. A test holds the names to doc/audit.md.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "gridstat/document.h"

namespace gridstat::store {

enum class EventKind { kAction, kPublish, kOrg, kMigrate, kExport, kConfig };

enum class Ev {
  // who, and what
  kSeq, kAt, kFormat, kKind, kActor, kRole, kActorDivision,
  kAction, kWorkflow, kInstance, kSurvey, kPeriod, kRecordKey, kTask, kUnder,
  // the step
  kFrom, kTo, kJurisdictionBefore, kJurisdiction, kVersion, kRefused, kReason, kMessage,
  kRequestId, kRequest, kDefinitions, kComment, kTarget, kSubmission, kUnit,
  // publish, org, migrate, export, config
  kTests, kSkipTests, kAttempted, kOrg, kChanges, kState, kStateBefore, kMap, kFromDefinitions,
  kWhat, kUnmasked, kRows, kAutoCheckpoint,
};
inline constexpr Ev kAllEventMembers[] = {
    Ev::kSeq, Ev::kAt, Ev::kFormat, Ev::kKind, Ev::kActor, Ev::kRole, Ev::kActorDivision,
    Ev::kAction, Ev::kWorkflow, Ev::kInstance, Ev::kSurvey, Ev::kPeriod, Ev::kRecordKey, Ev::kTask, Ev::kUnder,
    Ev::kFrom, Ev::kTo, Ev::kJurisdictionBefore, Ev::kJurisdiction, Ev::kVersion, Ev::kRefused, Ev::kReason, Ev::kMessage,
    Ev::kRequestId, Ev::kRequest, Ev::kDefinitions, Ev::kComment, Ev::kTarget, Ev::kSubmission, Ev::kUnit,
    Ev::kTests, Ev::kSkipTests, Ev::kAttempted, Ev::kOrg, Ev::kChanges, Ev::kState, Ev::kStateBefore, Ev::kMap,
    Ev::kFromDefinitions, Ev::kWhat, Ev::kUnmasked, Ev::kRows, Ev::kAutoCheckpoint,
};
inline constexpr EventKind kAllEventKinds[] = {EventKind::kAction, EventKind::kPublish, EventKind::kOrg,
                                               EventKind::kMigrate, EventKind::kExport, EventKind::kConfig};

const char* EventKindName(EventKind k);  // "action", "publish" ...
const char* EventMemberName(Ev m);        // "jurisdiction_before" ...

// Members to add to an event, for a caller that hands some to another (a refusal's extras).
using EventMembers = std::vector<std::pair<Ev, Doc>>;

class EventBody {
 public:
  explicit EventBody(EventKind kind);
  // The user who acts: `actor`, and their `role` and `actor_division` (null for no such user).
  EventBody(EventKind kind, const std::string& actor, const std::string* role, const std::string* division);
  EventBody& Set(Ev m, Doc value);
  EventBody& Set(const EventMembers& members);
  const Doc* Find(Ev m) const;
  const Doc& doc() const { return doc_; }

 private:
  Doc doc_;
};

}  // namespace gridstat::store
