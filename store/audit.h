// Internal: the auditor's side of the store, split over audit_verify.cc (the verifier:
// the hash chain, the rows its events give, lawful steps, guards, submissions re-run under
// their definitions), audit_export.cc (the audit data, read from a store or from an audit
// export, the export written; verify, backup, export --unmasked), audit_checkpoint.cc
// (signed checkpoints, automatic ones) and replay.cc. The same verifier runs on the
// database and on an audit export, so an auditor needs only the export.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "gridstat/store.h"
#include "store/store_impl.h"

namespace gridstat::store {

struct EventRow {
  int64_t seq = 0;
  std::string instance, request_id, body, prev_hash, hash;
};

// Everything the verifier reads, from the database or from an export.
struct AuditData {
  std::vector<EventRow> events;
  std::map<std::string, std::string> definitions;  // hash -> canonical files object
  std::vector<Revision> submissions;
  std::vector<Instance> instances;
  std::vector<Doc> units;  // uscc, instance, revision, division, data, accepted_seq
  Doc org;                 // users and grids
  std::string current_definitions;  // meta.current_definitions
  std::map<std::string, std::string> meta;  // every row of meta (an export: meta.json)
  bool has_published_seq = false;           // the store has them; an export does not
  std::map<std::string, int64_t> published_seq;  // definitions.published_seq
  std::string schema_problem;  // how sqlite_master differs from the schema gridstat creates
};

constexpr const char* kAutoCheckpointKey = "auto_checkpoint";

// A member's text, or "" when it is absent or not text: the verifier reads hostile input.
std::string Str(const Doc& d, const char* key);

// Reads a file that must be a regular file (see audit_export.cc). follow: the path was named
// by the user (a checkpoint, a key), so a symlink to it is fine.
Result<std::string> ReadRegular(const std::string& path, size_t max_bytes, bool follow);
Status WriteFile(const std::filesystem::path& p, const std::string& content);

// An instance row as the store holds it and an export lists it.
Doc InstanceRowDoc(const Instance& i);

// Everything in the store, read in one read transaction (one snapshot of the WAL).
Result<AuditData> LoadFromDb(Db* db);

// The verifier (audit_verify.cc): whether the data is what its events give.
VerifyResult VerifyAuditData(const AuditData& d);

// Checks the signed checkpoints asked for against a log that VerifyAuditData has passed
// (audit_checkpoint.cc).
VerifyResult CheckCheckpoints(const AuditData& d, VerifyResult r, const VerifyOptions& o);

// What the auditor finds wrong is reported in English (VerifyResult::problem), whatever the
// language of the command; the catalogue holds each problem in Chinese too.
constexpr Lang kAuditLang = Lang::kEn;
inline std::string AuditProblem(std::string_view key, MessageArgs args = {}) { return Message(kAuditLang, key, args); }

}  // namespace gridstat::store
