// Reports: what validating one submission found, and how it is written out.
//
// A Report lists findings (a rule that fired, or a field-level problem) with their
// messages in the language the Validator was made for. ReportToJson gives the report
// line of doc/language.md (section 7); ReportToText a rendering for terminals.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gridstat/diagnostic.h"

namespace gridstat {

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

// The report line of doc/language.md (section 7), as one JSON object without a newline.
std::string ReportToJson(const Report& r);
// A readable rendering for terminals; control characters are escaped.
std::string ReportToText(const Report& r, Lang lang);
const char* StatusName(Report::Status s);

}  // namespace gridstat
