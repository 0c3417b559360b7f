#include "dsl/parser.h"

#include <exception>
#include <sstream>

#include "GridstatLexer.h"
#include "GridstatParser.h"
#include "antlr4-runtime.h"
#include "common/text.h"

namespace gridstat::dsl {

using dsl::Expr;
using dsl::ExprKind;
using dsl::ExprPtr;
using dsl::Pos;
using G = GridstatParser;

std::string dsl::SourceFile::Line(int line) const {
  if (line < 1 || static_cast<size_t>(line) > line_starts.size()) return {};
  size_t b = line_starts[line - 1];
  size_t e = text.find('\n', b);
  if (e == std::string::npos) e = text.size();
  if (e > b && text[e - 1] == '\r') --e;
  return text.substr(b, e - b);
}

Diagnostic MakeDiagText(const dsl::Module& module, const Pos& pos, std::string_view key, MessageText text,
                        MessageText hint) {
  Diagnostic d;
  d.code = std::string(MessageCode(key));
  if (pos.file >= 0 && static_cast<size_t>(pos.file) < module.files.size()) {
    d.file = module.files[pos.file].path;
    d.source_line = module.files[pos.file].Line(pos.line);
  }
  d.line = pos.line;
  d.col = pos.col;
  d.message_zh = std::move(text.zh);
  d.message_en = std::move(text.en);
  d.hint_zh = std::move(hint.zh);
  d.hint_en = std::move(hint.en);
  return d;
}

Diagnostic MakeDiag(const dsl::Module& module, const Pos& pos, std::string_view key, MessageArgs args,
                    MessageText hint) {
  return MakeDiagText(module, pos, key, MessageBoth(key, args), std::move(hint));
}

namespace {

struct TooManyErrors {};

std::string Unescape(const std::string& quoted) {
  std::string out;
  for (size_t i = 1; i + 1 < quoted.size(); ++i) {
    char c = quoted[i];
    if (c == '\\' && i + 2 < quoted.size()) {
      char n = quoted[++i];
      out += n == 'n' ? '\n' : n == 't' ? '\t' : n;
    } else {
      out += c;
    }
  }
  return out;
}

class ErrorCollector : public antlr4::BaseErrorListener {
 public:
  ErrorCollector(const dsl::Module* m, int file, int line_offset, int col_offset,
                 std::vector<Diagnostic>* diags, int max)
      : m_(m), file_(file), line_offset_(line_offset), col_offset_(col_offset), diags_(diags), max_(max) {}

  void syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* bad, size_t line, size_t col,
                   const std::string&, std::exception_ptr) override {
    ++count_;
    Pos p{file_, static_cast<int>(line) + line_offset_,
          static_cast<int>(col) + 1 + (line == 1 ? col_offset_ : 0)};
    MessageText expected;
    if (auto* parser = dynamic_cast<antlr4::Parser*>(recognizer)) {
      std::vector<std::string> names;
      try {
        for (size_t t : parser->getExpectedTokens().toList()) {
          if (t == antlr4::Token::EOF) { names.push_back("<EOF>"); continue; }
          names.push_back(parser->getVocabulary().getDisplayName(t));
        }
      } catch (...) {
      }
      if (!names.empty() && names.size() <= 12) {
        std::string list;
        for (size_t i = 0; i < names.size(); ++i) list += (i ? ", " : "") + names[i];
        expected = MessageBoth("syntax/expected-hint", {{"tokens", list}});
      }
    }
    bool eof = bad == nullptr || bad->getType() == antlr4::Token::EOF;
    std::string shown = eof ? std::string() : bad->getText();
    if (bad != nullptr && bad->getType() == GridstatLexer::UNTERMINATED) {
      diags_->push_back(MakeDiag(*m_, p, "unterminated-string", {}, MessageBoth("unterminated-string/hint")));
    } else if (bad != nullptr && bad->getType() == GridstatLexer::BADCHAR) {
      diags_->push_back(MakeDiag(*m_, p, "bad-character", {{"char", shown}},
                                 MessageBoth("bad-character/identifier-hint")));
    } else {
      diags_->push_back(MakeDiag(*m_, p, eof ? "syntax/end-of-file" : "syntax", {{"token", shown}}, expected));
    }
    if (count_ >= max_) throw TooManyErrors{};
  }

  int count() const { return count_; }

 private:
  const dsl::Module* m_;
  int file_, line_offset_, col_offset_;
  std::vector<Diagnostic>* diags_;
  int max_;
  int count_ = 0;
};

// Builds the AST from ANTLR's parse tree. Only called on trees without syntax errors.
class Builder {
 public:
  Builder(dsl::Module* m, int file, int line_offset, int col_offset, std::vector<Diagnostic>* diags,
          const ParseLimits& limits)
      : m_(m), file_(file), line_offset_(line_offset), col_offset_(col_offset), diags_(diags), limits_(limits) {}

  Pos P(antlr4::Token* t) const {
    int line = static_cast<int>(t->getLine());
    int col = static_cast<int>(t->getCharPositionInLine()) + 1;
    if (line == 1) col += col_offset_;
    return Pos{file_, line + line_offset_, col};
  }
  Pos P(antlr4::ParserRuleContext* c) const { return P(c->getStart()); }

  dsl::Named Name(G::IdentContext* c) { return dsl::Named{c->getText(), P(c)}; }

  void File(G::FileContext* f) {
    for (auto* d : f->decl()) {
      if (d->survey()) Survey(d->survey());
      else if (d->rules()) Rules(d->rules());
      else if (d->codes()) Codes(d->codes());
      else if (d->reference()) Reference(d->reference());
      else if (d->tier()) Tier(d->tier());
      else if (d->role()) Role(d->role());
      else if (d->workflow()) Workflow(d->workflow());
    }
  }

  void Tier(G::TierContext* c) {
    dsl::TierDecl t;
    t.id = m_->next_id++;
    t.name = Name(c->ident());
    if (c->STRING()) t.label = Unescape(c->STRING()->getText());
    t.level = ToLong(c->NUMBER()->getText());
    m_->tiers.push_back(std::move(t));
  }

  void Role(G::RoleContext* c) {
    dsl::RoleDecl r;
    r.id = m_->next_id++;
    r.name = Name(c->ident(0));
    if (c->STRING()) r.label = Unescape(c->STRING()->getText());
    r.at = Name(c->ident(1));
    m_->roles.push_back(std::move(r));
  }

  void Workflow(G::WorkflowContext* c) {
    dsl::WorkflowDecl w;
    w.id = m_->next_id++;
    w.name = Name(c->ident(0));
    if (c->STRING()) w.label = Unescape(c->STRING()->getText());
    w.survey = Name(c->ident(1));
    for (auto* item : c->workflowItem()) {
      if (auto* st = dynamic_cast<G::StateItemContext*>(item)) {
        dsl::StateDecl sd;
        sd.name = Name(st->ident());
        if (st->STRING()) sd.label = Unescape(st->STRING()->getText());
        for (auto* f : st->stateFlag()) {
          if (f->getText() == "initial") sd.initial = true;
          else if (f->getText() == "final") sd.final = true;
          else sd.accepted = true;
        }
        w.states.push_back(std::move(sd));
      } else if (auto* dl = dynamic_cast<G::DeadlineItemContext*>(item)) {
        w.deadlines.push_back({Name(dl->ident()), ToLong(dl->NUMBER()->getText())});
      } else if (auto* ac = dynamic_cast<G::ActionItemContext*>(item)) {
        dsl::ActionDecl a;
        a.id = m_->next_id++;
        a.name = Name(ac->ident());
        if (ac->STRING()) a.label = Unescape(ac->STRING()->getText());
        for (auto* cl : ac->actionClause()) {
          dsl::ActionClause clause;
          if (auto* g = dynamic_cast<G::GuardClauseContext*>(cl)) {
            clause.word = dsl::Named{"guard", P(g)};
            clause.guard = Ex(g->expr());
            clause.guard_message = Unescape(g->STRING()->getText());
          } else if (auto* l = dynamic_cast<G::ListClauseContext*>(cl)) {
            auto ids = l->ident();
            clause.word = Name(ids[0]);
            for (size_t i = 1; i < ids.size(); ++i) clause.values.push_back(Name(ids[i]));
          }
          a.clauses.push_back(std::move(clause));
        }
        w.actions.push_back(std::move(a));
      }
    }
    m_->workflows.push_back(std::move(w));
  }

  void Survey(G::SurveyContext* c) {
    dsl::SurveyDecl s;
    s.id = m_->next_id++;
    s.name = Name(c->ident());
    if (c->STRING()) s.label = Unescape(c->STRING()->getText());
    for (auto* item : c->surveyItem()) {
      if (auto* p = dynamic_cast<G::PeriodItemContext*>(item)) {
        s.period = Name(p->ident());
      } else if (auto* k = dynamic_cast<G::KeyItemContext*>(item)) {
        s.key_pos = P(k);
        for (auto* id : k->ident()) s.keys.push_back(Name(id));
      } else if (auto* f = dynamic_cast<G::FieldItemContext*>(item)) {
        s.fields.push_back(Field(f->field()));
      } else if (auto* r = dynamic_cast<G::RosterItemContext*>(item)) {
        s.rosters.push_back(Roster(r->roster()));
      }
    }
    m_->surveys.push_back(std::move(s));
  }

  static long ToLong(const std::string& s) {
    if (s.size() > 9) return 1000000000;
    return std::stol(s);
  }

  dsl::FieldDecl Field(G::FieldContext* c) {
    dsl::FieldDecl f;
    f.id = m_->next_id++;
    f.name = Name(c->ident());
    if (c->STRING()) f.label = Unescape(c->STRING()->getText());
    auto* t = c->typeSpec();
    f.type.name = Name(t->ident(0));
    if (t->NUMBER()) { f.type.arg = t->NUMBER()->getText(); f.type.arg_pos = P(t->NUMBER()->getSymbol()); }
    else if (t->ident().size() > 1) { f.type.arg = t->ident(1)->getText(); f.type.arg_pos = P(t->ident(1)); }
    for (auto* a : c->fieldAttr()) {
      if (dynamic_cast<G::RequiredAttrContext*>(a)) f.required = true;
      else if (dynamic_cast<G::MaskedAttrContext*>(a)) f.masked = true;
      else if (auto* u = dynamic_cast<G::UnitAttrContext*>(a)) f.unit = Unescape(u->STRING()->getText());
      else if (auto* r = dynamic_cast<G::RangeAttrContext*>(a)) {
        f.min = r->signedNumber(0)->getText(); f.min_pos = P(r->signedNumber(0));
        f.max = r->signedNumber(1)->getText(); f.max_pos = P(r->signedNumber(1));
      } else if (auto* mn = dynamic_cast<G::MinAttrContext*>(a)) {
        f.min = mn->signedNumber()->getText(); f.min_pos = P(mn->signedNumber());
      } else if (auto* mx = dynamic_cast<G::MaxAttrContext*>(a)) {
        f.max = mx->signedNumber()->getText(); f.max_pos = P(mx->signedNumber());
      } else if (auto* l = dynamic_cast<G::LengthAttrContext*>(a)) {
        f.length_pos = P(l);
        f.min_len = ToLong(l->NUMBER(0)->getText());
        f.max_len = l->NUMBER().size() > 1 ? ToLong(l->NUMBER(1)->getText()) : *f.min_len;
      } else if (auto* p = dynamic_cast<G::PatternAttrContext*>(a)) {
        f.pattern = Unescape(p->STRING()->getText());
        f.pattern_pos = P(p->STRING()->getSymbol());
      } else if (auto* w = dynamic_cast<G::WhenAttrContext*>(a)) {
        f.when = Ex(w->expr());
      }
    }
    return f;
  }

  dsl::RosterDecl Roster(G::RosterContext* c) {
    dsl::RosterDecl r;
    r.id = m_->next_id++;
    r.name = Name(c->ident());
    if (c->STRING()) r.label = Unescape(c->STRING()->getText());
    for (auto* a : c->rosterAttr()) {
      if (dynamic_cast<G::RosterRequiredContext*>(a)) r.required = true;
      else if (auto* rows = dynamic_cast<G::RosterRowsContext*>(a)) {
        r.min_rows = ToLong(rows->NUMBER(0)->getText());
        if (rows->NUMBER().size() > 1) r.max_rows = ToLong(rows->NUMBER(1)->getText());
      }
    }
    for (auto* f : c->field()) r.fields.push_back(Field(f));
    return r;
  }

  void Codes(G::CodesContext* c) {
    dsl::CodesDecl d;
    d.id = m_->next_id++;
    d.name = Name(c->ident());
    if (c->STRING()) d.label = Unescape(c->STRING()->getText());
    for (auto* e : c->codeEntry()) {
      dsl::CodeEntry ce;
      ce.code = Unescape(e->STRING(0)->getText());
      if (e->STRING().size() > 1) ce.label = Unescape(e->STRING(1)->getText());
      ce.pos = P(e);
      d.entries.push_back(std::move(ce));
    }
    m_->codes.push_back(std::move(d));
  }

  void Reference(G::ReferenceContext* c) {
    dsl::ReferenceDecl d;
    d.id = m_->next_id++;
    d.name = Name(c->ident());
    if (c->STRING()) d.label = Unescape(c->STRING()->getText());
    for (auto* it : c->refItem()) {
      dsl::RefItem ri;
      ri.key = Name(it->ident());
      if (it->STRING()) { ri.value = Unescape(it->STRING()->getText()); ri.value_pos = P(it->STRING()->getSymbol()); }
      d.items.push_back(std::move(ri));
    }
    m_->references.push_back(std::move(d));
  }

  void Rules(G::RulesContext* c) {
    dsl::RulesDecl d;
    d.id = m_->next_id++;
    d.pos = P(c);
    d.survey = Name(c->ident());
    for (auto* item : c->ruleItem()) {
      if (auto* l = item->letDecl()) {
        dsl::LetDecl let;
        let.id = m_->next_id++;
        let.name = Name(l->ident());
        let.value = Ex(l->expr());
        d.lets.push_back(std::move(let));
        continue;
      }
      auto* r = item->ruleDecl();
      dsl::RuleDecl rule;
      rule.id = m_->next_id++;
      rule.pos = P(r);
      rule.is_error = r->severity->getText() == "error";
      rule.code = dsl::Named{r->CODE()->getText(), P(r->CODE()->getSymbol())};
      rule.message = Template(r->STRING()->getSymbol());
      if (r->ident()) rule.for_each = Name(r->ident());
      auto exprs = r->expr();
      if (exprs.size() == 2) {
        rule.when = Ex(exprs[0]);
        rule.check = Ex(exprs[1]);
      } else {
        rule.check = Ex(exprs[0]);
      }
      d.rules.push_back(std::move(rule));
    }
    m_->rules.push_back(std::move(d));
  }

  // Splits "text {expr} text" into parts; `{{` and `}}` stand for braces.
  dsl::Template Template(antlr4::Token* tok) {
    dsl::Template t;
    t.pos = P(tok);
    std::string raw = tok->getText();
    t.raw = Unescape(raw);
    std::string lit;
    size_t i = 1, cp_index = 1;  // position after the opening quote
    auto advance = [&](size_t n) {
      for (size_t k = 0; k < n; ++k) cp_index += (static_cast<unsigned char>(raw[i + k]) & 0xC0) != 0x80;
      i += n;
    };
    while (i + 1 < raw.size()) {
      char ch = raw[i];
      if ((ch == '{' || ch == '}') && i + 2 < raw.size() && raw[i + 1] == ch) { lit += ch; advance(2); continue; }
      if (ch == '{') {
        size_t close = raw.find('}', i);
        if (close == std::string::npos || close + 1 >= raw.size() + 1) {
          diags_->push_back(MakeDiag(*m_, Pos{file_, t.pos.line, t.pos.col + static_cast<int>(cp_index)},
                                     "template", {}, MessageBoth("template/hint")));
          return t;
        }
        if (!lit.empty()) { t.parts.push_back({Unescape("\"" + lit + "\""), nullptr, {}}); lit.clear(); }
        std::string src = raw.substr(i + 1, close - i - 1);
        int col = t.pos.col + static_cast<int>(cp_index) + 1;
        dsl::Template::Part part;
        part.source = Unescape("\"" + src + "\"");
        part.expr = ParseExpression(m_, file_, part.source, t.pos.line, col, diags_, limits_);
        if (!part.expr) {
          ok_ = false;
        }
        t.parts.push_back(std::move(part));
        advance(close + 1 - i);
        continue;
      }
      if (ch == '\\' && i + 2 < raw.size()) { lit += raw.substr(i, 2); advance(2); continue; }
      lit += ch;
      advance(1);
    }
    if (!lit.empty()) t.parts.push_back({Unescape("\"" + lit + "\""), nullptr, {}});
    return t;
  }

  // ---- expressions ----
  ExprPtr Node(ExprKind k, Pos p, std::string text = {}) {
    auto e = std::make_unique<Expr>();
    e->id = m_->next_id++;
    e->kind = k;
    e->pos = p;
    e->begin = p;
    e->text = std::move(text);
    return e;
  }
  ExprPtr Finish(ExprPtr e) {
    int d = 0;
    auto before = [](const Pos& a, const Pos& b) { return a.line < b.line || (a.line == b.line && a.col < b.col); };
    for (auto& a : e->args)
      if (before(a->begin, e->begin)) e->begin = a->begin;
    for (auto& a : e->args) d = std::max(d, a->depth);
    if (e->filter) d = std::max(d, e->filter->depth);
    e->depth = d + 1;
    if (e->depth == limits_.max_expr_depth + 1) {
      diags_->push_back(MakeDiag(*m_, e->pos, "too-deep/expression", {{"max", std::to_string(limits_.max_expr_depth)}},
                                 MessageBoth("too-deep/split-hint")));
      ok_ = false;
    }
    return e;
  }
  ExprPtr Binary(ExprKind k, Pos p, ExprPtr a, ExprPtr b) {
    auto e = Node(k, p);
    e->args.push_back(std::move(a));
    e->args.push_back(std::move(b));
    return Finish(std::move(e));
  }

  ExprPtr Ex(G::ExprContext* c) {
    auto parts = c->andExpr();
    if (parts.size() == 1) return And(parts[0]);
    auto e = Node(ExprKind::kOr, P(c));
    for (auto* p : parts) e->args.push_back(And(p));
    return Finish(std::move(e));
  }
  ExprPtr And(G::AndExprContext* c) {
    auto parts = c->notExpr();
    if (parts.size() == 1) return Not(parts[0]);
    auto e = Node(ExprKind::kAnd, P(c));
    for (auto* p : parts) e->args.push_back(Not(p));
    return Finish(std::move(e));
  }
  ExprPtr Not(G::NotExprContext* c) {
    if (c->notExpr()) {
      auto e = Node(ExprKind::kNot, P(c));
      e->args.push_back(Not(c->notExpr()));
      return Finish(std::move(e));
    }
    return Cmp(c->cmpExpr());
  }
  ExprPtr Cmp(G::CmpExprContext* c) {
    auto adds = c->addExpr();
    ExprPtr left = Add(adds[0]);
    if (auto* op = c->cmpOp()) {
      std::string o = op->getText();
      ExprKind k = o == "=" ? ExprKind::kEq : o == "!=" ? ExprKind::kNe : o == "<" ? ExprKind::kLt
                 : o == "<=" ? ExprKind::kLe : o == ">" ? ExprKind::kGt : ExprKind::kGe;
      return Binary(k, P(op), std::move(left), Add(adds[1]));
    }
    if (adds.size() == 3) {
      auto e = Node(ExprKind::kBetween, P(c));
      e->negated = c->NOT != nullptr;
      e->args.push_back(std::move(left));
      e->args.push_back(Add(adds[1]));
      e->args.push_back(Add(adds[2]));
      return Finish(std::move(e));
    }
    if (auto* in = c->inTarget()) {
      auto e = Node(ExprKind::kIn, P(in));
      e->negated = c->NOT != nullptr;
      e->args.push_back(std::move(left));
      if (in->ident()) {
        e->args.push_back(Finish(Node(ExprKind::kName, P(in->ident()), in->ident()->getText())));
      } else {
        e->in_list = true;
        for (auto* x : in->expr()) e->args.push_back(Ex(x));
      }
      return Finish(std::move(e));
    }
    if (c->STRING()) {
      auto e = Node(ExprKind::kMatches, P(c->STRING()->getSymbol()), Unescape(c->STRING()->getText()));
      e->args.push_back(std::move(left));
      return Finish(std::move(e));
    }
    return left;
  }
  // A chain longer than an expression may be deep is refused before its tree is built.
  bool ChainTooLong(size_t n, antlr4::ParserRuleContext* c) {
    if (n <= static_cast<size_t>(limits_.max_expr_depth)) return false;
    diags_->push_back(MakeDiag(*m_, P(c), "too-deep/chain", {{"max", std::to_string(limits_.max_expr_depth)}},
                               MessageBoth("too-deep/split-hint")));
    ok_ = false;
    return true;
  }
  ExprPtr Add(G::AddExprContext* c) {
    auto ms = c->mulExpr();
    if (ChainTooLong(ms.size(), c)) return Node(ExprKind::kNumber, P(c), "0");
    auto ops = c->addOp();
    ExprPtr e = Mul(ms[0]);
    for (size_t i = 1; i < ms.size(); ++i) {
      auto* op = ops[i - 1];
      e = Binary(op->getText() == "+" ? ExprKind::kAdd : ExprKind::kSub, P(op), std::move(e), Mul(ms[i]));
    }
    return e;
  }
  ExprPtr Mul(G::MulExprContext* c) {
    auto us = c->unary();
    if (ChainTooLong(us.size(), c)) return Node(ExprKind::kNumber, P(c), "0");
    auto ops = c->mulOp();
    ExprPtr e = Unary(us[0]);
    for (size_t i = 1; i < us.size(); ++i) {
      auto* op = ops[i - 1];
      e = Binary(op->getText() == "*" ? ExprKind::kMul : ExprKind::kDiv, P(op), std::move(e), Unary(us[i]));
    }
    return e;
  }
  ExprPtr Unary(G::UnaryContext* c) {
    if (c->unary()) {
      auto inner = Unary(c->unary());
      if (inner->kind == ExprKind::kNumber && inner->text[0] != '-') {  // fold -5 into a literal
        inner->text = "-" + inner->text;
        inner->pos = inner->begin = P(c);
        return inner;
      }
      auto e = Node(ExprKind::kNeg, P(c));
      e->args.push_back(std::move(inner));
      return Finish(std::move(e));
    }
    return Primary(c->primary());
  }
  ExprPtr Primary(G::PrimaryContext* c) {
    if (auto* n = dynamic_cast<G::NumberLitContext*>(c)) return Node(ExprKind::kNumber, P(n), n->getText());
    if (auto* s = dynamic_cast<G::StringLitContext*>(c))
      return Node(ExprKind::kString, P(s), Unescape(s->STRING()->getText()));
    if (auto* b = dynamic_cast<G::BoolLitContext*>(c)) return Node(ExprKind::kBool, P(b), b->getText());
    if (auto* n = dynamic_cast<G::NameContext*>(c)) return Node(ExprKind::kName, P(n), n->getText());
    if (auto* p = dynamic_cast<G::ParenContext*>(c)) return Ex(p->expr());
    auto* call = dynamic_cast<G::CallContext*>(c);
    auto e = Node(ExprKind::kCall, P(call), call->ident()->getText());
    auto args = call->arg();
    for (size_t i = 0; i < args.size(); ++i) {
      auto xs = args[i]->expr();
      e->args.push_back(Ex(xs[0]));
      if (xs.size() > 1) {
        if (i == 0) {
          e->filter = Ex(xs[1]);
        } else {
          diags_->push_back(MakeDiag(*m_, P(args[i]), "where-position/first-argument"));
          ok_ = false;
        }
      }
    }
    return Finish(std::move(e));
  }

  bool ok() const { return ok_; }

 private:
  dsl::Module* m_;
  int file_, line_offset_, col_offset_;
  std::vector<Diagnostic>* diags_;
  const ParseLimits& limits_;
  bool ok_ = true;
};

// Rejects hostile nesting before the recursive-descent parser sees it.
bool CheckNesting(const dsl::Module& m, int file, int line_offset, int col_offset,
                  const std::vector<antlr4::Token*>& tokens, const ParseLimits& limits,
                  std::vector<Diagnostic>* diags) {
  int depth = 0, prefix_run = 0;
  for (auto* t : tokens) {
    std::string s = t->getType() == antlr4::Token::EOF ? "" : t->getText();
    if (s == "(" || s == "{") ++depth;
    else if (s == ")" || s == "}") depth = depth > 0 ? depth - 1 : 0;
    if (s == "not" || s == "-") ++prefix_run; else if (s != "(") prefix_run = 0;
    if (depth + prefix_run > limits.max_nesting) {
      int line = static_cast<int>(t->getLine());
      int col = static_cast<int>(t->getCharPositionInLine()) + 1 + (line == 1 ? col_offset : 0);
      diags->push_back(MakeDiag(m, Pos{file, line + line_offset, col}, "too-deep/nesting",
                                {{"max", std::to_string(limits.max_nesting)}}));
      return false;
    }
  }
  return true;
}

template <typename Fn>
bool RunParser(dsl::Module* m, int file, const std::string& text, int line_offset, int col_offset,
               std::vector<Diagnostic>* diags, const ParseLimits& limits, Fn&& fn) {
  try {
    antlr4::ANTLRInputStream input(text);
    GridstatLexer lexer(&input);
    lexer.removeErrorListeners();
    antlr4::CommonTokenStream tokens(&lexer);
    tokens.fill();
    if (!CheckNesting(*m, file, line_offset, col_offset, tokens.getTokens(), limits, diags)) return false;
    GridstatParser parser(&tokens);
    parser.removeErrorListeners();
    ErrorCollector errors(m, file, line_offset, col_offset, diags, limits.max_syntax_errors);
    parser.addErrorListener(&errors);
    Builder builder(m, file, line_offset, col_offset, diags, limits);
    bool ok = false;
    try {
      ok = fn(parser, builder, errors);
    } catch (const TooManyErrors&) {
      return false;
    }
    return ok && builder.ok();
  } catch (const std::exception& e) {
    diags->push_back(MakeDiag(*m, Pos{file, 0, 0}, "internal", {{"what", e.what()}}));
    return false;
  }
}

}  // namespace

bool ParseSource(dsl::Module* module, const std::string& path, std::string text,
                 std::vector<Diagnostic>* diags, const ParseLimits& limits) {
  int file = static_cast<int>(module->files.size());
  dsl::SourceFile sf;
  sf.path = path;
  if (text.size() > limits.max_file_bytes) {
    module->files.push_back(std::move(sf));
    diags->push_back(MakeDiag(*module, Pos{file, 0, 0}, "file-too-large",
                              {{"size", std::to_string(text.size())}, {"max", std::to_string(limits.max_file_bytes)}}));
    return false;
  }
  if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.replace(0, 3, "   ");  // BOM
  sf.text = std::move(text);
  sf.line_starts.push_back(0);
  for (size_t i = 0; i < sf.text.size(); ++i)
    if (sf.text[i] == '\n') sf.line_starts.push_back(i + 1);
  module->files.push_back(std::move(sf));
  const std::string& src = module->files[file].text;
  const auto& starts = module->files[file].line_starts;

  size_t bad = FindInvalidUtf8(src);
  if (bad != std::string::npos) {
    int line = static_cast<int>(std::upper_bound(starts.begin(), starts.end(), bad) - starts.begin());
    int col = static_cast<int>(CodePointCount(std::string_view(src).substr(starts[line - 1], bad - starts[line - 1]))) + 1;
    diags->push_back(MakeDiag(*module, Pos{file, line, col}, "invalid-utf8", {}, MessageBoth("invalid-utf8/hint")));
    return false;
  }
  // Control characters are refused wherever they stand, strings and comments included: the
  // lexer would take them into a label or message, and a NUL would end it in C strings.
  int controls = 0;
  for (size_t i = 0; i < src.size() && controls < limits.max_syntax_errors; ++i) {
    unsigned char c = static_cast<unsigned char>(src[i]);
    if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') continue;
    int line = static_cast<int>(std::upper_bound(starts.begin(), starts.end(), i) - starts.begin());
    int col = static_cast<int>(CodePointCount(std::string_view(src).substr(starts[line - 1], i - starts[line - 1]))) + 1;
    std::string shown(1, static_cast<char>(c));
    diags->push_back(MakeDiag(*module, Pos{file, line, col}, "bad-character", {{"char", shown}},
                              MessageBoth("bad-character/control-hint")));
    ++controls;
  }
  if (controls > 0) return false;
  return RunParser(module, file, src, 0, 0, diags, limits,
                   [&](GridstatParser& parser, Builder& builder, ErrorCollector& errors) {
                     auto* tree = parser.file();
                     if (errors.count() > 0) return false;
                     builder.File(tree);
                     return true;
                   });
}

dsl::ExprPtr ParseExpression(dsl::Module* module, int file, const std::string& text, int line, int col,
                             std::vector<Diagnostic>* diags, const ParseLimits& limits) {
  dsl::ExprPtr out;
  bool ok = RunParser(module, file, text, line - 1, col - 1, diags, limits,
            [&](GridstatParser& parser, Builder& builder, ErrorCollector& errors) {
              auto* tree = parser.exprOnly();
              if (errors.count() > 0) return false;
              out = builder.Ex(tree->expr());
              return true;
            });
  if (!ok) out.reset();
  return out;
}

std::string Dump(const Expr& e) {
  static const char* kNames[] = {"num", "str", "bool", "name", "call", "neg", "not", "and", "or", "+", "-", "*",
                                 "/", "=", "!=", "<", "<=", ">", ">=", "between", "in", "matches"};
  switch (e.kind) {
    case ExprKind::kNumber: case ExprKind::kBool: case ExprKind::kName: return e.text;
    case ExprKind::kString: return "\"" + e.text + "\"";
    default: break;
  }
  std::string out = "(";
  if (e.negated) out += "not-";
  out += e.kind == ExprKind::kCall ? e.text : kNames[static_cast<int>(e.kind)];
  if (e.kind == ExprKind::kMatches) out += " \"" + e.text + "\"";
  for (size_t i = 0; i < e.args.size(); ++i) {
    out += " " + Dump(*e.args[i]);
    if (i == 0 && e.filter) out += " where " + Dump(*e.filter);
  }
  if (e.kind == ExprKind::kIn && e.in_list) out += " list";
  return out + ")";
}

}  // namespace gridstat::dsl
