// The message catalogue: every message gridstat writes for a diagnostic, a field-level
// finding, a refused or failed command, an unreadable input or a usage error, keyed by a
// stable code, with its severity and its Chinese and English templates, in one table
// (common/messages.cc). doc/codes.md lists it; a test holds the two together and checks
// that no message text is written anywhere else.
//
// A key is the stable code (`unknown-name`, `no_access`) or, where one code has several
// wordings, code/variant (`duplicate/field`): what reaches users and programs as the code
// is the part before the slash. Templates name their arguments in braces: `{name}`.
//
//   Message(Lang::kZh, "no_user", {{"user", id}})      -> 用户「li」不存在
//   MessageBoth("duplicate/field", {{"name", n}})       -> both languages, for a Diagnostic
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "gridstat/diagnostic.h"
#include "gridstat/status.h"

namespace gridstat {

enum class MessageKind {
  kDiagnostic,  // a mistake in definition files (compile, check, publish)
  kFinding,     // a field-level problem in a submission (the rules' own messages are the definitions')
  kInput,       // a file or record that cannot be read as input
  kRefusal,     // a store or workflow command refused, with the reason
  kFailure,     // the surroundings failed: a file, the disk, the store
  kUsage,       // the command line was not understood
  kLabel,       // a word or heading of a text rendering (a report, a listing, help)
};

enum class MessageSeverity { kError, kWarning, kNote };

struct MessageDef {
  std::string_view key;
  MessageKind kind;
  MessageSeverity severity;
  std::string_view zh, en;
};

struct MessageArg {
  std::string_view name;
  std::string value;
};
using MessageArgs = std::initializer_list<MessageArg>;

struct MessageText {
  std::string zh, en;
  const std::string& in(Lang lang) const { return lang == Lang::kEn ? en : zh; }
};

// The message for `key` in `lang` with its arguments filled in. An unknown key or a
// missing argument is a bug that tests catch (tests/messages_test.cc); it renders as the
// key itself, so nothing is lost.
std::string Message(Lang lang, std::string_view key, MessageArgs args = {});
MessageText MessageBoth(std::string_view key, MessageArgs args = {});
// A Status whose message, in both languages, is the catalogue's.
Status Failure(Status::Code code, std::string_view key, MessageArgs args = {});
// The stable code of a key: the part before '/'.
std::string_view MessageCode(std::string_view key);
const MessageDef* FindMessage(std::string_view key);
// Every entry, in table order.
const std::vector<MessageDef>& MessageCatalogue();
const char* MessageKindName(MessageKind k);
const char* MessageSeverityName(MessageSeverity s);

}  // namespace gridstat
