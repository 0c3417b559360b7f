// The command's help: the description of every command and option, in Chinese and English
// (cli/help.cc holds the texts). Help is usage text, not a message: the messages the command
// writes come from the catalogue (common/messages.cc).
#pragma once

#include <CLI/CLI.hpp>

namespace gridstat::cli {

// Help and usage follow --lang, Chinese by default: main() looks for `--lang en` before it
// builds the command line, and says so here.
void SetHelpEnglish(bool english);
bool HelpEnglish();

struct HelpText {
  const char* zh;
  const char* en;
};
// The text in the language of the help.
const char* H(const HelpText& t);

struct CommandHelp {
  HelpText summary;
  const char* example;  // one command line, shown under the command's help
};

// The root of the command line: its description, help and version flags, and the labels of
// CLI11's help screens in the language of the help. Call before adding commands, which take
// the option defaults over.
void SetUpHelpRoot(CLI::App* app);
// The group headings of every help screen; call once every command is added.
void RegroupHelp(CLI::App* app);
// The line under a command's help: its example.
std::string HelpFooter(const CommandHelp& c);

// ---- commands -------------------------------------------------------------------------------
extern const CommandHelp kCmdCheck, kCmdValidate, kCmdTest;
extern const CommandHelp kCmdInit, kCmdRelease, kCmdImport, kCmdSubmit, kCmdAct, kCmdInbox, kCmdShow, kCmdList,
    kCmdProgress, kCmdExport, kCmdUnits;
extern const CommandHelp kCmdReplay, kCmdPublish, kCmdMigrate, kCmdBackup, kCmdOrg, kCmdOrgUpdate;
extern const CommandHelp kCmdAudit, kCmdAuditVerify, kCmdAuditHistory, kCmdAuditExport, kCmdAuditAutoCheckpoint,
    kCmdAuditCheckpoint;

// ---- options --------------------------------------------------------------------------------
// Every command
extern const HelpText kOptLang, kOptFormat;
// Definitions and validation
extern const HelpText kOptDefsDir, kOptPrevious, kOptSubmissionFiles, kOptJobs;
// The store
extern const HelpText kOptStoreFile, kOptOrgFile, kOptUser, kOptTopUser, kOptSurvey, kOptPeriod, kOptUnder,
    kOptRequestId, kOptWorkflow, kOptInputFile;
extern const HelpText kOptInstanceOutright, kOptDraft, kOptActArgs, kOptComment, kOptTarget, kOptIfVersion,
    kOptInstance, kOptSeeAs, kOptState;
extern const HelpText kOptBy, kOptAsOf, kOptUnmasked, kOptUscc, kOptOutFile, kOptSkipTests, kOptSkipTestsComment,
    kOptMigrateInstance, kOptMap;
// The audit
extern const HelpText kOptCheckpoint, kOptCheckpointDir, kOptPubkey, kOptVerifyExport, kOptAuditOut, kOptAutoDir,
    kOptPrivateKey;
extern const HelpText kOptEveryEvents, kOptEveryMinutes, kOptAutoOff;

}  // namespace gridstat::cli
