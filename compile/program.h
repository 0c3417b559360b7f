// The compiled, immutable Program: surveys with fields resolved to slots, rules
// lowered to flat node arrays, reference tables and compiled patterns.
// Internal header: embedders use include/gridstat/engine.h and validate.h.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <re2/re2.h>

#include "common/calendar.h"
#include "common/decimal.h"
#include "gridstat/engine.h"

namespace gridstat::compile {

// ---- values ----------------------------------------------------------------
// A value during evaluation. kMissing and kInvalid are both "unknown" to the
// three-valued logic; kInvalid marks a value that had a field-level error.
struct Value {
  enum Kind : uint8_t { kMissing, kInvalid, kBool, kNum, kText, kYearMonth, kDate, kGeo };
  Kind kind = kMissing;
  bool b = false;
  int32_t i = 0;      // year-month: year*12 + (month-1); date: days since 0000-03-01
  Decimal d, d2;      // number; geo: latitude, longitude
  std::string_view s; // text: points into the record, the program or the evaluation arena

  bool known() const { return kind > kInvalid; }
  static Value Missing() { return Value(); }
  static Value Bool(bool v) { Value x; x.kind = kBool; x.b = v; return x; }
  static Value Num(const Decimal& v) { Value x; x.kind = kNum; x.d = v; return x; }
  static Value Text(std::string_view v) { Value x; x.kind = kText; x.s = v; return x; }
  static Value YearMonth(int32_t v) { Value x; x.kind = kYearMonth; x.i = v; return x; }
  static Value Date(int32_t v) { Value x; x.kind = kDate; x.i = v; return x; }
};


// ---- static types ---------------------------------------------------------
enum class TypeKind : uint8_t { kBool, kNum, kText, kYearMonth, kDate, kGeo, kRoster, kTable, kError };
struct Type {
  TypeKind kind = TypeKind::kError;
  int scale = 0;        // numbers: places shown in messages
  bool masked = false;  // text: an ID number, shown masked in messages
  int codes = -1;       // text: the code list it is drawn from, if any
};

// ---- reference data -------------------------------------------------------
struct Table {
  std::string name, label;
  bool is_division_tree = false;
  struct Entry {
    std::string code, label, parent;
    int level = 0;
    int parent_index = -1;  // entries[parent_index].code == parent, or -1
  };
  std::vector<Entry> entries;  // not changed after BuildIndex()

  // An open-addressing index: lookups are on the hot path of every record, so a probe
  // compares the stored hash first and the code only when the hashes agree.
  void BuildIndex() {
    size_t cap = 16;
    while (cap < entries.size() * 2) cap <<= 1;
    slots_.assign(cap, Slot{});
    mask_ = cap - 1;
    for (size_t i = 0; i < entries.size(); ++i) {
      uint32_t h = Hash(entries[i].code);
      size_t at = h & mask_;
      bool dup = false;
      for (; slots_[at].index >= 0; at = (at + 1) & mask_)
        if (slots_[at].hash == h && entries[slots_[at].index].code == entries[i].code) { dup = true; break; }
      if (!dup) slots_[at] = Slot{h, static_cast<int>(i)};  // the first of duplicate codes wins
    }
    for (auto& e : entries) {
      const Entry* p = e.parent.empty() ? nullptr : Find(e.parent);
      e.parent_index = p ? static_cast<int>(p - entries.data()) : -1;
    }
  }
  const Entry* Find(std::string_view code) const {
    if (slots_.empty()) return nullptr;
    uint32_t h = Hash(code);
    for (size_t at = h & mask_; slots_[at].index >= 0; at = (at + 1) & mask_) {
      const Slot& s = slots_[at];
      if (s.hash == h && entries[s.index].code == code) return &entries[s.index];
    }
    return nullptr;
  }

 private:
  struct Slot {
    uint32_t hash = 0;
    int index = -1;
  };
  static uint32_t Hash(std::string_view s) {  // FNV-1a, then mixed so the low bits spread
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return static_cast<uint32_t>(h);
  }
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

// ---- surveys -------------------------------------------------------------
enum class FieldType : uint8_t { kInteger, kDecimal, kText, kCode, kDivision, kYearMonth, kDate, kBoolean, kGeo };
enum class PeriodKind : uint8_t { kYear, kMonth, kQuarter };

struct FieldDef {
  std::string name, label, unit;
  FieldType type = FieldType::kText;
  int scale = 0;
  int codes = -1;  // table index for kCode
  bool required = false, masked = false;
  std::optional<Decimal> min, max;
  std::optional<size_t> min_len, max_len;
  std::shared_ptr<const RE2> pattern;
  std::string pattern_text;
  int when = -1;   // node: the field is asked only when this holds
  int roster = -1; // -1 for a top-level field
  int slot = 0;
  Type StaticType() const;
};

struct RosterDef {
  std::string name, label;
  bool required = false;
  std::optional<long> min_rows, max_rows;
  std::vector<FieldDef> fields;
  std::unordered_map<std::string, int> by_name;
};

// ---- compiled expressions -------------------------------------------------
enum class Op : uint8_t {
  kConst, kField, kRowField, kPrevField, kPeriod, kDivision, kRowIndex,
  kAnd, kOr, kNot, kNeg, kAdd, kSub, kMul, kDiv,
  kCmp, kBetween, kInList, kInTable, kMatches, kPresent, kMissing,
  kCall, kAgg,
};
enum class Cmp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };
enum class Agg : uint8_t { kCount, kSum, kMin, kMax, kAll, kAny, kExactlyOne, kThe };
enum class Fn : uint8_t {
  kAbs, kRound, kLen, kSubstr, kStartsWith, kEndsWith, kContains, kUpper,
  kYear, kMonth, kYm, kDate, kMonthsBetween, kAgeAt,
  kGb32100, kGb11643, kIdBirth, kIdSex,
  kLevel, kLabel, kParent, kWithin, kMin2, kMax2, kLat, kLon,
  kErrors, kWarnings, kUnexplained,  // workflow guards: counts over the submission's findings
  kWhich,                            // which(cond, text, ...): texts whose conditions hold
};

struct Node {
  Op op = Op::kConst;
  uint8_t sub = 0;      // Cmp, Agg or Fn
  bool negated = false;
  bool cached = false;  // kAgg: reads no enclosing row, so it has one value per record
  int binding = -1;     // kRowField, kRowIndex, kAgg: which row cursor
  int roster = -1;
  int slot = -1;
  int filter = -1;      // kAgg
  int aux = -1;         // table or pattern index
  int ast_id = 0;       // the expression this node came from
  std::vector<int> kids;
  Value constant;
  std::vector<Value> list;  // kInList
};

struct FieldRef {
  int roster = -1, slot = 0;
  bool per_row = false;  // the row of a `for each` rule, reported as roster[i].field
};

struct MessagePart {
  std::string literal;
  int node = -1;
  Type type;
};

struct RuleDef {
  std::string code;
  bool is_error = true;
  int for_each = -1;  // roster index
  int when = -1, check = -1;
  std::vector<MessagePart> message;
  std::vector<FieldRef> fields;
  int ast_id = 0;
  std::string file;
  int line = 0;
};

struct KeyPart {
  bool division = false;  // the envelope's division
  int slot = -1;          // a top-level field
};

struct SurveyDef {
  std::string name, label;
  PeriodKind period = PeriodKind::kYear;
  std::vector<KeyPart> key;
  std::vector<FieldDef> fields;
  std::unordered_map<std::string, int> by_name;
  std::vector<RosterDef> rosters;
  std::unordered_map<std::string, int> roster_by_name;
  std::vector<Node> nodes;
  std::vector<RuleDef> rules;
  int max_bindings = 0;
  bool uses_prev = false;
  std::vector<int> field_when_order;  // fields with skip logic, in declaration order
  // The first field of the key (`key uscc`), or "" when the key is the division only.
  std::string KeyField() const {
    for (auto& k : key) if (!k.division && k.slot >= 0) return fields[k.slot].name;
    return "";
  }
};

// ---- organisation and workflows ------------------------------------------
struct TierDef {
  std::string name, label;
  int level = 0;  // level in the division tree (1 region ... 5 village)
};

struct RoleDef {
  std::string name, label;
  int tier = -1;      // index into Program::tiers; -1 for a grid role
  bool grid = false;  // acts for the village its grid belongs to
};

struct GuardDef {
  int node = -1;  // in the survey's node array
  std::string message;
};

struct ActionDef {
  std::string name, label;
  std::vector<int> by;     // role indexes
  bool by_holder = false;  // the holder of the instance may take it
  std::vector<int> from;   // state indexes
  bool from_none = false;  // creates the instance
  int to = -1;
  bool needs_comment = false, needs_target = false, needs_submission = false;
  enum class Move : uint8_t { kNone, kTarget, kParent } move = Move::kNone;
  enum class TargetRule : uint8_t { kAny, kChild, kSameLevel } target_rule = TargetRule::kAny;
  enum class Creates : uint8_t { kNone, kVillages, kRows } creates = Creates::kNone;
  bool registers_unit = false;
  // The field of the workflow's survey whose value keys the unit registry: `registers FIELD`;
  // for `effect register_unit` alone (definitions written before `registers`), the survey's key field.
  std::string register_key;
  bool is_save = false;  // stores a draft; changes no state
  std::vector<GuardDef> guards;
  int line = 0;
};

struct StateDef {
  std::string name, label;
  bool initial = false, final = false;
  // Its data counts: cross-period rules read it, `export` and progress count it, and a
  // registering action's record stays in the registry. Declared with the state flag `accepted`.
  bool accepted = false;
};

struct WorkflowDef {
  std::string name, label;
  int survey = -1;
  std::vector<StateDef> states;
  std::vector<ActionDef> actions;
  struct Deadline {
    int action = -1;
    int days = 0;  // after the end of the period, Asia/Shanghai
  };
  std::vector<Deadline> deadlines;
  // False for definitions written before states were declared accepted: the compiler then
  // applied the compatibility rule of doc/language.md (section 9) to `StateDef::accepted`.
  bool accepted_declared = false;
  bool IsAccepted(std::string_view state) const {
    int i = FindState(state);
    return i >= 0 && states[i].accepted;
  }
  int FindAction(std::string_view n) const {
    for (size_t i = 0; i < actions.size(); ++i) if (actions[i].name == n) return static_cast<int>(i);
    return -1;
  }
  int FindState(std::string_view n) const {
    for (size_t i = 0; i < states.size(); ++i) if (states[i].name == n) return static_cast<int>(i);
    return -1;
  }
};

struct Program {
  std::vector<TierDef> tiers;
  std::vector<RoleDef> roles;
  std::vector<WorkflowDef> workflows;
  int FindRole(std::string_view n) const {
    for (size_t i = 0; i < roles.size(); ++i) if (roles[i].name == n) return static_cast<int>(i);
    return -1;
  }
  int FindWorkflow(std::string_view n) const {
    for (size_t i = 0; i < workflows.size(); ++i) if (workflows[i].name == n) return static_cast<int>(i);
    return -1;
  }

  std::vector<SurveyDef> surveys;
  std::unordered_map<std::string, int> survey_by_name;
  std::vector<Table> tables;
  std::unordered_map<std::string, int> table_by_name;
  int division_tree = -1;
  std::vector<std::shared_ptr<const RE2>> patterns;
  std::vector<std::unique_ptr<std::string>> strings;  // constants that Values point into
  std::string hash;

  const SurveyDef* FindSurvey(std::string_view name) const {
    auto it = survey_by_name.find(std::string(name));
    return it == survey_by_name.end() ? nullptr : &surveys[it->second];
  }
};

}  // namespace gridstat::compile
