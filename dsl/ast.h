// The syntax tree of definition files. Every node has an id (unique within a
// Module) and a source position, and compiled steps keep that id so that a
// finding or a fault can say which text produced it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gridstat::dsl {

struct Pos {
  int file = -1;  // index into Module::files
  int line = 0;   // 1-based
  int col = 0;    // 1-based, in code points
};

enum class ExprKind {
  kNumber, kString, kBool,
  kName,       // a field, a let, a built-in value, a table (as `in` target)
  kCall,       // name(args); args may carry a `where` filter
  kNeg, kNot,
  kAnd, kOr,  // n-ary
  kAdd, kSub, kMul, kDiv,
  kEq, kNe, kLt, kLe, kGt, kGe,
  kBetween,    // args: value, low, high; negated when `negated`
  kIn,         // args: value, then either one kName (a table) or a list
  kMatches,    // args: value; text: the pattern
};

struct Expr {
  int id = 0;
  Pos pos;    // the operator, or the start of a leaf
  Pos begin;  // the start of the whole expression
  ExprKind kind = ExprKind::kNumber;
  std::string text;    // literal text, name, or pattern
  bool negated = false;
  int depth = 1;         // height of this subtree, bounded by ParseLimits
  bool in_list = false;  // kIn: args[1..] is a literal list rather than a table
  std::vector<std::unique_ptr<Expr>> args;
  std::unique_ptr<Expr> filter;  // `where` on the first argument of an aggregate
};
using ExprPtr = std::unique_ptr<Expr>;

struct Named {
  std::string name;
  Pos pos;
};

struct TypeSpec {
  Named name;
  std::string arg;  // decimal(2) -> "2", code(unit_type) -> "unit_type"
  Pos arg_pos;
};

struct FieldDecl {
  int id = 0;
  Named name;
  std::string label;
  TypeSpec type;
  bool required = false;
  bool masked = false;
  std::string unit;
  std::optional<std::string> min, max;  // signed decimal literals
  Pos min_pos, max_pos;
  std::optional<long> min_len, max_len;
  Pos length_pos;
  std::optional<std::string> pattern;
  Pos pattern_pos;
  ExprPtr when;
};

struct RosterDecl {
  int id = 0;
  Named name;
  std::string label;
  bool required = false;
  std::optional<long> min_rows, max_rows;
  std::vector<FieldDecl> fields;
};

struct SurveyDecl {
  int id = 0;
  Named name;
  std::string label;
  std::optional<Named> period;
  std::vector<Named> keys;
  Pos key_pos;
  std::vector<FieldDecl> fields;
  std::vector<RosterDecl> rosters;
};

struct CodeEntry {
  std::string code, label;
  Pos pos;
};

struct CodesDecl {
  int id = 0;
  Named name;
  std::string label;
  std::vector<CodeEntry> entries;
};

struct RefItem {
  Named key;
  std::optional<std::string> value;
  Pos value_pos;
};

struct ReferenceDecl {
  int id = 0;
  Named name;
  std::string label;
  std::vector<RefItem> items;
};

struct Template {
  std::string raw;  // the message as written, escapes resolved
  Pos pos;          // position of the opening quote
  struct Part {
    std::string literal;  // used when expr is null
    ExprPtr expr;
    std::string source;   // the placeholder text, for diagnostics
  };
  std::vector<Part> parts;
};

struct RuleDecl {
  int id = 0;
  Pos pos;
  bool is_error = true;
  Named code;
  Template message;
  std::optional<Named> for_each;
  ExprPtr when;
  ExprPtr check;
};

struct LetDecl {
  int id = 0;
  Named name;
  ExprPtr value;
};

struct RulesDecl {
  int id = 0;
  Pos pos;
  Named survey;
  std::vector<RuleDecl> rules;
  std::vector<LetDecl> lets;
};

struct TierDecl {
  int id = 0;
  Named name;
  std::string label;
  long level = 0;
};

struct RoleDecl {
  int id = 0;
  Named name;
  std::string label;
  Named at;  // a tier, or `grid`
};

struct StateDecl {
  Named name;
  std::string label;
  bool initial = false, final = false, accepted = false;
};

struct ActionClause {
  Named word;                 // by, from, to, needs, moves, target, effect, creates
  std::vector<Named> values;
  ExprPtr guard;              // a `guard` clause
  std::string guard_message;
};

struct ActionDecl {
  int id = 0;
  Named name;
  std::string label;
  std::vector<ActionClause> clauses;
};

struct DeadlineDecl {
  Named action;
  long days = 0;
};

struct WorkflowDecl {
  int id = 0;
  Named name;
  std::string label;
  Named survey;
  std::vector<StateDecl> states;
  std::vector<ActionDecl> actions;
  std::vector<DeadlineDecl> deadlines;
};

struct SourceFile {
  std::string path;     // as shown in diagnostics
  std::string text;
  std::vector<size_t> line_starts;
  std::string Line(int line) const;
};

struct Module {
  std::vector<SourceFile> files;
  std::vector<SurveyDecl> surveys;
  std::vector<CodesDecl> codes;
  std::vector<ReferenceDecl> references;
  std::vector<RulesDecl> rules;
  std::vector<TierDecl> tiers;
  std::vector<RoleDecl> roles;
  std::vector<WorkflowDecl> workflows;
  int next_id = 1;
};

// A compact, stable dump of an expression, used by the parser's table tests:
// (and (> rice_area 0) (between x 250 750)).
std::string Dump(const Expr& e);

}  // namespace gridstat::dsl
