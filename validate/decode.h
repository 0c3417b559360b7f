// Decoding a submission against its survey: an envelope's data into an eval::Record,
// value by value, with a finding for every field-level problem (doc/language.md, 7).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "eval/eval.h"
#include "gridstat/validate.h"

namespace gridstat::validate {

// Whether `s` is exactly `n` ASCII digits.
bool AllDigits(std::string_view s, size_t n);
// A value that counts as not given: null, or empty text.
bool IsMissing(const Doc& d);

// Where a value sits, spelled out only when a problem is reported.
struct FieldPath {
  const std::string* roster;  // null for a top-level field
  size_t row;
  const std::string* field;
  std::string str() const { return roster ? *roster + "[" + std::to_string(row + 1) + "]." + *field : *field; }
};

// What a field check needs of an input value: a document node's, or one read straight
// from the parser (objects and arrays only ever come with their node).
struct Scalar {
  Doc::Kind kind = Doc::Kind::kNull;
  std::string_view text;
  bool boolean = false;
  const Doc* doc = nullptr;
  static Scalar Of(const Doc& d) { return {d.kind, d.text, d.boolean, &d}; }
};

// Field-level checks, in one place so that every survey gets the same answers.
class FieldDecoder {
 public:
  FieldDecoder(const compile::Program& prog, Lang lang) : prog_(prog), lang_(lang) {}

  // Decodes `d` for `f`; on a problem returns kInvalid and fills `err`.
  compile::Value Decode(const compile::FieldDef& f, const Scalar& d, const FieldPath& fp, Finding* err);

  // Text values point into the envelope, which outlives the record it is decoded into.
  std::string_view Keep(std::string_view s) { return s; }

 private:
  const compile::Program& prog_;
  Lang lang_;
};

// The value of a period written in the survey's period kind; false when it is not one.
// A quarter's value points into `p`, which the caller keeps alive.
bool PeriodValue(compile::PeriodKind k, const std::string& p, compile::Value* out);
// How a period of that kind is written: YYYY, YYYY-MM or YYYY-Qn.
const char* PeriodFormat(compile::PeriodKind k);

// Decodes an envelope's data into a record. Findings for field-level problems are
// appended to `findings` unless null (previous-period records are taken as they stand).
void DecodeRecord(const compile::Program& prog, const compile::SurveyDef& s, const Envelope& env, Lang lang,
                  eval::Record* rec, std::vector<Finding>* findings);

}  // namespace gridstat::validate
