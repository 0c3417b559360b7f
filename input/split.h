// Splitting a file into the texts of its records: JSON Lines streamed line by line, a
// multi-line JSON document (an array, or pretty-printed objects) read whole and cut at its
// records, YAML read record by record through the guarded reader (input/yaml_reader.h).
#pragma once

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

#include "gridstat/input.h"
#include "input/yaml_reader.h"

namespace gridstat::input {

// Reads a source in bounded chunks: a file, or text already in memory.
class Source {
 public:
  explicit Source(FILE* f) : f_(f) {}
  explicit Source(std::string_view text) : text_(text) {}
  size_t Read(char* buf, size_t n) {
    if (f_) return std::fread(buf, 1, n, f_);
    size_t k = std::min(n, text_.size() - pos_);
    std::memcpy(buf, text_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  bool error() const { return f_ && std::ferror(f_); }

 private:
  FILE* f_ = nullptr;
  std::string_view text_;
  size_t pos_ = 0;
};

// A record's text with room for the parser's padding, so that it is parsed in place.
std::string Padded(std::string_view text);

// Splits JSON input into raw records. JSON Lines is streamed: memory stays bounded
// by the largest record, whatever the size of the file.
using TextSink = std::function<void(std::string_view, int)>;
Status SplitJson(const std::string& path, Source& src, const TextSink& on_text, const std::function<void(RawRecord)>& on_raw,
                 Lang lang);
// YAML records come decoded (or as malformed reports), as RawRecords.
Status SplitYaml(const std::string& path, ByteSource& src, const std::function<void(RawRecord)>& on_raw, Lang lang);
// Whether a file is read as YAML: by its extension, .yaml or .yml.
bool IsYamlPath(const std::string& path);

}  // namespace gridstat::input
