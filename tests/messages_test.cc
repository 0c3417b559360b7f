// The message catalogue (common/messages.cc): well-formed, and listed in doc/codes.md
// exactly as it is. UPDATE_CODES_DOC=1 rewrites the doc's table from the catalogue.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "common/messages.h"

using namespace gridstat;

namespace {

std::set<std::string> Placeholders(std::string_view t) {
  std::set<std::string> out;
  static const std::regex kArg(R"(\{([a-z_][a-z0-9_]*)\})");
  std::string s(t);
  for (std::sregex_iterator it(s.begin(), s.end(), kArg), end; it != end; ++it) out.insert((*it)[1]);
  return out;
}

std::string Cell(std::string_view t) {
  std::string out;
  for (char c : t) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += "<br>";
    else out += c;
  }
  return "`" + out + "`";
}

std::string Table() {
  std::string out = "| code | kind | severity | 中文 | English |\n|---|---|---|---|---|\n";
  for (const auto& d : MessageCatalogue()) {
    out += "| `" + std::string(d.key) + "` | " + MessageKindName(d.kind) + " | " + MessageSeverityName(d.severity) +
           " | " + Cell(d.zh) + " | " + Cell(d.en) + " |\n";
  }
  return out;
}

const char kBegin[] = "<!-- catalogue: begin (generated from common/messages.cc by tests/messages_test.cc) -->\n";
const char kEnd[] = "<!-- catalogue: end -->\n";

}  // namespace

TEST_CASE("messages: every entry has a unique key, both languages and the same arguments in each", "[messages]") {
  std::set<std::string> keys;
  static const std::regex kKey(R"([a-z][a-z0-9_-]*(/[a-z0-9_-]+)?)");
  for (const auto& d : MessageCatalogue()) {
    INFO(d.key);
    CHECK(std::regex_match(std::string(d.key), kKey));
    CHECK(keys.insert(std::string(d.key)).second);
    CHECK_FALSE(d.zh.empty());
    CHECK_FALSE(d.en.empty());
    CHECK(Placeholders(d.zh) == Placeholders(d.en));
  }
}

TEST_CASE("messages: templates are filled by name, and unknown keys show as themselves", "[messages]") {
  CHECK(Message(Lang::kZh, "file_open", {{"path", "a.csv"}}) == "无法打开 a.csv");
  CHECK(Message(Lang::kEn, "file_open", {{"path", "a.csv"}}) == "cannot open a.csv");
  auto both = MessageBoth("file_too_large", {{"max", "10"}, {"path", "b"}});
  CHECK(both.zh == "b 大于 10 字节");
  CHECK(both.en == "b is larger than 10 bytes");
  CHECK(Message(Lang::kEn, "no-such-key") == "no-such-key");
  CHECK(MessageCode("duplicate/field") == "duplicate");
  CHECK(MessageCode("no_user") == "no_user");
  Status st = Failure(Status::Code::kIo, "file_read", {{"path", "x"}});
  CHECK(st.code() == Status::Code::kIo);
  CHECK(st.message() == "cannot read x");
  CHECK(st.message(Lang::kZh) == "无法读取 x");
}

TEST_CASE("messages: doc/codes.md lists the catalogue as it is", "[messages]") {
  std::string path = std::string(GRIDSTAT_SOURCE_DIR) + "/doc/codes.md";
  std::ifstream in(path);
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string doc = ss.str();
  size_t b = doc.find(kBegin), e = doc.find(kEnd);
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  b += sizeof kBegin - 1;
  std::string table = Table();
  if (std::getenv("UPDATE_CODES_DOC") != nullptr && doc.substr(b, e - b) != table) {
    doc = doc.substr(0, b) + table + doc.substr(e);
    std::ofstream(path) << doc;
    WARN("doc/codes.md rewritten from the catalogue");
    return;
  }
  CHECK(doc.substr(b, e - b) == table);
}
