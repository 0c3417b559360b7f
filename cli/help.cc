// Every help text of the command, in both languages.
#include "cli/help.h"

#include <functional>
#include <utility>

#include "gridstat/version.h"

namespace gridstat::cli {
namespace {

bool g_english = false;

constexpr HelpText kRoot{"gridstat:统计网格调查的定义、审核规则与业务流程",
                         "gridstat: survey definitions, validation rules and workflows for statistical grid work"};
constexpr HelpText kOptionsGroup{"选项", "Options"};
constexpr HelpText kSubcommandsGroup{"子命令", "Subcommands"};
constexpr HelpText kHelpFlag{"显示帮助后退出", "Print this help message and exit"};
constexpr HelpText kVersionFlag{"显示版本后退出", "Display program version information and exit"};
constexpr HelpText kExample{"例: ", "Example: "};

}  // namespace

void SetHelpEnglish(bool english) { g_english = english; }
bool HelpEnglish() { return g_english; }
const char* H(const HelpText& t) { return g_english ? t.en : t.zh; }

void SetUpHelpRoot(CLI::App* app) {
  app->description(H(kRoot));
  // Set before the subcommands exist, which take them over.
  app->option_defaults()->group(H(kOptionsGroup));
  app->set_help_flag("-h,--help", H(kHelpFlag));
  if (!g_english) {
    auto f = app->get_formatter();
    // Not the column of value types (TEXT, REQUIRED): its alignment counts bytes.
    for (auto [from, to] : {std::pair<const char*, const char*>{"Usage", "用法"},
                            {"OPTIONS", "选项"},
                            {"SUBCOMMANDS", "子命令"},
                            {"SUBCOMMAND", "子命令"},
                            {"POSITIONALS", "位置参数"},
                            {"Positionals", "位置参数"},
                            {"Subcommands", "子命令"}})
      f->label(from, to);
  }
  app->set_version_flag("--version", "gridstat " GRIDSTAT_VERSION, H(kVersionFlag))->group(H(kOptionsGroup));
}

void RegroupHelp(CLI::App* app) {
  std::function<void(CLI::App*)> regroup = [&](CLI::App* a) {
    if (a->get_help_ptr()) a->get_help_ptr()->group(H(kOptionsGroup));
    for (CLI::App* sub : a->get_subcommands([](CLI::App*) { return true; })) {
      sub->group(H(kSubcommandsGroup));
      regroup(sub);
    }
  };
  regroup(app);
}

std::string HelpFooter(const CommandHelp& c) { return std::string(H(kExample)) + c.example + "\n"; }

// ---- commands -------------------------------------------------------------------------------
const CommandHelp kCmdCheck{{"编译定义并报告问题", "compile definitions and report problems"},
                            "gridstat check definitions/guangxi"};
const CommandHelp kCmdValidate{
    {"审核报表(JSON、JSON Lines 或 YAML)", "validate submissions (JSON, JSON Lines or YAML)"},
    "gridstat validate --defs definitions/guangxi --previous agri-2020.jsonl agri-2021.jsonl"};
const CommandHelp kCmdTest{{"运行定义目录中的规则测试", "run the rule tests stored beside the definitions"},
                           "gridstat test definitions/guangxi"};
const CommandHelp kCmdInit{{"建立存储", "create a store"},
                           "gridstat init --db bureau.db --defs definitions/guangxi --org org.yaml"};
const CommandHelp kCmdRelease{
    {"向某区划下的每个村下发调查表", "release a survey to every village under a division"},
    "gridstat release --db bureau.db --as region-45 --survey agri_village --period 2021 --under 450123100000"};
const CommandHelp kCmdImport{
    {"导入任务台账(JSON Lines)", "import task-ledger rows (JSON Lines)"},
    "gridstat import --db bureau.db --as region-45 --workflow unit_task --period 2024-06 tasks.jsonl"};
const CommandHelp kCmdSubmit{
    {"审核、存储并上报报表(--draft 时只保存)", "validate, store and submit (or with --draft, save) submissions"},
    "gridstat submit --db bureau.db --as coord-450123100202 agri-450123100202.json"};
const CommandHelp kCmdAct{{"对一个或多个实例执行动作", "take an action on one or more instances"},
                          "gridstat act --db bureau.db --as town-450123100 agri_report/2021/450123100202 approve"};
const CommandHelp kCmdInbox{{"等待该用户处理的实例", "what awaits this user's action"},
                            "gridstat inbox --db bureau.db --as town-450123100"};
const CommandHelp kCmdShow{{"一个实例:数据、审核结果和全部经过", "an instance, its findings and its whole history"},
                           "gridstat show --db bureau.db agri_report/2021/450123100202"};
const CommandHelp kCmdList{{"列出实例", "instances"},
                           "gridstat list --db bureau.db --survey agri_village --period 2021 --state submitted"};
const CommandHelp kCmdProgress{
    {"按状态和辖区统计进度,列出逾期", "counts per state and jurisdiction, and the overdue"},
    "gridstat progress --db bureau.db --survey agri_village --period 2021 --under 450123000000"};
const CommandHelp kCmdExport{{"导出已验收的数据(CSV,中文列名)", "accepted figures as CSV with Chinese labels"},
                             "gridstat export --db bureau.db --survey agri_village --period 2021 > agri-2021.csv"};
const CommandHelp kCmdUnits{{"单位名录库", "the unit registry"}, "gridstat units --db bureau.db --under 450123000000"};
const CommandHelp kCmdReplay{
    {"假设分析:用另一套定义重新审核已存报表", "what-if: re-run stored submissions under other definitions"},
    "gridstat replay --db bureau.db --defs new-definitions"};
const CommandHelp kCmdPublish{{"发布定义版本并设为当前版本", "record a definitions version and make it current"},
                              "gridstat publish --db bureau.db --as region-45 --defs definitions/guangxi"};
const CommandHelp kCmdMigrate{{"把实例迁移到当前定义版本", "move instances to the current definitions version"},
                              "gridstat migrate --db bureau.db --as region-45 --map accepted=county_accepted"};
const CommandHelp kCmdBackup{
    {"在他人工作时备份存储(SQLite 在线备份)", "copy the store while others work (SQLite online backup)"},
    "gridstat backup --db bureau.db --out bureau-copy.db"};
const CommandHelp kCmdOrg{{"组织机构", "the organisation"},
                          "gridstat org update --db bureau.db --as region-45 --org org.yaml"};
const CommandHelp kCmdOrgUpdate{{"更新用户和网格(记入日志)", "record changes to users and grids"},
                                "gridstat org update --db bureau.db --as region-45 --org org.yaml"};
const CommandHelp kCmdAudit{{"核验、导出、签名和查阅事件日志", "verify, export, sign and read the event log"},
                            "gridstat audit verify --db bureau.db"};
const CommandHelp kCmdAuditVerify{{"核验哈希链、状态和审核结果", "check the hash chain, states and findings"},
                                  "gridstat audit verify --db bureau.db"};
const CommandHelp kCmdAuditHistory{{"一个实例的全部经过", "an instance's timeline"},
                                   "gridstat audit history --db bureau.db agri_report/2021/450123100202"};
const CommandHelp kCmdAuditExport{{"为审计人员导出事件、定义和组织机构(记入日志)",
                                   "write events, definitions and organisation for an auditor (recorded)"},
                                  "gridstat audit export --db bureau.db --as region-45 --out audit-2021"};
const CommandHelp kCmdAuditAutoCheckpoint{{"自动签名检查点,存入写入者无法改动的目录",
                                           "sign checkpoints automatically into a directory out of the writers' reach"},
                                          "gridstat audit auto-checkpoint --db bureau.db --as region-45 --dir "
                                          "/srv/checkpoints --key key.pem --every-events 1000"};
const CommandHelp kCmdAuditCheckpoint{
    {"签名事件数和最新哈希(Ed25519)", "sign the event count and head hash (Ed25519)"},
    "gridstat audit checkpoint --db bureau.db --key key.pem --out checkpoint-2021-12-31.txt"};

// ---- options --------------------------------------------------------------------------------
const HelpText kOptLang{"消息语言:zh(默认)或 en", "message language: zh (default) or en"};
const HelpText kOptFormat{"输出格式:text(默认)或 json(export 为 csv)",
                          "output format: text (default) or json (export: csv)"};

const HelpText kOptDefsDir{"定义目录", "definitions directory"};
const HelpText kOptPrevious{"上期报表,视为已验收(可写多次)",
                            "earlier periods' submissions, taken as accepted (repeatable)"};
const HelpText kOptSubmissionFiles{"报表文件(- 表示标准输入)", "submission files"};
const HelpText kOptJobs{"审核用的线程数(输出仍按输入顺序)", "threads to validate with (output keeps the input order)"};

const HelpText kOptStoreFile{"存储文件", "store file"};
const HelpText kOptOrgFile{"组织机构文件(YAML)", "organisation file (YAML)"};
const HelpText kOptUser{"用户", "user"};
const HelpText kOptTopUser{"用户(须为最上级)", "user (of the top tier)"};
const HelpText kOptSurvey{"调查表", "survey"};
const HelpText kOptPeriod{"报告期", "period"};
const HelpText kOptUnder{"区划代码(只看其下)", "division code (only what lies under it)"};
const HelpText kOptRequestId{"请求号:重复提交同一请求不会重复执行",
                             "request id: the same request again has no second effect"};
const HelpText kOptWorkflow{"业务流程", "workflow"};
const HelpText kOptInputFile{"文件(- 表示标准输入)", "file (- for standard input)"};
const HelpText kOptInstanceOutright{"直接指定实例", "the instance, named outright"};
const HelpText kOptDraft{"只保存草稿,不改变状态", "save a draft; no state changes"};
const HelpText kOptActArgs{"实例... 动作", "INSTANCE... ACTION"};
const HelpText kOptComment{"意见", "comment"};
const HelpText kOptTarget{"目标区划", "target division"};
const HelpText kOptIfVersion{"仅当实例仍是这一版时才执行(非负整数)",
                             "act only if the instance is at this version (0 or more)"};
const HelpText kOptInstance{"实例", "instance"};
const HelpText kOptSeeAs{"只列出该用户可见的", "limit to what this user may see"};
const HelpText kOptState{"状态", "state"};
const HelpText kOptBy{"按哪一级区划汇总(1–5)", "division level to group by (1-5)"};
const HelpText kOptAsOf{"YYYY-MM-DD(北京时间)", "YYYY-MM-DD (Asia/Shanghai)"};
const HelpText kOptUnmasked{"身份证号码完整导出(须最上级用户 --as;记入日志)",
                            "ID numbers in full (a top-tier user, --as; recorded)"};
const HelpText kOptUscc{"统一社会信用代码", "unified social credit code"};
const HelpText kOptOutFile{"输出文件或目录", "output file or directory"};
const HelpText kOptSkipTests{"规则测试未通过也发布(须 --comment;记入日志)",
                             "publish although rule tests fail (needs --comment; recorded)"};
const HelpText kOptSkipTestsComment{"意见(跳过规则测试的理由)", "why the rule tests are skipped"};
const HelpText kOptMigrateInstance{"实例(可写多次;默认全部)", "instance (repeatable; default: all)"};
const HelpText kOptMap{
    "旧状态=新状态 或 流程.旧状态=新状态:当前定义中改了名的状态的新名称(可写多次)",
    "OLD=NEW or WORKFLOW.OLD=NEW: the new name of a state the current definitions renamed (repeatable)"};

const HelpText kOptCheckpoint{"日志必须仍然延续的已签名检查点", "a signed checkpoint the log must still extend"};
const HelpText kOptCheckpointDir{"该目录中的全部检查点(默认:已配置的目录)",
                                 "every checkpoint in this directory (default: the configured one)"};
const HelpText kOptPubkey{"检查点的公钥(PEM)", "the checkpoints' public key (PEM)"};
const HelpText kOptVerifyExport{"核验审计导出目录,而不是存储", "verify an audit export instead of a store"};
const HelpText kOptAuditOut{"新的或空的目录", "a new or empty directory"};
const HelpText kOptAutoDir{"检查点存放目录", "where the checkpoints go"};
const HelpText kOptPrivateKey{"Ed25519 私钥(PEM)", "Ed25519 private key (PEM)"};
const HelpText kOptEveryEvents{"每新增这么多条事件", "after this many new events"};
const HelpText kOptEveryMinutes{"每隔这么多分钟(在下一条命令时)", "after this many minutes, at the next command"};
const HelpText kOptAutoOff{"停止自动检查点", "stop automatic checkpoints"};

}  // namespace gridstat::cli
