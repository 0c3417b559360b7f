// The command's own vocabulary, shared by its files: the options every command has, the
// commands as the dispatcher sees them, and the printing that several commands share.
// Each command is one function over an options struct of its own (cli/cmd_*.cc), with its
// command-line wiring beside it; cli/main.cc builds the command line and dispatches.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cli/help.h"
#include "gridstat/diagnostic.h"
#include "gridstat/document.h"
#include "gridstat/engine.h"
#include "gridstat/status.h"
#include "gridstat/store.h"

namespace gridstat::cli {

constexpr int kExitOk = 0, kExitFindings = 1, kExitCannotRun = 2;

// --lang and --format, which every command takes.
struct Common {
  std::string lang = "zh";
  std::string format = "text";
  Lang L() const { return lang == "en" ? Lang::kEn : Lang::kZh; }
  bool json() const { return format == "json"; }
};

// The --format values a command gives; any other is a usage error, never silently ignored.
enum class Formats {
  kTextOrJson,
  kTextOrCsv,  // export
  kTextOnly,   // init, backup, audit checkpoint: they write files and print nothing to format
};

// The commands, as each file adds its own: CLI11's node and what runs the command once parsed.
class Commands {
 public:
  Commands(CLI::App* root, Common* common) : root_(root), common_(common) {}
  // A command under `parent` (the root when null) run by `run`.
  CLI::App* Add(const char* name, const CommandHelp& help, Formats formats, std::function<int(const Common&)> run,
                CLI::App* parent = nullptr);
  // A group of commands (audit, org): one of its commands must follow.
  CLI::App* AddGroup(const char* name, const CommandHelp& help);
  Common* common() { return common_; }

  struct Entry {
    CLI::App* app;
    Formats formats;
    std::function<int(const Common&)> run;
  };
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  CLI::App* root_;
  Common* common_;
  std::vector<Entry> entries_;
};

void AddCommon(CLI::App* cmd, Common* c);
// --db (required) and the common options, in the order the help lists them.
void AddDb(CLI::App* cmd, std::string* db, Common* c);

void AddDefinitionCommands(Commands* cmds);  // cli/cmd_definitions.cc
// init, release, import, submit, act and the queries; then replay, publish, migrate, backup
// and org update (cli/cmd_store.cc).
void AddStoreCommands(Commands* cmds);
void AddStoreAdminCommands(Commands* cmds);
void AddAuditCommands(Commands* cmds);  // cli/cmd_audit.cc

// ---- printing (cli/print.cc) -------------------------------------------------------------

void PrintDiagnostics(const std::vector<Diagnostic>& diags, const Common& c);
// Compiles, printing the diagnostics only when it fails; null when the definitions have errors.
std::shared_ptr<const Program> Compile(const std::string& dir, const Common& c);
// Ids of created or moved instances on stdout (with `print_ids`); refusals and notes on
// stderr. With --format json: one JSON line per result on stdout, and nothing else. Returns
// the exit code.
int PrintResults(const std::vector<ActionResult>& results, const Common& c, bool print_ids);
// Lists: one JSON line per item, or the line `text` makes of it.
void PrintDocs(const std::vector<Doc>& docs, const Common& c, const std::function<std::string(const Doc&)>& text);
// A query that failed: its message; exit 1 for what does not exist, else 2.
int PrintFailure(const Status& st, Lang lang);

// A string member, escaped for the terminal, or "-".
std::string S(const Doc& d, const char* k);
// A string member's label when the definitions give one, else the member itself.
std::string Labelled(const Doc& d, const char* label, const char* name);
// An event's time in Asia/Shanghai, or as recorded when it is not a time gridstat can read.
std::string LocalAt(const Doc& e);
// `韦海涛 county-450123(县级统计员)`: the name in force when the event was recorded, the id, the role.
std::string Who(const Doc& e);

// `gridstat show` as text (cli/show_text.cc).
std::string ShowText(const Doc& d, Lang lang);

// Runs `fn` on the store at `db`, opened read-only for commands that only read (so that it can
// sit on read-only media); a store that cannot be opened is exit 2. Problems met after the
// command was committed (an automatic checkpoint not written) go to stderr afterwards.
int WithStore(const std::string& db, const Common& c, bool read_only, const std::function<int(Store&)>& fn);

}  // namespace gridstat::cli
