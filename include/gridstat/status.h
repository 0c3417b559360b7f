// Infrastructure failures (I/O, a broken store, a bug) travel as Status / Result<T>.
// The user's own mistakes never do: they are data (diagnostics, findings).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "gridstat/diagnostic.h"

namespace gridstat {

class Status {
 public:
  enum class Code { kOk, kNotFound, kIo, kInvalid, kInternal };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status NotFound(std::string m) { return Status(Code::kNotFound, std::move(m)); }
  static Status Io(std::string m) { return Status(Code::kIo, std::move(m)); }
  static Status Invalid(std::string m) { return Status(Code::kInvalid, std::move(m)); }
  static Status Internal(std::string m) { return Status(Code::kInternal, std::move(m)); }

  // A failure with its message in both languages (gridstat's own failures are made so,
  // from the message catalogue; see doc/codes.md).
  static Status Make(Code c, std::string message_en, std::string message_zh) {
    Status s(c, std::move(message_en));
    s.message_zh_ = std::move(message_zh);
    return s;
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  // The message in English.
  const std::string& message() const { return message_; }
  // The message in `lang` (English when no Chinese text was given).
  const std::string& message(Lang lang) const {
    return lang == Lang::kZh && !message_zh_.empty() ? message_zh_ : message_;
  }

 private:
  Status(Code c, std::string m) : code_(c), message_(std::move(m)) {}
  Code code_ = Code::kOk;
  std::string message_, message_zh_;
};

// A value or the Status explaining why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}           // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}    // NOLINT: must not be Ok
  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace gridstat
