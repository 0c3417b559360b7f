// Rule tests stored beside the definitions, so that an author can prove a rule
// change before publishing it. Every `*.test.yaml` file under the definitions
// directory holds a list of cases:
//
//   - name: 稻谷单产低于 250 公斤/亩
//     submission: {id: t1, survey: agri_village, period: "2021", division: "450102001003", data: {...}}
//     previous: [ ...earlier submissions, taken as accepted... ]   # optional
//     expect: [AG-W01]        # exactly the rule codes that must fire (field-level codes too)
//     status: warning         # optional
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gridstat/engine.h"
#include "gridstat/status.h"

namespace gridstat {

struct RuleTestResult {
  std::string file;
  int line = 0;
  std::string name;
  bool passed = false;
  std::vector<std::string> expected, actual;  // sorted rule codes
  std::string expected_status, actual_status;
  std::string problem;  // a malformed test case
};

// Runs every test file under `dir` against `program`.
Result<std::vector<RuleTestResult>> RunRuleTests(const std::string& dir, std::shared_ptr<const Program> program);

}  // namespace gridstat
