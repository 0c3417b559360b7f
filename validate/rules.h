// Running a survey's rules on a decoded record: the findings, the fields and values that
// decided each, and whether a warning counts as explained.
#pragma once

#include <map>
#include <string>

#include "eval/eval.h"
#include "gridstat/validate.h"

namespace gridstat::validate {

// What decides whether a warning counts as explained (doc/language.md, "Explanations").
struct Explaining {
  const std::map<std::string, std::string>* texts = nullptr;      // rule -> explanation
  const std::map<std::string, std::string>* confirmed = nullptr;  // rule -> re-confirmed digest
  const ExplanationHistory* earlier = nullptr;                    // what counted in the revision before
  int format = Validator::kReportFormat;
};

// The rules of `survey` on a decoded record, their findings appended to `r`, and its status.
Report RunRules(const compile::Program& prog, const compile::SurveyDef& survey, Lang lang, bool messages,
                const eval::Record& rec, const eval::Record* prev, const Explaining& explaining, Report r);

}  // namespace gridstat::validate
