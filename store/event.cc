#include "store/event.h"

#include "common/json.h"

namespace gridstat::store {

const char* EventKindName(EventKind k) {
  switch (k) {
    case EventKind::kAction: return "action";
    case EventKind::kPublish: return "publish";
    case EventKind::kOrg: return "org";
    case EventKind::kMigrate: return "migrate";
    case EventKind::kExport: return "export";
    case EventKind::kConfig: return "config";
  }
  return "";
}

const char* EventMemberName(Ev m) {
  switch (m) {
    case Ev::kSeq: return "seq";
    case Ev::kAt: return "at";
    case Ev::kFormat: return "format";
    case Ev::kKind: return "kind";
    case Ev::kActor: return "actor";
    case Ev::kRole: return "role";
    case Ev::kActorDivision: return "actor_division";
    case Ev::kAction: return "action";
    case Ev::kWorkflow: return "workflow";
    case Ev::kInstance: return "instance";
    case Ev::kSurvey: return "survey";
    case Ev::kPeriod: return "period";
    case Ev::kRecordKey: return "record_key";
    case Ev::kTask: return "task";
    case Ev::kUnder: return "under";
    case Ev::kFrom: return "from";
    case Ev::kTo: return "to";
    case Ev::kJurisdictionBefore: return "jurisdiction_before";
    case Ev::kJurisdiction: return "jurisdiction";
    case Ev::kVersion: return "version";
    case Ev::kRefused: return "refused";
    case Ev::kReason: return "reason";
    case Ev::kMessage: return "message";
    case Ev::kRequestId: return "request_id";
    case Ev::kRequest: return "request";
    case Ev::kDefinitions: return "definitions";
    case Ev::kComment: return "comment";
    case Ev::kTarget: return "target";
    case Ev::kSubmission: return "submission";
    case Ev::kUnit: return "unit";
    case Ev::kTests: return "tests";
    case Ev::kSkipTests: return "skip_tests";
    case Ev::kAttempted: return "attempted";
    case Ev::kOrg: return "org";
    case Ev::kChanges: return "changes";
    case Ev::kState: return "state";
    case Ev::kStateBefore: return "state_before";
    case Ev::kMap: return "map";
    case Ev::kFromDefinitions: return "from_definitions";
    case Ev::kWhat: return "what";
    case Ev::kUnmasked: return "unmasked";
    case Ev::kRows: return "rows";
    case Ev::kAutoCheckpoint: return "auto_checkpoint";
  }
  return "";
}

EventBody::EventBody(EventKind kind) : doc_(json::Obj()) { Set(Ev::kKind, json::Str(EventKindName(kind))); }

EventBody::EventBody(EventKind kind, const std::string& actor, const std::string* role, const std::string* division)
    : EventBody(kind) {
  Set(Ev::kActor, json::Str(actor));
  Set(Ev::kRole, role ? json::Str(*role) : json::Null());
  Set(Ev::kActorDivision, division ? json::Str(*division) : json::Null());
}

EventBody& EventBody::Set(Ev m, Doc value) {
  json::Set(&doc_, EventMemberName(m), std::move(value));
  return *this;
}

EventBody& EventBody::Set(const EventMembers& members) {
  for (auto& [m, v] : members) Set(m, v);
  return *this;
}

const Doc* EventBody::Find(Ev m) const { return doc_.Find(EventMemberName(m)); }

}  // namespace gridstat::store
