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

#include "gridstat/diagnostic.h"
#include "gridstat/engine.h"
#include "gridstat/input.h"
#include "gridstat/report.h"

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

}  // namespace gridstat
