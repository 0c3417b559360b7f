// What several commands print alike: diagnostics, command results, lists, failures; and the
// store a command runs on.
#include <iostream>

#include "cli/cli.h"
#include "common/json.h"
#include "common/messages.h"
#include "common/text.h"

namespace gridstat::cli {

CLI::App* Commands::Add(const char* name, const CommandHelp& help, Formats formats,
                        std::function<int(const Common&)> run, CLI::App* parent) {
  CLI::App* app = (parent ? parent : root_)->add_subcommand(name, H(help.summary));
  app->footer(HelpFooter(help));
  entries_.push_back({app, formats, std::move(run)});
  return app;
}

CLI::App* Commands::AddGroup(const char* name, const CommandHelp& help) {
  CLI::App* app = root_->add_subcommand(name, H(help.summary));
  app->require_subcommand(1);
  app->footer(HelpFooter(help));
  return app;
}

void AddCommon(CLI::App* cmd, Common* c) {
  cmd->add_option("--lang", c->lang, H(kOptLang))->check(CLI::IsMember({"zh", "en"}));
  cmd->add_option("--format", c->format, H(kOptFormat))->check(CLI::IsMember({"text", "json", "csv"}));
}

void AddDb(CLI::App* cmd, std::string* db, Common* c) {
  cmd->add_option("--db", *db, H(kOptStoreFile))->required();
  AddCommon(cmd, c);
}

void PrintDiagnostics(const std::vector<Diagnostic>& diags, const Common& c) {
  for (const auto& d : diags) {
    if (c.json()) std::cout << RenderDiagnosticJson(d, c.L()) << "\n";
    else std::cerr << RenderDiagnosticText(d, c.L());
  }
  std::cout.flush();
}

std::shared_ptr<const Program> Compile(const std::string& dir, const Common& c) {
  auto r = CompileDirectory(dir);
  if (!r.program) PrintDiagnostics(r.diagnostics, c);
  return r.program;
}

int PrintResults(const std::vector<ActionResult>& results, const Common& c, bool print_ids) {
  int exit = static_cast<int>(GravestOutcome(results));
  if (c.json()) {
    for (auto& r : results) std::cout << ActionResultJson(r) << "\n";
    std::cout.flush();
    return exit;
  }
  for (auto& r : results) {
    if (r.outcome == Outcome::kDone) {
      if (print_ids && r.changed && !r.instance.empty()) std::cout << EscapeControls(r.instance) << "\n";
      if (!r.message.empty()) std::cerr << EscapeControls(r.message) << "\n";
      continue;
    }
    const char* what = r.outcome == Outcome::kConflict  ? "result/conflict"
                       : r.outcome == Outcome::kRefused ? "result/refused"
                                                        : "result/error";
    std::cerr << Message(c.L(), what);
    if (!r.instance.empty()) std::cerr << " " << EscapeControls(r.instance);
    std::cerr << " [" << EscapeControls(r.code) << "]: " << EscapeControls(r.message)
              << (r.repeated ? Message(c.L(), "result/repeated") : "") << "\n";
    if (r.report && !r.report->findings.empty()) std::cerr << ReportToText(*r.report, c.L());
  }
  std::cout.flush();
  return exit;
}

void PrintDocs(const std::vector<Doc>& docs, const Common& c, const std::function<std::string(const Doc&)>& text) {
  for (auto& d : docs) std::cout << (c.json() ? json::Canonical(d) : text(d)) << "\n";
  std::cout.flush();
}

int PrintFailure(const Status& st, Lang lang) {
  std::cerr << EscapeControls(st.message(lang)) << "\n";
  return st.code() == Status::Code::kNotFound ? kExitFindings : kExitCannotRun;
}

std::string S(const Doc& d, const char* k) {
  const std::string* v = json::GetStr(d, k);
  return v ? EscapeControls(*v) : std::string("-");
}

std::string Labelled(const Doc& d, const char* label, const char* name) {
  return json::GetStr(d, label) ? S(d, label) : S(d, name);
}

std::string LocalAt(const Doc& e) { return Labelled(e, "at_local", "at"); }

std::string Who(const Doc& e) {
  std::string who = json::GetStr(e, "actor_name") ? S(e, "actor_name") + " " : "";
  return who + S(e, "actor") + "(" + Labelled(e, "role_label", "role") + ")";
}

int WithStore(const std::string& db, const Common& c, bool read_only, const std::function<int(Store&)>& fn) {
  if (db.empty()) {
    std::cerr << Message(c.L(), "usage/db_required") << "\n";
    return kExitCannotRun;
  }
  auto s = read_only ? Store::OpenReadOnly(db, c.L()) : Store::Open(db, c.L());
  if (!s.ok()) {
    std::cerr << Message(c.L(), "store_open", {{"reason", EscapeControls(s.status().message(c.L()))}}) << "\n";
    return kExitCannotRun;
  }
  // Printed after the command's own output, even when it stops on an exception.
  struct Warnings {
    Store* s;
    ~Warnings() {
      for (auto& w : s->TakeWarnings()) std::cerr << EscapeControls(w) << "\n";
    }
  } warnings{s->get()};
  return fn(**s);
}

}  // namespace gridstat::cli
