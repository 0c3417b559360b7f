// Reading submissions: envelopes from JSON, JSON Lines and YAML files or text.
//
// Readers never throw and never stop at a bad record: a record that cannot be read as an
// envelope becomes a malformed-record Report (rule "envelope") with its file and line,
// and the records after it are still read.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "gridstat/diagnostic.h"
#include "gridstat/document.h"
#include "gridstat/report.h"
#include "gridstat/status.h"

namespace gridstat {

// One submission as the envelope of doc/language.md (section 7) describes it.
struct Envelope {
  std::optional<std::string> id;
  std::string survey, period, division;
  Doc data;  // an object
  std::map<std::string, std::string> explanations;  // rule code -> the collector's explanation
  // Rule code -> the digest of the values an explanation was re-confirmed for, written
  // {"text": ..., "digest": ...} in the envelope (doc/language.md, "Explanations").
  std::map<std::string, std::string> confirmed;
  std::string file;  // where it came from, for reports
  int line = 0;
};

// Reads submissions from a file: a JSON object, an array, JSON Lines, or YAML
// (by extension .yaml/.yml). Each record is passed to `on_record` in input order;
// a record that cannot be read as an envelope is passed to `on_malformed` as a
// ready report. Returns a Status only when the file itself cannot be read.
Status ReadSubmissions(const std::string& path, const std::function<void(Envelope)>& on_record,
                       const std::function<void(Report)>& on_malformed, Lang lang = Lang::kZh);

// One record as found in a file, before decoding: its text and line, or (YAML, or a
// record that could not be split out) the result already.
struct RawRecord {
  std::string text;
  int line = 0;
  std::optional<Envelope> decoded;
  std::optional<Report> malformed;
  // About how many bytes of memory the record holds, for callers that bound what they
  // keep in flight (a decoded YAML record: its values; else its text).
  size_t weight = 0;
};
// Splits a file into raw records, in input order. JSON Lines is streamed in bounded
// chunks, so memory does not grow with the file; arrays and pretty-printed JSON are
// read whole (up to 1 GiB); YAML is streamed record by record (input/yaml_reader.h).
Status SplitSubmissions(const std::string& path, const std::function<void(RawRecord)>& on_raw, Lang lang = Lang::kZh);
// Like SplitSubmissions, but JSON record texts come as views, valid during the call,
// for callers that pack records into buffers of their own; YAML and records that
// could not be split out still come as RawRecords.
Status SplitSubmissionTexts(const std::string& path, const std::function<void(std::string_view, int)>& on_text,
                            const std::function<void(RawRecord)>& on_raw, Lang lang = Lang::kZh);
// Decodes one record's JSON text; `capacity` bytes are readable from text.data()
// (64 beyond the text lets the parser work in place). Safe from several threads.
void DecodeRecordText(const std::string& path, std::string_view text, size_t capacity, int line,
                      const std::function<void(Envelope)>& on_record, const std::function<void(Report)>& on_malformed,
                      Lang lang = Lang::kZh);
// Decodes one raw record; safe to call from several threads at once.
void DecodeRawRecord(const std::string& path, RawRecord raw, const std::function<void(Envelope)>& on_record,
                     const std::function<void(Report)>& on_malformed, Lang lang = Lang::kZh);

// The same, for text already in memory; `path` is only used in reports.
Status ReadSubmissionText(const std::string& path, const std::string& text, bool yaml,
                          const std::function<void(Envelope)>& on_record,
                          const std::function<void(Report)>& on_malformed, Lang lang = Lang::kZh);

// Decodes one JSON object or array (numbers keep their source text).
Result<Doc> ParseJsonDocument(std::string_view text);
// Checks the envelope members of a decoded record; the error says what is wrong.
Status EnvelopeFromDoc(Doc doc, Envelope* env, Lang lang = Lang::kZh);

}  // namespace gridstat
