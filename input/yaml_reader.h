// The one guarded YAML reader. Every YAML the project reads (submissions, rule tests,
// the organisation file) goes through it, so that the same hostile text gets the same
// answer everywhere:
//
//   - it streams: yaml-cpp's event parser feeds a builder of `Doc`s, and no YAML::Node
//     tree is ever built, so memory is bounded by the largest record, not by the file;
//   - a NUL byte or invalid UTF-8 stops the reading at that byte, with its line (yaml-cpp
//     would garble both); a lone CR is a line end, as YAML says;
//   - flow nesting is bounded on the bytes, before yaml-cpp's scanner queues tokens for
//     it; every record is bounded in depth (64), in nodes after alias expansion, and in
//     bytes (4 MiB for a submission record);
//   - yaml-cpp 0.7 never ends on a flow value followed by ',' at the top level: a
//     document that starts where the last one started stops the reading;
//   - aliases are kept as the events of their anchored node, never expanded in advance;
//     expanding one is charged to the record that uses it, and, so that time stays
//     bounded too, to the file: at most 1,000,000 + 4 per byte read so far, in all;
//   - a trailing or doubled comma in a flow collection ([a, b,], {a: 1,,}) is refused.
//
// After an error that leaves the parser unusable (a syntax error, a NUL byte...), the
// reading goes on at the next document marker line (`---`, or the line after `...`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "gridstat/document.h"
#include "gridstat/status.h"

namespace gridstat::input {

// Bytes read in order, with a way back: the reader seeks to restart after an error.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual size_t Read(char* buf, size_t n) = 0;
  // Moves to absolute offset `off`; false when the source cannot.
  virtual bool Seek(uint64_t off) = 0;
  virtual bool error() const { return false; }
};

// A source over text in memory; the text must outlive it.
class MemorySource : public ByteSource {
 public:
  explicit MemorySource(std::string_view text) : text_(text) {}
  size_t Read(char* buf, size_t n) override;
  bool Seek(uint64_t off) override;

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

// A source over an open file (not owned).
class FileSource : public ByteSource {
 public:
  explicit FileSource(FILE* f) : f_(f) {}
  size_t Read(char* buf, size_t n) override;
  bool Seek(uint64_t off) override;
  bool error() const override;

 private:
  FILE* f_;
};

struct YamlLimits {
  int max_depth = 64;                      // nesting within one record
  size_t max_nodes = 250000;               // values of one record, aliases expanded
  size_t max_record_bytes = size_t{4} << 20;  // 0: no bound (a whole-file document)
  // Set by the whole-file reader: nodes grow with the file, max_nodes + 4 per byte.
  bool nodes_per_file_byte = false;
};

// What is wrong with a record or a stretch of the file, in both languages.
struct YamlProblem {
  int line = 0;  // 1-based
  std::string zh, en;
  std::optional<std::string> id;  // the record's id, when it was read before the problem
};

// Reads every record: each item of a document that is a sequence, else the document
// itself (empty documents hold none). Records and problems come in file order; a
// record comes with the number of values it holds (its memory is about 150 bytes each).
// Returns a Status only when the source cannot be read.
Status ReadYamlRecords(ByteSource& src, const YamlLimits& limits, const std::function<void(Doc, int, size_t)>& on_record,
                       const std::function<void(YamlProblem)>& on_problem);

// Reads the first document of a small file whole (rule tests, the organisation file),
// under the same guards, with a node budget of 250,000 + 4 per byte of text.
// An empty document gives a null Doc. On failure, `problem` says where and what.
bool LoadYamlDocument(std::string_view text, Doc* out, YamlProblem* problem);

// The guards alone, for a caller that goes on with yaml-cpp's own loader: Ok, or
// Invalid("<file>:<line>: <message>") in the given language (true: English).
Status CheckYamlText(const std::string& file, std::string_view text, bool english);

}  // namespace gridstat::input
