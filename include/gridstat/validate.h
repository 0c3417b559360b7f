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
//
// Many records from files, on several threads, reported in input order: ValidateFiles
// (below), which is what `gridstat validate` runs.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gridstat/diagnostic.h"
#include "gridstat/engine.h"
#include "gridstat/input.h"
#include "gridstat/report.h"
#include "gridstat/status.h"

namespace gridstat {

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
  // The language of the reports' messages.
  Lang lang() const { return lang_; }
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

// ---- Files of records, validated in parallel, reported in input order ----------------------
//
//   gridstat::BatchOptions options;
//   options.threads = 4;
//   options.render = [](const gridstat::Report& r, std::string* text) { *text += gridstat::ReportToJson(r) + "\n"; };
//   gridstat::Status st = gridstat::ValidateFiles(validator, {"a.jsonl", "b.yaml"}, options,
//       [&](const gridstat::Report& r, std::string_view line) { fwrite(line.data(), 1, line.size(), out); });

struct BatchOptions {
  // Threads that validate. 1 (the default): everything happens on the calling thread. N > 1:
  // N worker threads validate while the calling thread reads the files and hands the reports
  // on. 0: one worker per hardware thread.
  int threads = 1;
  // Earlier periods' accepted submissions, for cross-period rules (prev()); null: those rules
  // see no earlier report. The workers read it at once, so it must not change during the call
  // (a PreviousSet filled beforehand is fine).
  const PreviousSource* previous = nullptr;
  // Optional: turns a report into text (a JSON line, a text rendering) on the worker that made
  // it, so that this work runs in parallel too; what it appends to `out` reaches the emit
  // callback as `rendered`. It is called from several threads at once and must be safe so
  // (ReportToJson and ReportToText are).
  std::function<void(const Report& report, std::string* out)> render;
  // Whether the emit callback needs each report whole. When it needs only `rendered` and the
  // report's status (a command that prints and counts), false lets the workers drop the
  // reports once rendered: the callback's Report then holds its status alone. Keeping them
  // costs about a tenth more work on two threads (they are moved from thread to thread and
  // freed away from where they were made). With one thread reports are always whole.
  bool keep_reports = true;
  // Optional: told when a file cannot be read, whole or from some point on, in its place in
  // the order: after the reports of the records read before the failure, before those of the
  // next file. The other files are still read. Called on the calling thread.
  std::function<void(const std::string& path, const Status& status)> on_unreadable;
};

// Validates every record of every file in `paths` (a JSON object, an array, JSON Lines or
// YAML, as ReadSubmissions reads them; "-" is standard input), each record as
// Validator::ValidateText, or DecodeRawRecord and Validate, would: a record that cannot be
// read becomes its malformed-record report, in its place. Messages are in the Validator's
// language.
//
// Order: emit_in_input_order receives every report in the order of the files and of the
// records within each, whatever `threads` is, so that the output is the same byte for byte
// with any number of threads.
//
// The callback: it is called on the thread that called ValidateFiles, one call at a time, so
// it needs no lock of its own; it may write, count, or stop the run by throwing (the workers
// are stopped and joined, then the exception goes on to the caller; an exception in `render`
// or in a worker does the same). `report` and `rendered` are valid during the call only.
// While it runs, the workers go on only until the read-ahead below is full.
//
// Memory is bounded whatever the size of the input: records are packed into batches of at
// most 512 records or 4 MiB of input, and at most 4 batches per thread, and about 64 MiB of
// input, are read ahead of the report being emitted (one larger record is still taken whole).
//
// Returns OK when every file could be read, else the Status of the first one that could not
// (the others are still validated). Problems with the records themselves are never a Status:
// they are reports.
Status ValidateFiles(const Validator& validator, const std::vector<std::string>& paths, const BatchOptions& options,
                     const std::function<void(const Report& report, std::string_view rendered)>& emit_in_input_order);

}  // namespace gridstat
