// The commands on a store: init, release, import, submit, act, the queries (inbox, show, list,
// progress, export, units), replay, publish, migrate, backup and org update.
#include <iostream>

#include "cli/cli.h"
#include "common/json.h"
#include "common/messages.h"
#include "common/text.h"
#include "gridstat/validate.h"

namespace gridstat::cli {

namespace {

// ---- init -----------------------------------------------------------------------------------

struct InitOptions {
  std::string db, defs, org;
};

int RunInit(const InitOptions& o, const Common& c) {
  auto s = Store::Create(o.db, o.defs, o.org, c.L());
  if (!s.ok()) {
    std::cerr << EscapeControls(s.status().message(c.L())) << "\n";
    return kExitCannotRun;
  }
  return kExitOk;
}

void AddInit(Commands* cmds) {
  auto o = std::make_shared<InitOptions>();
  auto* cmd = cmds->Add("init", kCmdInit, Formats::kTextOnly, [o](const Common& c) { return RunInit(*o, c); });
  AddDb(cmd, &o->db, cmds->common());
  cmd->add_option("--defs", o->defs, H(kOptDefsDir))->required();
  cmd->add_option("--org", o->org, H(kOptOrgFile))->required();
}

// ---- release --------------------------------------------------------------------------------

struct ReleaseOptions {
  std::string db, as, survey, period, under, request_id;
};

int RunRelease(const ReleaseOptions& o, const Common& c) {
  return WithStore(o.db, c, false, [&](Store& store) {
    return PrintResults(store.Release(o.as, o.survey, o.period, o.under, o.request_id), c, true);
  });
}

void AddRelease(Commands* cmds) {
  auto o = std::make_shared<ReleaseOptions>();
  auto* cmd =
      cmds->Add("release", kCmdRelease, Formats::kTextOrJson, [o](const Common& c) { return RunRelease(*o, c); });
  AddDb(cmd, &o->db, cmds->common());
  cmd->add_option("--as", o->as, H(kOptUser))->required();
  cmd->add_option("--survey", o->survey, H(kOptSurvey))->required();
  cmd->add_option("--period", o->period, H(kOptPeriod))->required();
  cmd->add_option("--under", o->under, H(kOptUnder))->required();
  cmd->add_option("--request-id", o->request_id, H(kOptRequestId));
}

// ---- import ---------------------------------------------------------------------------------

struct ImportOptions {
  std::string db, as, workflow, period;
  std::vector<std::string> files;
};

int RunImport(const ImportOptions& o, const Common& c) {
  return WithStore(o.db, c, false, [&](Store& store) {
    std::vector<ActionResult> all;
    for (auto& f : o.files) {
      auto r = store.Import(o.as, o.workflow, o.period, f);
      all.insert(all.end(), r.begin(), r.end());
    }
    return PrintResults(all, c, true);
  });
}

void AddImport(Commands* cmds) {
  auto o = std::make_shared<ImportOptions>();
  auto* cmd = cmds->Add("import", kCmdImport, Formats::kTextOrJson, [o](const Common& c) { return RunImport(*o, c); });
  AddDb(cmd, &o->db, cmds->common());
  cmd->add_option("--as", o->as, H(kOptUser))->required();
  cmd->add_option("--workflow", o->workflow, H(kOptWorkflow))->required();
  cmd->add_option("--period", o->period, H(kOptPeriod))->required();
  cmd->add_option("FILE", o->files, H(kOptInputFile))->required();
}

// ---- submit ---------------------------------------------------------------------------------

struct SubmitOptions {
  std::string db, as, instance, request_id;
  bool draft = false;
  std::vector<std::string> files;
};

int RunSubmit(const SubmitOptions& o, const Common& c) {
  return WithStore(o.db, c, false, [&](Store& store) {
    std::vector<Envelope> envs;
    std::vector<ActionResult> bad;
    for (auto& f : o.files) {
      Status st = ReadSubmissions(
          f, [&](Envelope e) { envs.push_back(std::move(e)); },
          [&](Report r) {
            ActionResult a;
            a.instance = r.file + ":" + std::to_string(r.line);
            a.outcome = Outcome::kRefused;
            a.code = "envelope";
            a.message = r.findings.empty() ? "" : r.findings[0].message;
            // Recorded like every refused attempt.
            Status rs = store.RecordRefusal(o.as, o.draft ? "save" : "submit", a.instance, a.code, a.message);
            if (!rs.ok()) {
              a.outcome = Outcome::kCannotRun;
              a.message = rs.message(c.L());
            }
            bad.push_back(a);
          },
          c.L());
      if (!st.ok()) {
        ActionResult a;
        a.instance = f;
        a.outcome = Outcome::kCannotRun;
        a.code = "unreadable";
        a.message = st.message(c.L());
        bad.push_back(a);
      }
    }
    auto results =
        envs.empty() ? std::vector<ActionResult>{} : store.Submit(o.as, envs, o.instance, o.draft, o.request_id);
    results.insert(results.end(), bad.begin(), bad.end());
    return PrintResults(results, c, true);
  });
}

void AddSubmit(Commands* cmds) {
  auto o = std::make_shared<SubmitOptions>();
  auto* cmd = cmds->Add("submit", kCmdSubmit, Formats::kTextOrJson, [o](const Common& c) { return RunSubmit(*o, c); });
  AddDb(cmd, &o->db, cmds->common());
  cmd->add_option("--as", o->as, H(kOptUser))->required();
  cmd->add_option("--instance", o->instance, H(kOptInstanceOutright));
  cmd->add_flag("--draft", o->draft, H(kOptDraft));
  cmd->add_option("--request-id", o->request_id, H(kOptRequestId));
  cmd->add_option("FILE", o->files, H(kOptInputFile))->required();
}

// ---- act ------------------------------------------------------------------------------------

struct ActOptions {
  std::string db, as, comment, target, request_id;
  std::vector<std::string> args;  // INSTANCE... ACTION
  int64_t if_version = -1;        // -1: not given
};

int RunAct(const ActOptions& o, const Common& c) {
  return WithStore(o.db, c, false, [&](Store& store) {
    if (o.args.size() < 2) {
      std::cerr << Message(c.L(), "usage/act") << "\n";
      return kExitCannotRun;
    }
    ActRequest req;
    req.actor = o.as;
    req.action = o.args.back();
    req.instances.assign(o.args.begin(), o.args.end() - 1);
    req.comment = o.comment;
    req.target = o.target;
    req.request_id = o.request_id;
    if (o.if_version >= 0) req.if_version = o.if_version;
    return PrintResults(store.Act(req), c, false);
  });
}

void AddAct(Commands* cmds) {
  auto o = std::make_shared<ActOptions>();
  auto* cmd = cmds->Add("act", kCmdAct, Formats::kTextOrJson, [o](const Common& c) { return RunAct(*o, c); });
  AddDb(cmd, &o->db, cmds->common());
  cmd->add_option("--as", o->as, H(kOptUser))->required();
  cmd->add_option("ARGS", o->args, H(kOptActArgs))->required();
  cmd->add_option("--comment", o->comment, H(kOptComment));
  cmd->add_option("--to", o->target, H(kOptTarget));
  cmd->add_option("--request-id", o->request_id, H(kOptRequestId));
  // A usage error, in both languages: it is written before --lang is known.
  cmd->add_option("--if-version", o->if_version, H(kOptIfVersion))
      ->check(CLI::Validator(
          [](std::string& v) {
            bool digits = !v.empty() && v.size() <= 18 && v.find_first_not_of("0123456789") == std::string::npos;
            return digits ? std::string()
                          : Message(Lang::kEn, "usage/version") + " (" + Message(Lang::kZh, "usage/version") + ")";
          },
          "VERSION"));
}

// ---- inbox, show, list, progress, export, units ---------------------------------------------

struct InboxOptions {
  std::string db, as;
};

int RunInbox(const InboxOptions& o, const Common& c) {
  return WithStore(o.db, c, true, [&](Store& store) {
    auto r = store.Inbox(o.as);
    if (!r.ok()) return PrintFailure(r.status(), c.L());
    PrintDocs(*r, c, [](const Doc& d) {
      std::string acts;
      for (auto& a : d.Find("actions")->items) acts += (acts.empty() ? "" : ",") + EscapeControls(a.text);
      return S(d, "id") + "\t" + S(d, "state") + "\t" + acts;
    });
    return kExitOk;
  });
}

void AddInbox(Commands* cmds) {
  auto o = std::make_shared<InboxOptions>();
  auto* cmd = cmds->Add("inbox", kCmdInbox, Formats::kTextOrJson, [o](const Common& c) { return RunInbox(*o, c); });
  AddDb(cmd, &o->db, cmds->common());
  cmd->add_option("--as", o->as, H(kOptUser))->required();
}

struct ShowOptions {
  std::string db, instance;
  std::optional<std::string> as;
};

int RunShow(const ShowOptions& o, const Common& c) {
  return WithStore(o.db, c, true, [&](Store& store) {
    auto r = store.Show(o.instance, o.as);
    if (!r.ok()) return PrintFailure(r.status(), c.L());
    std::cout << (c.json() ? json::Canonical(*r) + "\n" : ShowText(*r, c.L()));
    return kExitOk;
  });
}

void AddShow(Commands* cmds) {
  auto o = std::make_shared<ShowOptions>();
  auto* cmd = cmds->Add("show", kCmdShow, Formats::kTextOrJson, [o](const Common& c) { return RunShow(*o, c); });
  AddDb(cmd, &o->db, cmds->common());
  cmd->add_option("INSTANCE", o->instance, H(kOptInstance))->required();
  cmd->add_option("--as", o->as, H(kOptSeeAs));
}

struct ListOptions {
  std::string db, survey, period, state, under;
  std::optional<std::string> as;
};

int RunList(const ListOptions& o, const Common& c) {
  return WithStore(o.db, c, true, [&](Store& store) {
    auto r = store.List(Query{o.as, o.survey, o.period, o.state, o.under});
    if (!r.ok()) return PrintFailure(r.status(), c.L());
    PrintDocs(*r, c, [](const Doc& d) {
      return S(d, "id") + "\t" + S(d, "division") + "\t" + S(d, "state") + "\tv" + S(d, "version");
    });
    return kExitOk;
  });
}

void AddList(Commands* cmds) {
  auto o = std::make_shared<ListOptions>();
  auto* cmd = cmds->Add("list", kCmdList, Formats::kTextOrJson, [o](const Common& c) { return RunList(*o, c); });
  AddDb(cmd, &o->db, cmds->common());
  cmd->add_option("--survey", o->survey, H(kOptSurvey));
  cmd->add_option("--period", o->period, H(kOptPeriod));
  cmd->add_option("--state", o->state, H(kOptState));
  cmd->add_option("--under", o->under, H(kOptUnder));
  cmd->add_option("--as", o->as, H(kOptSeeAs));
}

struct ProgressOptions {
  std::string db, survey, period, under, as_of;
  int level = 0;
  std::optional<std::string> as;
};

int RunProgress(const ProgressOptions& o, const Common& c) {
  return WithStore(o.db, c, true, [&](Store& store) {
    auto r = store.Progress(Query{o.as, o.survey, o.period, "", o.under}, o.level, o.as_of);
    if (!r.ok()) return PrintFailure(r.status(), c.L());
    if (c.json()) {
      std::cout << json::Canonical(*r) << "\n";
      return kExitOk;
    }
    std::cout << Message(c.L(), "progress/heading",
                         {{"survey", S(*r, "survey")},
                          {"period", S(*r, "period")},
                          {"as_of", S(*r, "as_of")},
                          {"total", S(*r, "total")}})
              << "\n";
    for (auto& g : r->Find("by_division")->items) {
      std::cout << "  " << S(g, "division") << " " << S(g, "name") << "  " << S(g, "total") << ":";
      for (auto& [k, v] : g.Find("states")->members)
        std::cout << " " << EscapeControls(k) << "=" << EscapeControls(v.text);
      std::cout << "\n";
    }
    const auto& overdue = r->Find("overdue")->items;
    std::cout << Message(c.L(), "progress/overdue", {{"count", std::to_string(overdue.size())}}) << "\n";
    for (auto& od : overdue)
      std::cout << "  " << S(od, "id") << " " << S(od, "division_name") << " " << S(od, "state")
                << Message(c.L(), "progress/due", {{"due", S(od, "due")}, {"action", S(od, "action")}}) << "\n";
    return kExitOk;
  });
}

void AddProgress(Commands* cmds) {
  auto o = std::make_shared<ProgressOptions>();
  auto* cmd =
      cmds->Add("progress", kCmdProgress, Formats::kTextOrJson, [o](const Common& c) { return RunProgress(*o, c); });
  AddDb(cmd, &o->db, cmds->common());
  cmd->add_option("--survey", o->survey, H(kOptSurvey))->required();
  cmd->add_option("--period", o->period, H(kOptPeriod))->required();
  cmd->add_option("--under", o->under, H(kOptUnder));
  cmd->add_option("--by", o->level, H(kOptBy));
  cmd->add_option("--as-of", o->as_of, H(kOptAsOf));
  cmd->add_option("--as", o->as, H(kOptSeeAs));
}

struct ExportOptions {
  std::string db, survey, period, under;
  std::optional<std::string> as;
  bool unmasked = false;
};

int RunExport(const ExportOptions& o, const Common& c) {
  // Only an export of ID numbers in full writes: it is recorded.
  return WithStore(o.db, c, !o.unmasked, [&](Store& store) {
    Query q{o.as, o.survey, o.period, "", o.under};
    if (o.unmasked) {
      std::string csv;
      ActionResult r = store.ExportUnmasked(q, &csv);
      std::cout << csv;
      return PrintResults({r}, c, false);
    }
    auto r = store.ExportCsv(q);
    if (!r.ok()) return PrintFailure(r.status(), c.L());
    std::cout << *r;
    return kExitOk;
  });
}

void AddExport(Commands* cmds) {
  auto o = std::make_shared<ExportOptions>();
  auto* cmd = cmds->Add("export", kCmdExport, Formats::kTextOrCsv, [o](const Common& c) { return RunExport(*o, c); });
  AddDb(cmd, &o->db, cmds->common());
  cmd->add_option("--survey", o->survey, H(kOptSurvey))->required();
  cmd->add_option("--period", o->period, H(kOptPeriod))->required();
  cmd->add_option("--under", o->under, H(kOptUnder));
  cmd->add_option("--as", o->as, H(kOptSeeAs));
  cmd->add_flag("--unmasked", o->unmasked, H(kOptUnmasked));
}

struct UnitsOptions {
  std::string db, uscc, under;
};

int RunUnits(const UnitsOptions& o, const Common& c) {
  return WithStore(o.db, c, true, [&](Store& store) {
    auto r = store.Units(o.uscc, o.under);
    if (!r.ok()) return PrintFailure(r.status(), c.L());
    PrintDocs(*r, c, [](const Doc& d) {
      const Doc* data = d.Find("data");
      return S(d, "uscc") + "\t" + (data ? S(*data, "name") : "-") + "\t" + S(d, "division") + "\t" + S(d, "instance");
    });
    return kExitOk;
  });
}

void AddUnits(Commands* cmds) {
  auto o = std::make_shared<UnitsOptions>();
  auto* cmd = cmds->Add("units", kCmdUnits, Formats::kTextOrJson, [o](const Common& c) { return RunUnits(*o, c); });
  AddDb(cmd, &o->db, cmds->common());
  cmd->add_option("--uscc", o->uscc, H(kOptUscc));
  cmd->add_option("--under", o->under, H(kOptUnder));
}

// ---- replay, publish, migrate, backup, org update -------------------------------------------

struct ReplayOptions {
  std::string db, defs;
};

int RunReplay(const ReplayOptions& o, const Common& c) {
  return WithStore(o.db, c, true, [&](Store& store) {
    std::vector<Diagnostic> diags;
    auto r = store.Replay(o.defs, &diags);
    PrintDiagnostics(diags, c);
    if (!r.ok()) return kExitCannotRun;
    PrintDocs(*r, c, [](const Doc& d) {
      std::string added, removed;
      for (auto& x : d.Find("rules_added")->items) added += " +" + EscapeControls(x.text);
      for (auto& x : d.Find("rules_removed")->items) removed += " -" + EscapeControls(x.text);
      return S(d, "id") + "\t" + S(d, "status_before") + " → " + S(d, "status_after") + "\t" + added + removed;
    });
    if (!c.json()) std::cerr << Message(c.L(), "replay_summary", {{"count", std::to_string(r->size())}}) << "\n";
    return kExitOk;
  });
}

void AddReplay(Commands* cmds) {
  auto o = std::make_shared<ReplayOptions>();
  auto* cmd = cmds->Add("replay", kCmdReplay, Formats::kTextOrJson, [o](const Common& c) { return RunReplay(*o, c); });
  AddDb(cmd, &o->db, cmds->common());
  cmd->add_option("--defs", o->defs, H(kOptDefsDir))->required();
}

struct PublishOptions {
  std::string db, defs, as, comment;
  bool skip_tests = false;
};

int RunPublish(const PublishOptions& o, const Common& c) {
  return WithStore(o.db, c, false, [&](Store& store) {
    std::vector<Diagnostic> diags;
    PublishRequest req;
    req.actor = o.as;
    req.defs_dir = o.defs;
    req.skip_tests = o.skip_tests;
    req.comment = o.comment;
    std::string hash;
    ActionResult r = store.Publish(req, &diags, &hash);
    PrintDiagnostics(diags, c);
    if (r.outcome != Outcome::kDone) return PrintResults({r}, c, false);
    if (c.json()) std::cout << json::Canonical(json::Obj({{"definitions", json::Str(hash)}})) << "\n";
    else std::cout << EscapeControls(hash) << "\n";
    return kExitOk;
  });
}

void AddPublish(Commands* cmds) {
  auto o = std::make_shared<PublishOptions>();
  auto* cmd =
      cmds->Add("publish", kCmdPublish, Formats::kTextOrJson, [o](const Common& c) { return RunPublish(*o, c); });
  AddDb(cmd, &o->db, cmds->common());
  cmd->add_option("--defs", o->defs, H(kOptDefsDir))->required();
  cmd->add_option("--as", o->as, H(kOptTopUser))->required();
  cmd->add_flag("--skip-tests", o->skip_tests, H(kOptSkipTests));
  cmd->add_option("--comment", o->comment, H(kOptSkipTestsComment));
}

struct MigrateOptions {
  std::string db, as;
  std::vector<std::string> instances, maps;
};

int RunMigrate(const MigrateOptions& o, const Common& c) {
  return WithStore(o.db, c, false, [&](Store& store) {
    MigrateRequest req;
    req.actor = o.as;
    req.instances = o.instances;
    for (auto& m : o.maps) {
      size_t eq = m.find('=');
      std::string from = eq == std::string::npos ? "" : m.substr(0, eq),
                  to = eq == std::string::npos ? "" : m.substr(eq + 1);
      if (from.empty() || to.empty()) {
        std::cerr << Message(c.L(), "usage/map", {{"arg", EscapeControls(m)}}) << "\n";
        return kExitCannotRun;
      }
      auto [it, added] = req.states.emplace(from, to);
      if (!added && it->second != to) {
        std::cerr << Message(c.L(), "usage/map_twice", {{"state", EscapeControls(from)}}) << "\n";
        return kExitCannotRun;
      }
    }
    return PrintResults(store.Migrate(req), c, true);
  });
}

void AddMigrate(Commands* cmds) {
  auto o = std::make_shared<MigrateOptions>();
  auto* cmd =
      cmds->Add("migrate", kCmdMigrate, Formats::kTextOrJson, [o](const Common& c) { return RunMigrate(*o, c); });
  AddDb(cmd, &o->db, cmds->common());
  cmd->add_option("--as", o->as, H(kOptTopUser))->required();
  cmd->add_option("--instance", o->instances, H(kOptMigrateInstance));
  cmd->add_option("--map", o->maps, H(kOptMap))
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

struct BackupOptions {
  std::string db, out;
};

int RunBackup(const BackupOptions& o, const Common& c) {
  return WithStore(o.db, c, true, [&](Store& store) {
    Status st = store.Backup(o.out);
    return st.ok() ? kExitOk : PrintFailure(st, c.L());
  });
}

void AddBackup(Commands* cmds) {
  auto o = std::make_shared<BackupOptions>();
  auto* cmd = cmds->Add("backup", kCmdBackup, Formats::kTextOnly, [o](const Common& c) { return RunBackup(*o, c); });
  AddDb(cmd, &o->db, cmds->common());
  cmd->add_option("--out", o->out, H(kOptOutFile))->required();
}

struct OrgUpdateOptions {
  std::string db, org, as;
};

int RunOrgUpdate(const OrgUpdateOptions& o, const Common& c) {
  return WithStore(o.db, c, false, [&](Store& store) {
    std::vector<Doc> changes;
    ActionResult r = store.OrgUpdate(o.as, o.org, &changes);
    if (r.outcome != Outcome::kDone) return PrintResults({r}, c, false);
    PrintDocs(changes, c,
              [](const Doc& d) { return S(d, "change") + "\t" + (json::GetStr(d, "id") ? S(d, "id") : S(d, "code")); });
    return kExitOk;
  });
}

void AddOrgUpdate(Commands* cmds) {
  auto* org = cmds->AddGroup("org", kCmdOrg);
  auto o = std::make_shared<OrgUpdateOptions>();
  auto* cmd = cmds->Add(
      "update", kCmdOrgUpdate, Formats::kTextOrJson, [o](const Common& c) { return RunOrgUpdate(*o, c); }, org);
  AddDb(cmd, &o->db, cmds->common());
  cmd->add_option("--org", o->org, H(kOptOrgFile))->required();
  cmd->add_option("--as", o->as, H(kOptTopUser))->required();
}

}  // namespace

void AddStoreCommands(Commands* cmds) {
  AddInit(cmds);
  AddRelease(cmds);
  AddImport(cmds);
  AddSubmit(cmds);
  AddAct(cmds);
  AddInbox(cmds);
  AddShow(cmds);
  AddList(cmds);
  AddProgress(cmds);
  AddExport(cmds);
  AddUnits(cmds);
}

void AddStoreAdminCommands(Commands* cmds) {
  AddReplay(cmds);
  AddPublish(cmds);
  AddMigrate(cmds);
  AddBackup(cmds);
  AddOrgUpdate(cmds);
}

}  // namespace gridstat::cli
