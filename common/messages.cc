#include "common/messages.h"

#include <unordered_map>

namespace gridstat {
namespace {

constexpr MessageKind kDiag = MessageKind::kDiagnostic;
constexpr MessageKind kFinding = MessageKind::kFinding;
constexpr MessageKind kInput = MessageKind::kInput;
constexpr MessageKind kRefusal = MessageKind::kRefusal;
constexpr MessageKind kFailure = MessageKind::kFailure;
constexpr MessageKind kUsage = MessageKind::kUsage;
constexpr MessageKind kLabel = MessageKind::kLabel;
constexpr MessageSeverity kError = MessageSeverity::kError;
constexpr MessageSeverity kWarning = MessageSeverity::kWarning;
constexpr MessageSeverity kNote = MessageSeverity::kNote;

// The table. Keep each stage's entries in its section, sorted by key within it.
const MessageDef kMessages[] = {
    // ---- common: files ------------------------------------------------------
    {"file_open", kFailure, kError, "无法打开 {path}", "cannot open {path}"},
    {"file_read", kFailure, kError, "无法读取 {path}", "cannot read {path}"},
    {"file_too_large", kFailure, kError, "{path} 大于 {max} 字节", "{path} is larger than {max} bytes"},
    {"stdin_read", kFailure, kError, "无法读取标准输入", "cannot read standard input"},
    {"stdin_too_large", kFailure, kError, "标准输入大于 {max} 字节", "standard input is larger than {max} bytes"},

    // ---- dsl: parsing -------------------------------------------------------

    // ---- compile: definitions -----------------------------------------------

    // ---- eval: run-time faults ------------------------------------------------

    // ---- input: reading submissions -------------------------------------------

    // ---- validate: field-level findings, reports, rule tests --------------------

    // ---- workflow and store: refusals and failures ------------------------------

    // ---- capi -----------------------------------------------------------------
    {"ambiguous_previous", kInput, kError, "上期数据有歧义: 同一调查表、记录键和报告期有两份不同的记录,未执行审核",
     "ambiguous previous-period data: two different records for one survey, key and period; nothing was validated"},
    {"bad_request/duplicate_member", kUsage, kError, "请求中成员重复: {member}",
     "member given twice in the request: {member}"},
    {"bad_request/empty", kUsage, kError, "{member} 不能为空", "{member} must not be empty"},
    {"bad_request/instance_and_instances", kUsage, kError, "instance 与 instances 只能给一个",
     "give instance or instances, not both"},
    {"bad_request/missing_member", kUsage, kError, "请求缺少成员: {member}", "the request lacks the member: {member}"},
    {"bad_request/no_program", kUsage, kError, "没有定义(NULL)", "no program (NULL)"},
    {"bad_request/no_store", kUsage, kError, "没有存储(NULL)", "no store (NULL)"},
    {"bad_request/not_bool", kUsage, kError, "{member} 应为 true 或 false", "{member} must be true or false"},
    {"bad_request/not_int", kUsage, kError, "{member} 应为 {lo} 到 {hi} 之间的整数",
     "{member} must be a whole number from {lo} to {hi}"},
    {"bad_request/not_json", kUsage, kError, "请求不是有效的 JSON: {reason}", "the request is not valid JSON: {reason}"},
    {"bad_request/not_object", kUsage, kError, "请求应为 JSON 对象", "the request must be a JSON object"},
    {"bad_request/not_string", kUsage, kError, "{member} 应为字符串", "{member} must be a string"},
    {"bad_request/not_strings", kUsage, kError, "{member} 应为非空字符串的数组",
     "{member} must be an array of non-empty strings"},
    {"bad_request/pubkey", kUsage, kError, "pubkey 须与 checkpoint 或 checkpoint_dir 之一同用",
     "pubkey goes with one of checkpoint or checkpoint_dir"},
    {"bad_request/submissions", kUsage, kError, "submissions 应为报表对象或其数组",
     "submissions must be an envelope object or an array of them"},
    {"bad_request/unknown_member", kUsage, kError, "请求中有未知成员: {member}", "unknown member in the request: {member}"},
    {"internal/compile", kFailure, kError, "内部错误", "internal error"},
    {"internal/unknown", kFailure, kError, "未知错误", "unknown error"},
    {"malformed_previous", kInput, kError, "上期记录无法读取,未执行审核: {record}",
     "a previous-period record cannot be read; nothing was validated: {record}"},

    // ---- cli: usage and labels -------------------------------------------------
    {"ambiguous_previous/more", kInput, kNote, "……另有 {count} 处", "… and {count} more"},
    {"ambiguous_previous/nothing_validated", kInput, kError, "未执行审核:--previous 文件中每个调查表、记录键和报告期只能有一份记录",
     "nothing was validated: keep one record per survey, key and period in the --previous files"},
    {"ambiguous_previous/pair", kInput, kError, "上期数据有歧义: {what} 有两份不同的记录: {there} 与 {here}",
     "ambiguous previous-period data: two different records for {what}: {there} and {here}"},
    {"event/comment", kLabel, kNote, "  意见: {comment}", "  comment: {comment}"},
    {"event/refused", kLabel, kNote, "被拒绝: {message}", "REFUSED: {message}"},
    {"event/refused_reason", kLabel, kNote, "被拒绝 [{reason}] {message}", "REFUSED [{reason}] {message}"},
    {"input_unreadable", kFailure, kError, "无法读取输入文件: {path} ({reason})", "cannot read input file: {path} ({reason})"},
    {"internal_error", kFailure, kError, "gridstat: internal error: {what}", "gridstat: internal error: {what}"},
    {"no_events", kRefusal, kError, "没有该实例的事件: {instance}", "no events for {instance}"},
    {"previous_skipped", kInput, kWarning, "上期记录无法使用,已跳过: {where} {problem}",
     "previous-period record skipped: {where} {problem}"},
    {"previous_unreadable", kFailure, kError, "无法读取上期数据文件: {path} ({reason})",
     "cannot read previous-period file: {path} ({reason})"},
    {"progress/due", kLabel, kNote, "(应于 {due} 前 {action})", " (due {due} to {action})"},
    {"progress/heading", kLabel, kNote, "{survey} {period}  截至 {as_of},共 {total}",
     "{survey} {period}  as of {as_of}, total {total}"},
    {"progress/overdue", kLabel, kNote, "逾期: {count}", "overdue: {count}"},
    {"replay_summary", kLabel, kNote, "{count} 个实例的审核结果会改变", "{count} instances would change"},
    {"result/conflict", kLabel, kError, "冲突", "conflict"},
    {"result/error", kLabel, kError, "错误", "error"},
    {"result/refused", kLabel, kError, "拒绝", "refused"},
    {"result/repeated", kLabel, kNote, "(重复请求)", " (repeated request)"},
    {"rule_test/actual", kLabel, kNote, "  实际触发: {rules} ({status})", "  actual:   {rules} ({status})"},
    {"rule_test/expected", kLabel, kNote, "  应触发: {rules}{status}", "  expected: {rules}{status}"},
    {"rule_test/failed", kLabel, kError, "{where}: 未通过 {name}", "{where}: FAIL {name}"},
    {"rule_test/none", kLabel, kNote, "(none)", "(none)"},
    {"rule_test/summary", kLabel, kNote, "{passed} passed, {failed} failed", "{passed} passed, {failed} failed"},
    {"show/draft", kLabel, kNote, "(草稿)", " (draft)"},
    {"show/explanation", kLabel, kNote, "      说明: {text}", "      explanation: {text}"},
    {"show/figures", kLabel, kNote, "  填报数据:", "  figures:"},
    {"show/history", kLabel, kNote, "  历史:", "  history:"},
    {"show/jurisdiction", kLabel, kNote, "  所在区划: {division} {name}  状态: {state}  版本: {version}",
     "  jurisdiction: {division} {name}  state: {state}  version: {version}"},
    {"show/roster", kLabel, kNote, "    {label}({rows} 行):", "    {label} ({rows} rows):"},
    {"show/submission", kLabel, kNote, "  最新报表: 第 {revision} 版,{status}{draft}",
     "  latest submission: revision {revision}, {status}{draft}"},
    {"show/workflow", kLabel, kNote, "  流程: {workflow}  调查表: {survey}  报告期: {period}",
     "  workflow: {workflow}  survey: {survey}  period: {period}"},
    {"store_open", kFailure, kError, "无法打开数据库: {reason}", "cannot open store: {reason}"},
    {"usage/act", kUsage, kError, "用法: act 实例... 动作", "usage: act INSTANCE... ACTION"},
    {"usage/db_or_export", kUsage, kError, "用法: --db 与 --export 只能用一个", "usage: --db or --export, not both"},
    {"usage/db_required", kUsage, kError, "需要 --db", "--db is required"},
    {"usage/format", kUsage, kError, "用法: 此命令没有 --format {format}{why}",
     "usage: this command has no --format {format}{why}"},
    {"usage/format_export_csv", kUsage, kNote, "(export 只输出 CSV)", " (export writes CSV)"},
    {"usage/format_nothing", kUsage, kNote, "(它没有可格式化的输出)", " (it prints nothing to format)"},
    {"usage/format_only_export_csv", kUsage, kNote, "(只有 export 输出 CSV)", " (only export writes CSV)"},
    {"usage/help_hint", kUsage, kNote, "用 {help} 查看帮助。", "Run with {help} for more information."},
    {"usage/map", kUsage, kError, "用法: --map 旧状态=新状态 或 --map 流程.旧状态=新状态,而不是 {arg}",
     "usage: --map OLD=NEW or --map WORKFLOW.OLD=NEW, not {arg}"},
    {"usage/map_twice", kUsage, kError, "用法: --map 给了 {state} 两个新名称", "usage: --map gives two new names for {state}"},
    {"usage/pubkey", kUsage, kError, "用法: --pubkey 须与 --checkpoint 或 --checkpoint-dir 之一同用",
     "usage: --pubkey with one of --checkpoint or --checkpoint-dir"},
    {"usage/version", kUsage, kError, "版本号应为非负整数", "a version is a whole number, 0 or more"},
    {"validate_summary", kLabel, kNote, "共 {total} 份: 通过 {pass},警告 {warning},错误 {error}",
     "{total} submissions: {pass} pass, {warning} warning, {error} error"},
    {"verify/after_checkpoint", kLabel, kNote, "检查点之后的事件({from}-{to})只证明了内部一致",
     "events after the checkpoint ({from}-{to}) are proved internally consistent only"},
    {"verify/cannot", kFailure, kError, "无法验证: {problem}", "cannot verify: {problem}"},
    {"verify/checkpoint", kLabel, kNote, "检查点: {file} (v{version}) 签名覆盖事件 1-{events},头哈希 {head},签名时间 {at}",
     "checkpoint: {file} (v{version}) signs events 1-{events}, head hash {head}, signed at {at}"},
    {"verify/failed", kLabel, kError, "验证失败,第一个不成立的事件: #{seq}: {problem}", "FAILED at event {seq}: {problem}"},
    {"verify/internal_only", kLabel, kWarning, "只证明了内部一致: 没有检查签名检查点,整体改写并重算哈希链的历史也会通过;请用 --checkpoint 或自动检查点",
     "proved internal consistency only: no checkpoint was checked, so a history rewritten as a whole (events re-chained) would pass; use --checkpoint or auto-checkpoint"},
    {"verify/ok", kLabel, kNote, "通过: {events} events, {instances} instances, {submissions} submissions",
     "ok: {events} events, {instances} instances, {submissions} submissions"},
    {"verify/proved_checkpoint", kLabel, kNote, "已证明: 日志仍延续 {count} 个签名检查点;公钥: {key}",
     "proved: the log still extends {count} signed checkpoint(s); key: {key}"},
    {"verify/unsigned", kLabel, kNote, "未签名(第 1 版检查点)", "not signed (a version 1 checkpoint)"},

};

const std::unordered_map<std::string_view, const MessageDef*>& Index() {
  static const auto* index = [] {
    auto* m = new std::unordered_map<std::string_view, const MessageDef*>;
    for (const auto& d : kMessages) m->emplace(d.key, &d);
    return m;
  }();
  return *index;
}

std::string Fill(std::string_view tmpl, std::string_view key, MessageArgs args) {
  std::string out;
  out.reserve(tmpl.size() + 32);
  for (size_t i = 0; i < tmpl.size();) {
    if (tmpl[i] == '{') {
      size_t close = tmpl.find('}', i + 1);
      if (close != std::string_view::npos) {
        std::string_view name = tmpl.substr(i + 1, close - i - 1);
        const MessageArg* arg = nullptr;
        for (const auto& a : args)
          if (a.name == name) arg = &a;
        if (arg != nullptr) {
          out += arg->value;
        } else {
          out += '{';
          out += name;
          out += '}';
        }
        i = close + 1;
        continue;
      }
    }
    out += tmpl[i++];
  }
  (void)key;
  return out;
}

}  // namespace

const MessageDef* FindMessage(std::string_view key) {
  const auto& index = Index();
  auto it = index.find(key);
  return it == index.end() ? nullptr : it->second;
}

std::string Message(Lang lang, std::string_view key, MessageArgs args) {
  const MessageDef* d = FindMessage(key);
  if (d == nullptr) return std::string(key);
  return Fill(lang == Lang::kEn ? d->en : d->zh, key, args);
}

MessageText MessageBoth(std::string_view key, MessageArgs args) {
  const MessageDef* d = FindMessage(key);
  if (d == nullptr) return {std::string(key), std::string(key)};
  return {Fill(d->zh, key, args), Fill(d->en, key, args)};
}

Status Failure(Status::Code code, std::string_view key, MessageArgs args) {
  MessageText t = MessageBoth(key, args);
  return Status::Make(code, std::move(t.en), std::move(t.zh));
}

std::string_view MessageCode(std::string_view key) { return key.substr(0, key.find('/')); }

const std::vector<MessageDef>& MessageCatalogue() {
  static const std::vector<MessageDef> all(std::begin(kMessages), std::end(kMessages));
  return all;
}

const char* MessageKindName(MessageKind k) {
  switch (k) {
    case MessageKind::kDiagnostic: return "diagnostic";
    case MessageKind::kFinding: return "finding";
    case MessageKind::kInput: return "input";
    case MessageKind::kRefusal: return "refusal";
    case MessageKind::kFailure: return "failure";
    case MessageKind::kUsage: return "usage";
    case MessageKind::kLabel: return "label";
  }
  return "?";
}

const char* MessageSeverityName(MessageSeverity s) {
  switch (s) {
    case MessageSeverity::kError: return "error";
    case MessageSeverity::kWarning: return "warning";
    case MessageSeverity::kNote: return "note";
  }
  return "?";
}

}  // namespace gridstat
