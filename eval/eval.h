// The fast evaluator: walks a survey's compiled nodes over a decoded record.
// Evaluation reads nothing but the record, the previous record and the Program.
#pragma once

#include <forward_list>
#include <set>
#include <tuple>
#include <string>
#include <vector>

#include "compile/program.h"

namespace gridstat::eval {

using compile::GuardDef;
using compile::RuleDef;
using compile::SurveyDef;
using compile::Type;
using compile::Value;

struct Record {
  std::vector<Value> fields;
  struct Roster {
    bool unknown = false;  // missing or with a field-level error: aggregates are unknown
    std::vector<std::vector<Value>> rows;
  };
  std::vector<Roster> rosters;
  std::string division;
  Value period;
  std::forward_list<std::string> storage;  // owns the text that Values point into (allocates only when used)
};

struct FindingCounts {
  int errors = 0, warnings = 0, unexplained = 0;
};

struct EvalContext {
  const Program& prog;
  const SurveyDef& survey;
  const Record& rec;
  const Record* prev = nullptr;
  int rows[16] = {0};
  const char* fault = nullptr;  // set on a run-time fault; evaluation then stops
  bool saw_invalid = false;     // a value with a field-level error was read
  std::forward_list<std::string> arena;  // texts made during evaluation; allocates only when used
  const FindingCounts* counts = nullptr;  // for workflow guards
  // Values of cached aggregates for this record (see Node::cached).
  std::vector<std::pair<int, Value>> memo;
};

Value Eval(int node, EvalContext& ctx);

struct RuleOutcome {
  bool fired = false;
  const char* fault = nullptr;
  std::vector<int> rows;  // failing rows of a `for each` rule
};
RuleOutcome RunRule(const RuleDef& rule, EvalContext& ctx);

// The fields that decided a fired rule, for the row in ctx.rows[0]: in an `and` that
// failed, only the parts that failed; in an `or` that held, only the parts that held;
// elsewhere every field read. Entries are (roster or -1, slot, per_row).
void BlameRule(const RuleDef& rule, EvalContext& ctx, std::set<std::tuple<int, int, bool>>* out);

// The rule's message with its placeholders filled in, for the first failing row.
std::string RenderMessage(const RuleDef& rule, EvalContext& ctx, int row);
std::string FormatValue(const Value& v, const Type& t);

}  // namespace gridstat::eval
