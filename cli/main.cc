// gridstat: a thin command line over the public API in include/gridstat/.
// Data goes to stdout, diagnostics to stderr; exit codes are documented in README.md.
// Each command is a function of its own in cli/cmd_*.cc; here the command line is built,
// parsed and dispatched, and every byte written passes through TerminalSafe.
#include <cstdio>
#include <iostream>
#include <streambuf>

#include "cli/cli.h"
#include "common/messages.h"
#include "common/text.h"

namespace gridstat::cli {
namespace {

// Every byte bound for stdout or stderr passes through TerminalSafe, whatever printed it
// (our own output, CLI11's usage errors, an exception's text): text from input can never
// drive the terminal, even where a call site forgot to escape it. Call sites still escape
// the text they embed, so that a line feed in input cannot start a line of its own.
class TerminalSafeBuf : public std::streambuf {
 public:
  explicit TerminalSafeBuf(std::FILE* f) : f_(f) {}
  // Writes what is held back (an incomplete UTF-8 sequence or a CR comes out escaped).
  void Finish() {
    Emit(true);
    std::fflush(f_);
  }

 protected:
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    pending_.push_back(traits_type::to_char_type(c));
    if (pending_.size() >= kChunk) Emit(false);
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    pending_.append(s, static_cast<size_t>(n));
    if (pending_.size() >= kChunk) Emit(false);
    return n;
  }
  int sync() override {
    Emit(false);
    return std::fflush(f_) == 0 ? 0 : -1;
  }

 private:
  static constexpr size_t kChunk = 1 << 16;
  void Emit(bool at_end) {
    std::string out;
    size_t used = AppendTerminalSafe(&out, pending_, at_end);
    pending_.erase(0, used);
    if (!out.empty()) std::fwrite(out.data(), 1, out.size(), f_);
  }
  std::FILE* f_;
  std::string pending_;
};

// A --format the command does not give: the usage error, or empty.
std::string FormatProblem(Formats formats, const Common& c) {
  const std::string& f = c.format;
  const char* why = nullptr;
  if (f == "csv" && formats != Formats::kTextOrCsv) why = "usage/format_only_export_csv";
  else if (f == "json" && formats == Formats::kTextOrCsv) why = "usage/format_export_csv";
  else if (f == "json" && formats == Formats::kTextOnly) why = "usage/format_nothing";
  if (!why) return "";
  return Message(c.L(), "usage/format", {{"format", f}, {"why", Message(c.L(), why)}});
}

int Run(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--lang=en" || (a == "--lang" && i + 1 < argc && std::string(argv[i + 1]) == "en")) SetHelpEnglish(true);
  }
  CLI::App app;
  SetUpHelpRoot(&app);
  app.require_subcommand(1);
  // Usage errors quote the arguments: escaped, so that a line feed in one cannot fake a line.
  app.failure_message([](const CLI::App* a, const CLI::Error& e) {
    std::string msg = EscapeControls(e.what()) + "\n";
    if (a->get_help_ptr() != nullptr)
      msg +=
          Message(HelpEnglish() ? Lang::kEn : Lang::kZh, "usage/help_hint", {{"help", a->get_help_ptr()->get_name()}}) +
          "\n";
    return msg;
  });
  Common common;
  Commands commands(&app, &common);
  AddDefinitionCommands(&commands);
  AddStoreCommands(&commands);
  AddAuditCommands(&commands);
  AddStoreAdminCommands(&commands);
  RegroupHelp(&app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitCannotRun;
  }
  for (const auto& command : commands.entries()) {
    if (!command.app->parsed()) continue;
    std::string problem = FormatProblem(command.formats, common);
    if (!problem.empty()) {
      std::cerr << problem << "\n";
      return kExitCannotRun;
    }
    try {
      return command.run(common);
    } catch (const std::exception& e) {
      std::cerr << Message(common.L(), "internal_error", {{"what", EscapeControls(e.what())}}) << "\n";
      return kExitCannotRun;
    }
  }
  return kExitCannotRun;
}

}  // namespace
}  // namespace gridstat::cli

int main(int argc, char** argv) {
  gridstat::cli::TerminalSafeBuf out(stdout), err(stderr);
  std::streambuf* old_out = std::cout.rdbuf(&out);
  std::streambuf* old_err = std::cerr.rdbuf(&err);
  int code = gridstat::cli::Run(argc, argv);
  std::cout.flush();
  out.Finish();
  err.Finish();
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  return code;
}
