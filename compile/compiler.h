// The compiler's shared state: Module (AST) -> Program. The checks run as named passes,
// in this order, each implemented in a file of its own:
//
//   1. DeclarePass        every name of every file is known before anything refers
//                         to one, so files may come in any order and refer to each other
//                         (compiler.cc);
//   2. ReferenceDataPass  code lists and CSV reference data are loaded next, because
//                         field types (code lists) and rules (`in industry`) need them
//                         (refdata.cc);
//   3. SurveyPass         field types, constraints, keys and patterns; skip logic is
//                         compiled here because it may read any field and table
//                         (surveys.cc);
//   4. RulePass           names resolved, types checked, rules lowered to nodes,
//                         message templates checked; needs every survey complete
//                         (rules.cc, with the expression checker and lowerer in
//                         expressions.cc and calls.cc);
//   5. WorkflowPass       tiers, roles, states and actions; guards are compiled like
//                         rules against the carried survey, so it comes after RulePass
//                         (guards may use the rules' `let` names) (workflows.cc).
//
// Every pass reports all it finds and goes on, so an author sees every problem at once.
// Finding and reading the definition files, and the public entry points, are in sources.cc.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/messages.h"
#include "compile/program.h"
#include "dsl/parser.h"
#include "gridstat/status.h"

namespace gridstat::compile {

// The candidate nearest to `name`, or "" when none is near enough to suggest.
std::string Closest(const std::string& name, const std::vector<std::string>& candidates);
// The hint for a name that is not known: "did you mean" the nearest candidate `c`; when
// there is none, the hint `otherwise` (a catalogue key), or no hint.
MessageText DidYouMean(const std::string& c, std::string_view otherwise = {});

// An expression compiled to a node, with its static type.
struct Typed {
  int node = -1;
  Type type;
  bool ok() const { return node >= 0 && type.kind != TypeKind::kError; }
};

// The name of a type in `lang` (布尔值, boolean, ...), for messages.
std::string TypeName(Lang lang, const Type& t);
// The message `key` whose arguments `type` and `other` name types, each in its own language;
// `name` and `n` are passed as they are.
MessageText TypeMessage(std::string_view key, const Type& type, const Type& other = {}, const std::string& name = {},
                        const std::string& n = {});

// Row cursors an evaluation keeps (EvalContext::rows): `for each` plus nested aggregates.
constexpr int kMaxBindings = 16;

class Compiler {
 public:
  using Loader = std::function<Result<std::string>(const std::string& relative)>;
  explicit Compiler(Loader load) : load_(std::move(load)), prog_(std::make_unique<Program>()) {}

  // Every file the Program was built from, by path relative to the definitions root.
  std::map<std::string, std::string> files;

  dsl::Module module;
  std::vector<Diagnostic> diags;

  void AddFile(const std::string& name, const std::string& content);

  CompileResult Finish();

 private:
  // An error or a warning whose message is the catalogue's `key` (common/messages.cc) with
  // `args`; `hint` is a hint in both languages (MessageBoth of a hint's key, DidYouMean).
  void Err(const dsl::Pos& pos, std::string_view key, MessageArgs args = {}, MessageText hint = {});
  void Warn(const dsl::Pos& pos, std::string_view key, MessageArgs args = {});
  // An error whose message is already made (TypeMessage).
  void ErrText(const dsl::Pos& pos, std::string_view key, MessageText text, MessageText hint = {});

  // ---- 1. DeclarePass (compiler.cc) -----------------------------------------
  void DeclarePass();

  // ---- 2. ReferenceDataPass (refdata.cc) ------------------------------------
  int AddTable(Table t);
  void ReferenceDataPass();
  void LoadReference(const dsl::ReferenceDecl& r);
  void CheckParentCycles(const Table& t, const std::string& file, const dsl::Pos& file_pos,
                         const std::vector<int>& lines);

  // ---- 3. SurveyPass (surveys.cc) -------------------------------------------
  void SurveyPass();
  FieldDef FieldShape(const dsl::FieldDecl& f);
  std::vector<std::string> FieldNames(const SurveyDef& def, int roster);
  void UnknownName(const dsl::Named& n, const std::vector<std::string>& candidates);

  // ---- 4. RulePass (rules.cc) -----------------------------------------------
  // How deep lets may build on lets, and how deep an expression may nest once its lets
  // are expanded (doc/language.md §10).
  static constexpr size_t kMaxLetDepth = 64;
  static constexpr int kMaxExpandedDepth = 512;
  struct Scope {
    SurveyDef* survey;
    std::vector<std::pair<int, int>> rows;  // (roster, binding), innermost last
    bool row_rule = false;                  // a `for each` rule: binding 0 is its row
    bool guard = false;                     // a workflow guard: errors() and friends allowed
    std::vector<FieldRef>* refs = nullptr;
    std::vector<std::string> let_stack;
    int depth = 0;  // Compile calls in progress
  };

  std::unordered_map<std::string, std::unordered_map<std::string, const dsl::LetDecl*>> lets_;
  std::set<std::string> used_lets_;  // "survey\nlet" expanded at least once
  bool too_deep_reported_ = false;

  void RulePass();
  void CompileRule(SurveyDef& def, const dsl::RuleDecl& r);
  int Condition(const dsl::Expr& e, Scope& sc);

  // ---- 5. WorkflowPass (workflows.cc) ---------------------------------------
  void WorkflowPass();
  void CompileWorkflow(const dsl::WorkflowDecl& w);

  // ---- expression compiler (expressions.cc, calls.cc) -----------------------
  int Emit(Node n, const dsl::Expr& e);
  std::string_view Intern(const std::string& s);
  Typed Fail() { return Typed{}; }
  Type T(TypeKind k, int scale = 0) { Type t; t.kind = k; t.scale = scale; return t; }

  Typed Compile(const dsl::Expr& e, Scope& sc);
  Typed Number(const dsl::Expr& e, Scope& sc);
  Typed CompileName(const dsl::Expr& e, Scope& sc);
  bool Comparable(const Typed& a, Typed* b, const dsl::Pos& pos, bool ordered);
  void CheckCodeLiteral(const Typed& field, const Typed& lit, const dsl::Pos& pos);
  Typed CompileCompare(const dsl::Expr& e, Scope& sc);
  Typed CompileIn(const dsl::Expr& e, Scope& sc);
  Typed CompileCall(const dsl::Expr& e, Scope& sc);
  Typed ArgCount(const dsl::Expr& e, int lo, int hi);
  Typed CompileAggregate(const dsl::Expr& e, Scope& sc);

  static constexpr size_t kMaxNodes = 500000;
  bool too_large_reported_ = false;
  Loader load_;
  std::unique_ptr<Program> prog_;
  SurveyDef* cur_ = nullptr;
  std::vector<std::string> hash_parts_;
  std::map<std::string, dsl::Pos> prev_use_;  // survey -> its first prev(), for WorkflowPass
};

}  // namespace gridstat::compile
