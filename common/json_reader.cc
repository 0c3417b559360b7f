#include "common/json_reader.h"

#include <string>

#include <simdjson.h>

#include "common/text.h"

namespace gridstat::json {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

MessageText Malformed(const MessageText& detail) {
  return {Message(Lang::kZh, "json_malformed", {{"detail", detail.zh}}),
          Message(Lang::kEn, "json_malformed", {{"detail", detail.en}})};
}

struct Reader::Impl {
  bool Parse(std::string_view text, Doc* out, MessageText* problem, size_t capacity) {
    if (text.size() > kMaxRecordBytes) {
      *problem = MessageBoth("record_too_large", {{"mib", std::to_string(kMaxRecordBytes >> 20)}});
      return false;
    }
    simdjson::ondemand::document doc;
    simdjson::error_code err;
    if (capacity >= text.size() + simdjson::SIMDJSON_PADDING) {
      err = parser_.iterate(text.data(), text.size(), capacity).get(doc);
    } else {
      padded_ = simdjson::padded_string(text.data(), text.size());
      err = parser_.iterate(padded_).get(doc);
    }
    if (err) return Fail(err, problem, text);
    simdjson::ondemand::value root;
    // A scalar document cannot be taken as a value; it is not an envelope anyway.
    simdjson::ondemand::json_type type;
    if ((err = doc.type().get(type))) return Fail(err, problem, text);
    if (type != simdjson::ondemand::json_type::object && type != simdjson::ondemand::json_type::array) {
      *problem = MessageBoth("json_not_object");
      return false;
    }
    if ((err = doc.get_value().get(root))) return Fail(err, problem, text);
    if (!Walk(root, out, 1, problem)) return false;
    // Anything after the value is an error: the iterator stands on it.
    const char* rest = nullptr;
    if (doc.current_location().get(rest) == simdjson::SUCCESS && rest != nullptr) {
      *problem = MessageBoth("json_trailing");
      return false;
    }
    return true;
  }

  bool Fail(simdjson::error_code err, MessageText* p, std::string_view text = {}) {
    if (err == simdjson::UTF8_ERROR) {
      size_t bad = FindInvalidUtf8(text);
      if (bad != std::string_view::npos) {
        *p = MessageBoth("invalid_utf8/at", {{"byte", std::to_string(bad + 1)}});
        return false;
      }
    }
    // The Chinese text names the fault in words of its own; the English one is simdjson's.
    const char* zh;
    switch (err) {
      case simdjson::UTF8_ERROR: zh = "invalid_utf8"; break;
      case simdjson::UNCLOSED_STRING: zh = "json_fault/unclosed_string"; break;
      case simdjson::DEPTH_ERROR: zh = "json_fault/depth"; break;
      case simdjson::NUMBER_ERROR: zh = "json_fault/number"; break;
      case simdjson::EMPTY: zh = "json_fault/empty"; break;
      case simdjson::UNESCAPED_CHARS: zh = "json_fault/unescaped"; break;
      default: zh = "json_fault/structure";
    }
    *p = Malformed({Message(Lang::kZh, zh), simdjson::error_message(err)});
    return false;
  }

  bool Walk(simdjson::ondemand::value v, Doc* out, int depth, MessageText* p) {
    if (depth > kMaxDepth) {
      *p = MessageBoth("nested_too_deep", {{"max", std::to_string(kMaxDepth)}});
      return false;
    }
    simdjson::ondemand::json_type type;
    auto err = v.type().get(type);
    if (err) return Fail(err, p);
    switch (type) {
      case simdjson::ondemand::json_type::object: {
        out->kind = Doc::Kind::kObject;
        simdjson::ondemand::object obj;
        if ((err = v.get_object().get(obj))) return Fail(err, p);
        out->members.reserve(depth <= 2 ? 16 : 8);  // envelopes and their data are small objects
        for (auto field : obj) {
          std::string_view key;
          if ((err = field.unescaped_key().get(key))) return Fail(err, p);
          out->members.emplace_back(std::string(key), Doc());
          simdjson::ondemand::value child;
          if ((err = field.value().get(child))) return Fail(err, p);
          if (!Walk(child, &out->members.back().second, depth + 1, p)) return false;
        }
        return true;
      }
      case simdjson::ondemand::json_type::array: {
        out->kind = Doc::Kind::kArray;
        simdjson::ondemand::array arr;
        if ((err = v.get_array().get(arr))) return Fail(err, p);
        for (auto item : arr) {
          simdjson::ondemand::value child;
          if ((err = item.get(child))) return Fail(err, p);
          out->items.emplace_back();
          if (!Walk(child, &out->items.back(), depth + 1, p)) return false;
        }
        return true;
      }
      case simdjson::ondemand::json_type::number: {
        out->kind = Doc::Kind::kNumber;
        std::string_view raw = v.raw_json_token();
        while (!raw.empty() && IsSpace(raw.back())) raw.remove_suffix(1);
        // raw_json_token does not validate; the number is checked here.
        if (!IsJsonNumber(raw)) return Fail(simdjson::NUMBER_ERROR, p);
        out->text = std::string(raw);
        return true;
      }
      case simdjson::ondemand::json_type::string: {
        out->kind = Doc::Kind::kString;
        std::string_view s;
        if ((err = v.get_string().get(s))) return Fail(err, p);
        out->text = std::string(s);
        return true;
      }
      case simdjson::ondemand::json_type::boolean: {
        out->kind = Doc::Kind::kBool;
        if ((err = v.get_bool().get(out->boolean))) return Fail(err, p);
        return true;
      }
      case simdjson::ondemand::json_type::null: {
        bool is_null = false;
        if ((err = v.is_null().get(is_null)) || !is_null) return Fail(err ? err : simdjson::INCORRECT_TYPE, p);
        out->kind = Doc::Kind::kNull;
        return true;
      }
    }
    return true;
  }

  simdjson::ondemand::parser parser_;
  simdjson::padded_string padded_;
};

Reader::Reader() : impl_(std::make_unique<Impl>()) {}
Reader::~Reader() = default;

bool Reader::Parse(std::string_view text, Doc* out, MessageText* problem, size_t capacity) {
  return impl_->Parse(text, out, problem, capacity);
}

}  // namespace gridstat::json
