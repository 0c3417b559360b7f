// The audit commands: verify, history, export, auto-checkpoint, checkpoint.
#include <iostream>

#include "cli/cli.h"
#include "common/json.h"
#include "common/messages.h"
#include "common/text.h"

namespace gridstat::cli {
namespace {

// ---- verify ---------------------------------------------------------------------------------

struct VerifyCommandOptions {
  std::string db, checkpoint, checkpoint_dir, pubkey, export_dir;
};

// The result of audit verify: exit 0 verified, 1 something does not hold, 2 an input (a
// checkpoint, its key, the export) could not be read. The output always says what was proved.
int PrintVerify(const VerifyResult& r, const Common& c) {
  Lang l = c.L();
  bool cp = r.ok && r.checkpoints_checked > 0;
  if (c.json()) {
    std::cout << VerifyJson(r) << "\n";
  } else if (r.ok) {
    std::cout << Message(l, "verify/ok",
                         {{"events", std::to_string(r.events)},
                          {"instances", std::to_string(r.instances)},
                          {"submissions", std::to_string(r.submissions)}})
              << "\n";
    if (cp) {
      std::string at = r.checkpoint_at.empty() ? Message(l, "verify/unsigned") : r.checkpoint_at;
      std::cout << Message(l, "verify/checkpoint",
                           {{"file", EscapeControls(r.checkpoint_file)},
                            {"version", std::to_string(r.checkpoint_version)},
                            {"events", std::to_string(r.checkpoint_events)},
                            {"head", r.checkpoint_head},
                            {"at", at}})
                << "\n";
      std::cout << Message(
                       l, "verify/proved_checkpoint",
                       {{"count", std::to_string(r.checkpoints_checked)}, {"key", EscapeControls(r.checkpoint_key)}})
                << "\n";
      if (r.checkpoint_events < r.events)
        std::cout << Message(l, "verify/after_checkpoint",
                             {{"from", std::to_string(r.checkpoint_events + 1)}, {"to", std::to_string(r.events)}})
                  << "\n";
    } else {
      if (!r.note.empty()) std::cout << EscapeControls(r.note) << "\n";
      std::cout << Message(l, "verify/internal_only") << "\n";
    }
  } else if (r.cannot_run) {
    std::cerr << Message(l, "verify/cannot", {{"problem", EscapeControls(r.problem)}}) << "\n";
  } else {
    std::cout << Message(l, "verify/failed",
                         {{"seq", std::to_string(r.first_bad_seq)}, {"problem", EscapeControls(r.problem)}})
              << "\n";
  }
  std::cout.flush();
  return r.ok ? kExitOk : r.cannot_run ? kExitCannotRun : kExitFindings;
}

int RunVerify(const VerifyCommandOptions& o, const Common& c) {
  VerifyOptions v;
  v.checkpoint = o.checkpoint;
  v.checkpoint_dir = o.checkpoint_dir;
  v.pubkey = o.pubkey;
  v.configured_dir = o.checkpoint.empty() && o.checkpoint_dir.empty();
  v.lang = c.L();
  // A public key with exactly one of the two, or none of the three.
  if ((!o.checkpoint.empty() || !o.checkpoint_dir.empty() || !o.pubkey.empty()) &&
      (o.pubkey.empty() || (o.checkpoint.empty() == o.checkpoint_dir.empty()))) {
    std::cerr << Message(c.L(), "usage/pubkey") << "\n";
    return kExitCannotRun;
  }
  if (!o.export_dir.empty()) {
    if (!o.db.empty()) {
      std::cerr << Message(c.L(), "usage/db_or_export") << "\n";
      return kExitCannotRun;
    }
    return PrintVerify(VerifyExport(o.export_dir, v), c);
  }
  return WithStore(o.db, c, true, [&](Store& store) { return PrintVerify(store.Verify(v), c); });
}

void AddVerify(Commands* cmds, CLI::App* audit) {
  auto o = std::make_shared<VerifyCommandOptions>();
  auto* cmd = cmds->Add(
      "verify", kCmdAuditVerify, Formats::kTextOrJson, [o](const Common& c) { return RunVerify(*o, c); }, audit);
  cmd->add_option("--db", o->db, H(kOptStoreFile));
  cmd->add_option("--checkpoint", o->checkpoint, H(kOptCheckpoint));
  cmd->add_option("--checkpoint-dir", o->checkpoint_dir, H(kOptCheckpointDir));
  cmd->add_option("--pubkey", o->pubkey, H(kOptPubkey));
  cmd->add_option("--export", o->export_dir, H(kOptVerifyExport));
  AddCommon(cmd, cmds->common());
}

// ---- history --------------------------------------------------------------------------------

struct HistoryOptions {
  std::string db, instance;
};

int RunHistory(const HistoryOptions& o, const Common& c) {
  return WithStore(o.db, c, true, [&](Store& store) {
    auto r = store.History(o.instance);
    if (!r.ok()) return PrintFailure(r.status(), c.L());
    if (r->empty()) {
      std::cerr << Message(c.L(), "no_events", {{"instance", EscapeControls(o.instance)}}) << "\n";
      return kExitFindings;
    }
    Lang l = c.L();
    PrintDocs(*r, c, [l](const Doc& e) {
      bool refused = e.Find("refused") && e.Find("refused")->boolean;
      std::string line =
          "#" + S(e, "seq") + "  " + LocalAt(e) + "  " + Who(e) + "  " + Labelled(e, "action_label", "action") + "  ";
      line += refused ? Message(l, "event/refused_reason", {{"reason", S(e, "reason")}, {"message", S(e, "message")}})
                      : Labelled(e, "from_label", "from") + " → " + Labelled(e, "to_label", "to") + "  @" +
                            S(e, "jurisdiction");
      if (json::GetStr(e, "comment")) line += Message(l, "event/comment", {{"comment", S(e, "comment")}});
      return line;
    });
    return kExitOk;
  });
}

void AddHistory(Commands* cmds, CLI::App* audit) {
  auto o = std::make_shared<HistoryOptions>();
  auto* cmd = cmds->Add(
      "history", kCmdAuditHistory, Formats::kTextOrJson, [o](const Common& c) { return RunHistory(*o, c); }, audit);
  AddDb(cmd, &o->db, cmds->common());
  cmd->add_option("INSTANCE", o->instance, H(kOptInstance))->required();
}

// ---- export ---------------------------------------------------------------------------------

struct AuditExportOptions {
  std::string db, as, out;
};

int RunAuditExport(const AuditExportOptions& o, const Common& c) {
  return WithStore(o.db, c, false,
                   [&](Store& store) { return PrintResults({store.ExportAudit(o.as, o.out)}, c, false); });
}

void AddAuditExport(Commands* cmds, CLI::App* audit) {
  auto o = std::make_shared<AuditExportOptions>();
  auto* cmd = cmds->Add(
      "export", kCmdAuditExport, Formats::kTextOrJson, [o](const Common& c) { return RunAuditExport(*o, c); }, audit);
  AddDb(cmd, &o->db, cmds->common());
  cmd->add_option("--as", o->as, H(kOptTopUser))->required();
  cmd->add_option("--out", o->out, H(kOptAuditOut))->required();
}

// ---- auto-checkpoint ------------------------------------------------------------------------

struct AutoCheckpointOptions {
  std::string db, as;
  AutoCheckpoint config;
};

int RunAutoCheckpoint(const AutoCheckpointOptions& o, const Common& c) {
  return WithStore(o.db, c, false, [&](Store& store) {
    return PrintResults({store.ConfigureAutoCheckpoint(o.as, o.config)}, c, false);
  });
}

void AddAutoCheckpoint(Commands* cmds, CLI::App* audit) {
  auto o = std::make_shared<AutoCheckpointOptions>();
  auto* cmd = cmds->Add(
      "auto-checkpoint", kCmdAuditAutoCheckpoint, Formats::kTextOrJson,
      [o](const Common& c) { return RunAutoCheckpoint(*o, c); }, audit);
  AddDb(cmd, &o->db, cmds->common());
  cmd->add_option("--as", o->as, H(kOptTopUser))->required();
  cmd->add_option("--dir", o->config.dir, H(kOptAutoDir));
  cmd->add_option("--key", o->config.key, H(kOptPrivateKey));
  cmd->add_option("--every-events", o->config.every_events, H(kOptEveryEvents))->check(CLI::NonNegativeNumber);
  cmd->add_option("--every-minutes", o->config.every_minutes, H(kOptEveryMinutes))->check(CLI::NonNegativeNumber);
  cmd->add_flag("--off", o->config.off, H(kOptAutoOff));
}

// ---- checkpoint -----------------------------------------------------------------------------

struct CheckpointOptions {
  std::string db, key, out;
};

int RunCheckpoint(const CheckpointOptions& o, const Common& c) {
  return WithStore(o.db, c, false, [&](Store& store) {
    Status st = store.Checkpoint(o.key, o.out);
    return st.ok() ? kExitOk : PrintFailure(st, c.L());
  });
}

void AddCheckpoint(Commands* cmds, CLI::App* audit) {
  auto o = std::make_shared<CheckpointOptions>();
  auto* cmd = cmds->Add(
      "checkpoint", kCmdAuditCheckpoint, Formats::kTextOnly, [o](const Common& c) { return RunCheckpoint(*o, c); },
      audit);
  AddDb(cmd, &o->db, cmds->common());
  cmd->add_option("--key", o->key, H(kOptPrivateKey))->required();
  cmd->add_option("--out", o->out, H(kOptOutFile))->required();
}

}  // namespace

void AddAuditCommands(Commands* cmds) {
  CLI::App* audit = cmds->AddGroup("audit", kCmdAudit);
  AddVerify(cmds, audit);
  AddHistory(cmds, audit);
  AddAuditExport(cmds, audit);
  AddAutoCheckpoint(cmds, audit);
  AddCheckpoint(cmds, audit);
}

}  // namespace gridstat::cli
