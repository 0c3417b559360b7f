#include "gridstat/c_api.h"

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/json.h"
#include "common/messages.h"
#include "gridstat/engine.h"
#include "gridstat/store.h"
#include "gridstat/validate.h"
#include "gridstat/version.h"

struct gs_program {
  std::shared_ptr<const gridstat::Program> program;
};

struct gs_store {
  std::unique_ptr<gridstat::Store> store;
  gridstat::Lang lang = gridstat::Lang::kZh;
};

namespace {

using gridstat::Doc;
using gridstat::Lang;
namespace json = gridstat::json;

char* Dup(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p) std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

Lang ParseLang(const char* lang) { return lang && std::strcmp(lang, "en") == 0 ? Lang::kEn : Lang::kZh; }

std::string ErrorJson(const std::string& code, const std::string& message, Doc extra = json::Obj()) {
  Doc error = json::Obj({{"code", json::Str(code)}, {"message", json::Str(message)}});
  for (auto& m : extra.members) error.members.push_back(std::move(m));
  return json::Canonical(json::Obj({{"error", std::move(error)}}));
}

// An error whose code and message are the catalogue's entry `key`.
std::string ErrorJson(Lang lang, std::string_view key, gridstat::MessageArgs args = {}, Doc extra = json::Obj()) {
  return ErrorJson(std::string(gridstat::MessageCode(key)), gridstat::Message(lang, key, args), std::move(extra));
}

std::string StatusCodeName(gridstat::Status::Code c) {
  switch (c) {
    case gridstat::Status::Code::kNotFound: return "not_found";
    case gridstat::Status::Code::kIo: return "io";
    case gridstat::Status::Code::kInvalid: return "invalid";
    default: return "internal";
  }
}

std::string StatusError(const gridstat::Status& st) { return ErrorJson(StatusCodeName(st.code()), st.message()); }

// A request: one JSON object whose members are all among those the call documents. The
// first problem met is kept; the call answers it with a bad_request error.
class Request {
 public:
  Request(const char* text, std::initializer_list<const char*> known, Lang lang) : lang_(lang) {
    std::string_view t = text ? std::string_view(text) : std::string_view();
    if (t.find_first_not_of(" \t\r\n") == std::string_view::npos) t = "{}";
    auto parsed = gridstat::ParseJsonDocument(t);
    if (!parsed.ok()) {
      Fail("bad_request/not_json", {{"reason", parsed.status().message()}});
      return;
    }
    doc_ = std::move(*parsed);
    if (doc_.kind != Doc::Kind::kObject) {
      Fail("bad_request/not_object");
      return;
    }
    std::set<std::string> seen;
    for (const auto& m : doc_.members) {
      bool ok = false;
      for (const char* k : known) ok |= m.first == k;
      if (!ok) {
        Fail("bad_request/unknown_member", {{"member", m.first}});
        return;
      }
      if (!seen.insert(m.first).second) {
        Fail("bad_request/duplicate_member", {{"member", m.first}});
        return;
      }
    }
  }

  bool ok() const { return error_.empty(); }
  std::string Error() const { return ErrorJson("bad_request", error_); }

  const Doc* Get(const char* key) {
    const Doc* d = ok() ? doc_.Find(key) : nullptr;
    return d && d->kind != Doc::Kind::kNull ? d : nullptr;
  }

  std::string Str(const char* key, bool required) {
    const Doc* d = Get(key);
    if (!d) {
      if (required && ok()) Fail("bad_request/missing_member", {{"member", key}});
      return "";
    }
    if (d->kind != Doc::Kind::kString) { Fail("bad_request/not_string", {{"member", key}}); return ""; }
    if (required && d->text.empty()) Fail("bad_request/empty", {{"member", key}});
    return d->text;
  }

  std::optional<std::string> OptStr(const char* key) {
    if (!Get(key)) return std::nullopt;
    return Str(key, false);
  }

  bool Bool(const char* key) {
    const Doc* d = Get(key);
    if (!d) return false;
    if (d->kind != Doc::Kind::kBool) { Fail("bad_request/not_bool", {{"member", key}}); return false; }
    return d->boolean;
  }

  // A whole number in [lo, hi].
  std::optional<int64_t> Int(const char* key, int64_t lo, int64_t hi) {
    const Doc* d = Get(key);
    if (!d) return std::nullopt;
    int64_t v = 0;
    const std::string& t = d->text;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (d->kind != Doc::Kind::kNumber || ec != std::errc() || end != t.data() + t.size() || v < lo || v > hi) {
      Fail("bad_request/not_int", {{"member", key}, {"lo", std::to_string(lo)}, {"hi", std::to_string(hi)}});
      return std::nullopt;
    }
    return v;
  }

  // An array of non-empty strings.
  std::vector<std::string> Strs(const char* key) {
    std::vector<std::string> out;
    const Doc* d = Get(key);
    if (!d) return out;
    bool good = d->kind == Doc::Kind::kArray;
    for (const auto& item : d->items) {
      good &= item.kind == Doc::Kind::kString && !item.text.empty();
      if (good) out.push_back(item.text);
    }
    if (!good) Fail("bad_request/not_strings", {{"member", key}});
    return out;
  }

  // Keeps the first problem: a bad_request/... entry of the catalogue.
  void Fail(std::string_view key, gridstat::MessageArgs args = {}) {
    if (error_.empty()) error_ = gridstat::Message(lang_, key, args);
  }

 private:
  Doc doc_;
  Lang lang_;
  std::string error_;
};

// The result of release, submit and act: {"outcome","results","warnings"}, each result in the
// form the CLI's --format json prints (gridstat::ActionResultJson). Canonical JSON sorts
// members, and these three are in order.
std::string CommandJson(gs_store* s, const std::vector<gridstat::ActionResult>& results) {
  const char* worst = gridstat::OutcomeName(gridstat::GravestOutcome(results));
  std::string out = "{\"outcome\":" + json::Canonical(json::Str(worst)) + ",\"results\":[";
  for (size_t i = 0; i < results.size(); ++i) out += (i ? "," : "") + gridstat::ActionResultJson(results[i]);
  Doc warnings = json::Arr();
  for (auto& w : s->store->TakeWarnings()) warnings.items.push_back(json::Str(w));
  return out + "],\"warnings\":" + json::Canonical(warnings) + "}";
}

// Runs a store call: a NULL store is a bad request, an exception an internal error.
template <typename F>
char* StoreCall(gs_store* s, F&& f) {
  try {
    // Without a store there is no language: English, as an exception's text is.
    if (!s || !s->store) return Dup(ErrorJson(Lang::kEn, "bad_request/no_store"));
    return Dup(f());
  } catch (const std::exception& e) {
    return Dup(ErrorJson("internal", e.what()));
  } catch (...) {
    return Dup(ErrorJson(Lang::kEn, "internal/unknown"));
  }
}

// Validates `text` record by record into report lines (gs_validate and gs_validate_with_previous).
std::string ValidateText(const gs_program* program, const char* text, size_t length, Lang lang,
                         const gridstat::PreviousSource* previous) {
  gridstat::Validator v(program->program, lang);
  std::string out;
  auto emit = [&](const gridstat::Report& r) { out += gridstat::ReportToJson(r) + "\n"; };
  gridstat::ReadSubmissionText("<input>", std::string(text ? text : "", text ? length : 0), false,
                               [&](gridstat::Envelope e) { emit(v.Validate(e, previous)); }, emit, lang);
  return out;
}

}  // namespace

extern "C" {

const char* gs_version(void) { return GRIDSTAT_VERSION; }

gs_program* gs_compile(const char* definitions_dir, char** error) {
  try {
    auto r = gridstat::CompileDirectory(definitions_dir ? definitions_dir : "");
    if (!r.program) {
      if (error) {
        std::string all;
        for (auto& d : r.diagnostics) all += gridstat::RenderDiagnosticJson(d, gridstat::Lang::kEn) + "\n";
        *error = Dup(all);
      }
      return nullptr;
    }
    if (error) *error = nullptr;
    return new gs_program{r.program};
  } catch (...) {
    if (error) *error = Dup(gridstat::Message(Lang::kEn, "internal/compile") + "\n");
    return nullptr;
  }
}

gs_program* gs_compile2(const char* definitions_dir, const char* lang, char** diagnostics) {
  if (diagnostics) *diagnostics = nullptr;
  Lang l = ParseLang(lang);
  try {
    auto r = gridstat::CompileDirectory(definitions_dir ? definitions_dir : "");
    if (diagnostics && !r.diagnostics.empty()) {
      std::string all;
      for (auto& d : r.diagnostics) all += gridstat::RenderDiagnosticJson(d, l) + "\n";
      *diagnostics = Dup(all);
    }
    return r.program ? new gs_program{r.program} : nullptr;
  } catch (const std::exception& e) {
    if (diagnostics) {
      gs_free(*diagnostics);
      *diagnostics = Dup(json::Canonical(json::Obj({{"code", json::Str("internal")}, {"severity", json::Str("error")},
                                                    {"message", json::Str(e.what())}})) + "\n");
    }
    return nullptr;
  } catch (...) {
    if (diagnostics) {
      gs_free(*diagnostics);
      std::string unknown = gridstat::Message(Lang::kEn, "internal/unknown");
      *diagnostics = Dup(json::Canonical(json::Obj({{"code", json::Str("internal")}, {"severity", json::Str("error")},
                                                    {"message", json::Str(unknown)}})) + "\n");
    }
    return nullptr;
  }
}

char* gs_validate(const gs_program* program, const char* text, size_t length, const char* lang) {
  try {
    if (!program) return Dup("");
    return Dup(ValidateText(program, text, length, ParseLang(lang), nullptr));
  } catch (...) {
    return nullptr;
  }
}

char* gs_validate_with_previous(const gs_program* program, const char* text, size_t length,
                                const char* previous_text, size_t previous_length, const char* lang) {
  try {
    if (!program) return Dup("");
    Lang l = ParseLang(lang);
    if (!previous_text) return Dup(ValidateText(program, text, length, l, nullptr));
    // As `gridstat validate --previous` (cli/cmd_definitions.cc): earlier records are taken as accepted,
    // as they stand; two different ones for one survey, key and period make the run refused.
    gridstat::PreviousSet previous(program->program);
    gridstat::Validator keys(program->program);
    Doc conflicts = json::Arr();
    std::string malformed;
    int malformed_line = 0;
    auto where = [](int line) { return "<previous>:" + std::to_string(line); };
    gridstat::Status st = gridstat::ReadSubmissionText(
        "<previous>", std::string(previous_text, previous_length), false,
        [&](gridstat::Envelope e) {
          std::string key = keys.RecordKey(e).value_or(""), survey = e.survey, period = e.period;
          int line = e.line;
          const gridstat::Envelope* held = previous.Add(std::move(e));
          if (held && conflicts.items.size() < 20)
            conflicts.items.push_back(json::Obj({{"survey", json::Str(survey)}, {"period", json::Str(period)},
                                                 {"key", json::Str(key)}, {"first", json::Str(where(held->line))},
                                                 {"second", json::Str(where(line))}}));
        },
        [&](gridstat::Report r) {
          if (!malformed.empty()) return;
          malformed = where(r.line) + ": " + (r.findings.empty() ? "" : r.findings[0].message);
          malformed_line = r.line;
        },
        l);
    if (!st.ok()) return Dup(ErrorJson("malformed_previous", st.message(), json::Obj({{"line", json::Int(0)}})) + "\n");
    if (!malformed.empty())
      return Dup(ErrorJson(l, "malformed_previous", {{"record", malformed}},
                           json::Obj({{"line", json::Int(malformed_line)}})) + "\n");
    if (!conflicts.items.empty())
      return Dup(ErrorJson(l, "ambiguous_previous", {}, json::Obj({{"conflicts", std::move(conflicts)}})) + "\n");
    return Dup(ValidateText(program, text, length, l, &previous));
  } catch (...) {
    return nullptr;
  }
}

char* gs_validate_file(const gs_program* program, const char* path, int threads, const char* lang, gs_report_fn emit,
                       void* context) {
  Lang l = ParseLang(lang);
  try {
    if (!program) return Dup(ErrorJson(l, "bad_request/no_program"));
    gridstat::Validator v(program->program, l);
    gridstat::BatchOptions options;
    options.threads = threads;
    options.keep_reports = false;  // the lines and the statuses are all that is handed on
    // Rendered on the workers; the NUL makes each line a C string where it lies.
    if (emit)
      options.render = [](const gridstat::Report& r, std::string* out) {
        *out += gridstat::ReportToJson(r);
        *out += '\n';
        *out += '\0';
      };
    int64_t counts[3] = {0, 0, 0};
    gridstat::Status st = gridstat::ValidateFiles(v, {path ? path : ""}, options,
                                                  [&](const gridstat::Report& r, std::string_view line) {
                                                    counts[static_cast<int>(r.status)]++;
                                                    if (emit) emit(line.data(), line.size() - 1, context);
                                                  });
    if (!st.ok()) return Dup(ErrorJson(StatusCodeName(st.code()), st.message(l)));
    Doc status =
        json::Obj({{"pass", json::Int(counts[0])}, {"warning", json::Int(counts[1])}, {"error", json::Int(counts[2])}});
    Doc records = json::Int(counts[0] + counts[1] + counts[2]);
    return Dup(json::Canonical(json::Obj({{"records", records}, {"status", status}})));
  } catch (const std::exception& e) {
    return Dup(ErrorJson("internal", e.what()));
  } catch (...) {
    return Dup(ErrorJson(Lang::kEn, "internal/unknown"));
  }
}

char* gs_program_hash(const gs_program* program) {
  return program ? Dup(gridstat::ProgramHash(*program->program)) : nullptr;
}

void gs_program_free(gs_program* program) { delete program; }

gs_store* gs_store_open(const char* path, const char* lang, char** error) {
  if (error) *error = nullptr;
  try {
    Lang l = ParseLang(lang);
    auto s = gridstat::Store::Open(path ? path : "", l);
    if (!s.ok()) {
      if (error) *error = Dup(StatusError(s.status()));
      return nullptr;
    }
    return new gs_store{std::move(*s), l};
  } catch (const std::exception& e) {
    if (error) *error = Dup(ErrorJson("internal", e.what()));
    return nullptr;
  } catch (...) {
    if (error) *error = Dup(ErrorJson("internal", "unknown error"));
    return nullptr;
  }
}

void gs_store_close(gs_store* store) { delete store; }

char* gs_store_release(gs_store* s, const char* request) {
  return StoreCall(s, [&] {
    Request q(request, {"actor", "survey", "period", "under", "request_id"}, s->lang);
    std::string actor = q.Str("actor", true), survey = q.Str("survey", true), period = q.Str("period", true),
                under = q.Str("under", true), request_id = q.Str("request_id", false);
    if (!q.ok()) return q.Error();
    return CommandJson(s, s->store->Release(actor, survey, period, under, request_id));
  });
}

char* gs_store_submit(gs_store* s, const char* request) {
  return StoreCall(s, [&] {
    Request q(request, {"actor", "submissions", "instance", "draft", "request_id"}, s->lang);
    std::string actor = q.Str("actor", true), instance = q.Str("instance", false), request_id = q.Str("request_id", false);
    bool draft = q.Bool("draft");
    const Doc* subs = q.Get("submissions");
    if (q.ok() && (!subs || (subs->kind != Doc::Kind::kArray && subs->kind != Doc::Kind::kObject)))
      q.Fail("bad_request/submissions");
    if (!q.ok()) return q.Error();
    std::vector<Doc> items;
    if (subs->kind == Doc::Kind::kObject) items.push_back(*subs);
    else items = subs->items;
    std::vector<gridstat::Envelope> envs;
    std::vector<gridstat::ActionResult> bad;
    for (size_t i = 0; i < items.size(); ++i) {
      gridstat::Envelope env;
      // Named like a record of a file: the store's refusals say "submissions:N".
      std::string where = "submissions:" + std::to_string(i + 1);
      gridstat::Status st = gridstat::EnvelopeFromDoc(std::move(items[i]), &env, s->lang);
      if (st.ok()) {
        env.file = "submissions";
        env.line = static_cast<int>(i + 1);
        envs.push_back(std::move(env));
        continue;
      }
      // Recorded like every refused attempt, as the CLI records an unreadable record.
      gridstat::ActionResult a;
      a.instance = where;
      a.outcome = gridstat::Outcome::kRefused;
      a.code = "envelope";
      a.message = st.message();
      gridstat::Status rs = s->store->RecordRefusal(actor, draft ? "save" : "submit", a.instance, a.code, a.message);
      if (!rs.ok()) { a.outcome = gridstat::Outcome::kCannotRun; a.message = rs.message(); }
      bad.push_back(std::move(a));
    }
    auto results = envs.empty() ? std::vector<gridstat::ActionResult>{} : s->store->Submit(actor, envs, instance, draft, request_id);
    results.insert(results.end(), bad.begin(), bad.end());
    return CommandJson(s, results);
  });
}

char* gs_store_act(gs_store* s, const char* request) {
  return StoreCall(s, [&] {
    Request q(request, {"actor", "instances", "instance", "action", "comment", "target", "if_version", "request_id"}, s->lang);
    gridstat::ActRequest req;
    req.actor = q.Str("actor", true);
    req.instances = q.Strs("instances");
    if (auto one = q.OptStr("instance")) {
      if (q.Get("instances")) q.Fail("bad_request/instance_and_instances");
      else if (one->empty()) q.Fail("bad_request/empty", {{"member", "instance"}});
      else req.instances.push_back(*one);
    }
    if (q.ok() && req.instances.empty()) q.Fail("bad_request/missing_member", {{"member", "instances"}});
    req.action = q.Str("action", true);
    req.comment = q.Str("comment", false);
    req.target = q.Str("target", false);
    req.request_id = q.Str("request_id", false);
    req.if_version = q.Int("if_version", 0, INT64_MAX);
    if (!q.ok()) return q.Error();
    return CommandJson(s, s->store->Act(req));
  });
}

char* gs_store_show(gs_store* s, const char* request) {
  return StoreCall(s, [&] {
    Request q(request, {"instance", "as"}, s->lang);
    std::string instance = q.Str("instance", true);
    std::optional<std::string> as = q.OptStr("as");
    if (!q.ok()) return q.Error();
    auto r = s->store->Show(instance, as);
    return r.ok() ? json::Canonical(*r) : StatusError(r.status());
  });
}

char* gs_store_inbox(gs_store* s, const char* request) {
  return StoreCall(s, [&] {
    Request q(request, {"as"}, s->lang);
    std::string as = q.Str("as", true);
    if (!q.ok()) return q.Error();
    auto r = s->store->Inbox(as);
    if (!r.ok()) return StatusError(r.status());
    Doc items = json::Arr();
    items.items = std::move(*r);
    return json::Canonical(json::Obj({{"items", std::move(items)}}));
  });
}

char* gs_store_progress(gs_store* s, const char* request) {
  return StoreCall(s, [&] {
    Request q(request, {"survey", "period", "under", "level", "as_of", "as"}, s->lang);
    gridstat::Query query;
    query.survey = q.Str("survey", true);
    query.period = q.Str("period", true);
    query.under = q.Str("under", false);
    query.as = q.OptStr("as");
    int level = static_cast<int>(q.Int("level", 0, 5).value_or(0));
    std::string as_of = q.Str("as_of", false);
    if (!q.ok()) return q.Error();
    auto r = s->store->Progress(query, level, as_of);
    return r.ok() ? json::Canonical(*r) : StatusError(r.status());
  });
}

char* gs_store_verify(gs_store* s, const char* request) {
  return StoreCall(s, [&] {
    Request q(request, {"checkpoint", "checkpoint_dir", "pubkey"}, s->lang);
    gridstat::VerifyOptions o;
    o.checkpoint = q.Str("checkpoint", false);
    o.checkpoint_dir = q.Str("checkpoint_dir", false);
    o.pubkey = q.Str("pubkey", false);
    o.configured_dir = o.checkpoint.empty() && o.checkpoint_dir.empty();
    o.lang = s->lang;
    // As the CLI: a public key with exactly one of the two, or none of the three.
    if (q.ok() && (!o.checkpoint.empty() || !o.checkpoint_dir.empty() || !o.pubkey.empty()) &&
        (o.pubkey.empty() || o.checkpoint.empty() == o.checkpoint_dir.empty()))
      q.Fail("bad_request/pubkey");
    if (!q.ok()) return q.Error();
    return gridstat::VerifyJson(s->store->Verify(o));
  });
}

void gs_free(char* s) { std::free(s); }

}  // extern "C"
