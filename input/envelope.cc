// From a decoded record to an Envelope: the envelope's members checked one by one, the
// data and explanations moved out of the document. A record that is not an envelope
// becomes a malformed-record report instead, with its id and survey when they can be told.
#include "input/envelope.h"

#include <algorithm>
#include <cstring>

#include <re2/re2.h>

#include "common/json_reader.h"
#include "common/text.h"

namespace gridstat {
namespace input {
namespace {

// Turns a decoded document into an envelope, or says what is wrong with it.
// Texts are moved out of `doc` as they are taken.
bool ToEnvelope(Doc& doc, Envelope* env, MessageText* p, bool lenient_numbers = false) {
  if (doc.kind != Doc::Kind::kObject) {
    *p = MessageBoth("envelope/not_object");
    return false;
  }
  static const char* const kMembers[] = {"id", "survey", "period", "division", "data", "explanations"};
  bool seen[6] = {false, false, false, false, false, false};
  for (auto& [k, v] : doc.members) {
    for (int m = 0; m < 6; ++m) {
      if (k != kMembers[m]) continue;
      if (seen[m]) {
        *p = MessageBoth("envelope/duplicate_member", {{"member", k}});
        return false;
      }
      seen[m] = true;
    }
  }
  // The document is ours: its texts are moved into the envelope, not copied.
  auto find = [&](const char* name) -> Doc* {
    for (auto& [k, v] : doc.members)
      if (k == name) return &v;
    return nullptr;
  };
  if (Doc* id = find("id")) {
    if ((id->kind == Doc::Kind::kString && !id->text.empty()) || id->kind == Doc::Kind::kNumber) env->id = std::move(id->text);
  }
  auto text_member = [&](const char* name, std::string* out) {
    Doc* d = find(name);
    if (!d || d->kind == Doc::Kind::kNull) {
      *p = MessageBoth("envelope/missing_member", {{"member", name}});
      return false;
    }
    // YAML users often leave `period: 2021` unquoted: a plain number of digits is taken as text there.
    bool digits = lenient_numbers && d->kind == Doc::Kind::kNumber && !d->text.empty() &&
                  d->text.find_first_not_of("0123456789") == std::string::npos && std::strcmp(name, "survey") != 0;
    if (!digits && (d->kind != Doc::Kind::kString || d->text.empty())) {
      *p = MessageBoth("envelope/not_text", {{"member", name}});
      return false;
    }
    *out = std::move(d->text);
    return true;
  };
  if (!env->id) {
    const Doc* id = doc.Find("id");
    *p = MessageBoth(id ? "envelope/not_text" : "envelope/missing_member", {{"member", "id"}});
    return false;
  }
  if (!text_member("survey", &env->survey) || !text_member("period", &env->period) ||
      !text_member("division", &env->division))
    return false;
  Doc* data = nullptr;
  for (auto& [k, v] : doc.members) if (k == "data") data = &v;
  if (!data) {
    *p = MessageBoth("envelope/missing_member", {{"member", "data"}});
    return false;
  }
  if (data->kind != Doc::Kind::kObject) {
    *p = MessageBoth("envelope/data_not_object");
    return false;
  }
  env->data = std::move(*data);
  if (const Doc* ex = doc.Find("explanations")) {
    if (ex->kind == Doc::Kind::kObject) {
      for (auto& [code, text] : ex->members) {
        if (text.kind == Doc::Kind::kObject) {
          // {"text": ..., "digest": ...}: the explanation re-confirmed for the values of that digest.
          const Doc* t = nullptr;
          const Doc* d = nullptr;
          for (auto& [k, v] : text.members) {
            if (k == "text") t = &v;
            else if (k == "digest") d = &v;
            else {
              *p = MessageBoth("envelope/explanation_member", {{"rule", code}, {"member", k}});
              return false;
            }
          }
          if (!t || t->kind != Doc::Kind::kString || !d || d->kind != Doc::Kind::kString || d->text.empty()) {
            *p = MessageBoth("envelope/explanation_form", {{"rule", code}});
            return false;
          }
          if (!t->text.empty()) {
            env->explanations[code] = t->text;
            env->confirmed[code] = d->text;
          }
          continue;
        }
        if (text.kind != Doc::Kind::kString && text.kind != Doc::Kind::kNull) {
          *p = MessageBoth("envelope/explanation_text", {{"rule", code}});
          return false;
        }
        // An empty explanation explains nothing.
        if (text.kind == Doc::Kind::kString && !text.text.empty()) env->explanations[code] = text.text;
      }
    } else if (ex->kind != Doc::Kind::kNull) {
      *p = MessageBoth("envelope/explanations_not_object");
      return false;
    }
  }
  return true;
}

// Best effort: the id and survey of a record that failed to decode.
void SalvageIdentity(const Doc& d, std::optional<std::string>* id, std::string* survey) {
  if (d.kind != Doc::Kind::kObject) return;
  if (const Doc* x = d.Find("id"); x && (x->kind == Doc::Kind::kString || x->kind == Doc::Kind::kNumber) && !x->text.empty()) *id = x->text;
  if (const Doc* x = d.Find("survey"); x && x->kind == Doc::Kind::kString) *survey = x->text;
}

}  // namespace

Report MalformedReport(const std::string& file, int line, const std::optional<std::string>& id, const std::string& survey,
                       const MessageText& problem, Lang lang) {
  Report r;
  r.id = id;
  r.survey = survey;
  r.malformed = true;
  r.file = file;
  r.line = line;
  r.status = Report::Status::kError;
  Finding f;
  f.rule = "envelope";
  f.message = problem.in(lang);
  r.findings.push_back(f);
  return r;
}

Report UnreadableRecord(const std::string& path, int line, std::string_view text, const MessageText& p, Lang lang) {
  static const RE2 kId("\"id\"\\s*:\\s*\"([^\"\\\\\\r\\n]{1,200})\"");
  static const RE2 kSurvey("\"survey\"\\s*:\\s*\"([a-zA-Z0-9_]{1,100})\"");
  std::string id, survey;
  re2::StringPiece rec(text.data(), std::min<size_t>(text.size(), 1 << 16));
  std::optional<std::string> oid;
  if (RE2::PartialMatch(rec, kId, &id) && FindInvalidUtf8(id) == std::string::npos) oid = id;
  RE2::PartialMatch(rec, kSurvey, &survey);
  return MalformedReport(path, line, oid, survey, p, lang);
}

void EmitRecord(const std::string& path, int line, Doc doc, const std::function<void(Envelope)>& on_record,
                const std::function<void(Report)>& on_malformed, Lang lang, bool yaml) {
  Envelope env;
  env.file = path;
  env.line = line;
  MessageText p;
  if (!ToEnvelope(doc, &env, &p, yaml)) {
    // What was taken before the problem is in `env`, the rest still in `doc`.
    std::optional<std::string> id;
    std::string survey;
    SalvageIdentity(doc, &id, &survey);
    if (env.id) id = env.id;
    if (!env.survey.empty()) survey = env.survey;
    on_malformed(MalformedReport(path, line, id, survey, p, lang));
    return;
  }
  on_record(std::move(env));
}

}  // namespace input

void DecodeRecordText(const std::string& path, std::string_view text, size_t capacity, int line,
                      const std::function<void(Envelope)>& on_record, const std::function<void(Report)>& on_malformed,
                      Lang lang) {
  thread_local json::Reader reader;
  Doc doc;
  MessageText p;
  if (!reader.Parse(text, &doc, &p, capacity)) {
    on_malformed(input::UnreadableRecord(path, line, text, p, lang));
    return;
  }
  input::EmitRecord(path, line, std::move(doc), on_record, on_malformed, lang);
}

void DecodeRawRecord(const std::string& path, RawRecord raw, const std::function<void(Envelope)>& on_record,
                     const std::function<void(Report)>& on_malformed, Lang lang) {
  if (raw.malformed) { on_malformed(std::move(*raw.malformed)); return; }
  if (raw.decoded) { on_record(std::move(*raw.decoded)); return; }
  DecodeRecordText(path, raw.text, raw.text.capacity(), raw.line, on_record, on_malformed, lang);
}

Result<Doc> ParseJsonDocument(std::string_view text) {
  json::Reader reader;
  Doc doc;
  MessageText p;
  if (!reader.Parse(text, &doc, &p)) return Status::Make(Status::Code::kInvalid, std::move(p.en), std::move(p.zh));
  return doc;
}

Status EnvelopeFromDoc(Doc doc, Envelope* env, Lang lang) {
  MessageText p;
  if (!input::ToEnvelope(doc, env, &p)) return Status::Invalid(p.in(lang));
  return Status::Ok();
}

}  // namespace gridstat
