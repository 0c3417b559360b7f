// The one JSON reader: simdjson's on-demand parser into a gridstat::Doc, within bounds.
// Submissions (input/), the store's own records and the auditor (ParseJsonDocument) all
// read JSON through it, so that the same text gets the same answer everywhere.
//
// Numbers keep their source text; a record is at most kMaxRecordBytes long and nested at
// most kMaxDepth deep; anything after the value is an error. What is wrong is said in both
// languages, from the message catalogue (kind input).
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "common/messages.h"
#include "gridstat/document.h"

namespace gridstat::json {

constexpr int kMaxDepth = 64;
constexpr size_t kMaxRecordBytes = size_t{4} << 20;

// "malformed JSON: <detail>" in each language, the detail already in that language.
MessageText Malformed(const MessageText& detail);

// Reuses its parser's memory from one record to the next: keep one per thread.
class Reader {
 public:
  Reader();
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Parses one record's text (a JSON object or array) into `out`; on failure fills
  // `problem` and returns false. `capacity` bytes are readable from text.data(): with
  // simdjson's padding beyond the text, the text is parsed in place, not copied.
  bool Parse(std::string_view text, Doc* out, MessageText* problem, size_t capacity = 0);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gridstat::json
