// Validating submissions against a compiled Program.
//
//   gridstat::Validator v(program);                 // cheap; share the Program
//   gridstat::Envelope env = ...;                   // from ReadSubmissions() or your own decoder
//   gridstat::Report r = v.Validate(env);
//   if (r.status == gridstat::Report::Status::kError) ...
//
// A Validator is immutable after construction and safe to use from many threads
// at once. Validate() never throws and never aborts on bad data: every problem
// with the data becomes a finding (see doc/language.md for the semantics).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gridstat/diagnostic.h"
#include "gridstat/document.h"
#include "gridstat/engine.h"
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

struct Finding {
  std::string rule;          // a catalogue code, or a field-level code such as "required"
  bool is_error = true;
  std::string message;
  std::vector<std::string> fields;  // persons[2].birth for roster fields
  bool explained = false;
  std::string fault;         // set when the rule faulted at run time
  // A warning's digest (report format 2): of the values of `fields`, so that an explanation
  // can be tied to the values it explains.
  std::string digest;
  // The warning's explanation was carried over word for word from the revision before,
  // where it explained other values, so it no longer counts.
  bool stale_explanation = false;
};

// An explanation that counted in a stored revision, with the digest of the values it explained.
struct CountedExplanation {
  std::string text, digest;
};
// Rule code -> the explanation that counted in the revision a resubmission replaces.
using ExplanationHistory = std::map<std::string, CountedExplanation>;

struct Report {
  enum class Status { kPass, kWarning, kError };
  std::optional<std::string> id;
  std::string survey;
  Status status = Status::kPass;
  std::vector<Finding> findings;
  // For a malformed record (rule "envelope"): where it was found.
  bool malformed = false;
  std::string file;
  int line = 0;
};

// Earlier periods' accepted submissions, for cross-period rules (prev()).
class PreviousSource {
 public:
  virtual ~PreviousSource() = default;
  // The accepted submission of `survey` for record key `key` in `period`, or null.
  virtual const Envelope* Find(const std::string& survey, const std::string& key,
                               const std::string& period) const = 0;
};

// An in-memory PreviousSource: every envelope added is taken as accepted.
class PreviousSet : public PreviousSource {
 public:
  explicit PreviousSet(std::shared_ptr<const Program> program) : program_(std::move(program)) {}
  // Adds `e` as the accepted submission for its survey, record key and period, and returns
  // null. When another envelope already holds that place and differs from `e` (in its id,
  // division, data or explanations, as written), which of the two is meant cannot be told:
  // `e` is not added and the one held is returned, for the caller to refuse the run. An
  // identical repeat (the same file given twice) changes nothing. An envelope without a
  // record key is dropped.
  const Envelope* Add(Envelope e);
  const Envelope* Find(const std::string& survey, const std::string& key, const std::string& period) const override;

 private:
  std::shared_ptr<const Program> program_;
  std::map<std::string, Envelope> by_key_;
};

class Validator {
 public:
  explicit Validator(std::shared_ptr<const Program> program, Lang lang = Lang::kZh);
  // `earlier`: the explanations that counted in the revision this one replaces (a store's
  // resubmission). An explanation carried over from it word for word, for values that have
  // changed since, does not count, unless it is re-confirmed with the current digest.
  Report Validate(const Envelope& env, const PreviousSource* previous = nullptr,
                  const ExplanationHistory* earlier = nullptr) const;
  // Decodes and validates one record given as JSON text: the report is the one that
  // DecodeRecordText and then Validate would give (a malformed record's included), but a
  // plain record is read straight from the parser, without a document, which is faster.
  // `capacity` bytes are readable from text.data() (see DecodeRecordText). Safe from
  // several threads.
  void ValidateText(const std::string& path, std::string_view text, size_t capacity, int line,
                    const PreviousSource* previous, const std::function<void(const Report&)>& emit) const;
  // The fast half of ValidateText: validates a plain record (one JSON object with id,
  // survey, period, division and then data; no explanations; its survey without rosters,
  // and without cross-period rules when `previous` is given; data with known scalar fields
  // and no field-level problem) into `out` and returns true; returns false for any other.
  bool ValidatePlainText(const std::string& path, std::string_view text, size_t capacity, int line,
                         const PreviousSource* previous, Report* out) const;
  // The record key of an envelope ("450102001003", or parts joined by '|'), or
  // nullopt when the survey is unknown or a key field is missing.
  std::optional<std::string> RecordKey(const Envelope& env) const;
  // The period before `period` in the survey's period kind ("2021" -> "2020").
  std::optional<std::string> PreviousPeriod(const std::string& survey, const std::string& period) const;
  const Program& program() const { return *program_; }
  // Without messages, findings carry rule codes and fields only (for bulk re-checks
  // and benchmarks); set before sharing the Validator between threads.
  void set_messages(bool on) { messages_ = on; }
  // The report format: 2 (the default) gives warnings their digest and ties explanations to
  // values; 1 is the format of revisions stored before, kept so that they verify.
  static constexpr int kReportFormat = 2;
  void set_report_format(int format) { format_ = format; }

 private:
  std::shared_ptr<const Program> program_;
  Lang lang_;
  bool messages_ = true;
  int format_ = kReportFormat;
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

// The report line of doc/language.md (section 7), as one JSON object without a newline.
std::string ReportToJson(const Report& r);
// A readable rendering for terminals; control characters are escaped.
std::string ReportToText(const Report& r, Lang lang);
const char* StatusName(Report::Status s);

}  // namespace gridstat
