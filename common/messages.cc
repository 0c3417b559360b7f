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

    // ---- cli: usage and labels -------------------------------------------------

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
