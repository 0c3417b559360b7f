// Workflow guards judged on a submission and its report (the `when` of an action).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compile/program.h"
#include "gridstat/validate.h"

namespace gridstat::validate {

// The message of the first workflow guard that does not definitely hold for this
// submission and its report, or nullopt when all hold.
std::optional<std::string> FailingGuard(const Program& prog, const compile::SurveyDef& s, const Envelope& env,
                                        const Report& report, const std::vector<compile::GuardDef>& guards, Lang lang);

}  // namespace gridstat::validate
