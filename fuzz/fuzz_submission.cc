// Submission decoding and validation against the shipped definitions (compiled once).
// The input is read as a submission file:
//
//   - as JSON (object, array or JSON Lines) the way `gridstat validate` reads a file:
//     SplitSubmissionTexts, then each record both through Validator::ValidateText (the
//     fast path for plain records) and through DecodeRecordText and Validate;
//   - as JSON again from memory (ReadSubmissionText), which must find the same records;
//   - as YAML (ReadSubmissionText);
//   - as one JSON document the way the store reads its own records (ParseJsonDocument,
//     EnvelopeFromDoc).
//
// Every decoded envelope is validated, with the records before it as earlier periods
// (so that prev() finds some), and every report is rendered.
//
// Invariants checked besides "no crash":
//   - ValidateText and ValidatePlainText give the reports of DecodeRecordText + Validate,
//     byte for byte, with and without earlier periods (validate.h promises it);
//   - reading from a file and from memory finds the same records;
//   - a decoded envelope holds valid UTF-8 only (the store's canonical JSON relies on it);
//   - a report's JSON is one line of valid JSON naming its survey (null when none) and status.
//
// GRIDSTAT_FUZZ_SKIP_YAML=1 leaves out the YAML pass, to fuzz the JSON readers alone
// while a YAML problem is open.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/text.h"
#include "fuzz/fuzz_common.h"
#include "gridstat/engine.h"
#include "gridstat/validate.h"

namespace {

using namespace gridstat;

const Validator& GetValidator(Lang lang) {
  static const Validator zh(fuzz::Shipped(), Lang::kZh);
  static const Validator en(fuzz::Shipped(), Lang::kEn);
  return lang == Lang::kEn ? en : zh;
}

void CheckUtf8(const std::string& s, const char* what) {
  if (FindInvalidUtf8(s) != std::string::npos) fuzz::Fail(std::string("a decoded envelope's ") + what + " is not valid UTF-8");
}

void CheckUtf8(const Doc& d) {
  CheckUtf8(d.text, "data");
  for (const auto& item : d.items) CheckUtf8(item);
  for (const auto& [key, value] : d.members) {
    CheckUtf8(key, "data");
    CheckUtf8(value);
  }
}

void CheckUtf8(const Envelope& e) {
  if (e.id) CheckUtf8(*e.id, "id");
  CheckUtf8(e.survey, "survey");
  CheckUtf8(e.period, "period");
  CheckUtf8(e.division, "division");
  for (const auto& [code, text] : e.explanations) {
    CheckUtf8(code, "explanations");
    CheckUtf8(text, "explanations");
  }
  for (const auto& [code, digest] : e.confirmed) {
    CheckUtf8(code, "explanations");
    CheckUtf8(digest, "explanations digest");
  }
  CheckUtf8(e.data);
}

void CheckJsonLine(const Report& r) {
  std::string line = ReportToJson(r);
  if (line.find('\n') != std::string::npos) fuzz::Fail("a report's JSON spans lines: " + line);
  auto doc = ParseJsonDocument(line);
  if (!doc.ok()) fuzz::Fail("a report's JSON does not parse (" + doc.status().message() + "): " + line);
  const Doc* status = doc->Find("status");
  if (!status || status->kind != Doc::Kind::kString || status->text != StatusName(r.status))
    fuzz::Fail("a report's JSON lost its status: " + line);
  const Doc* survey = doc->Find("survey");
  bool survey_ok = survey && (r.survey.empty() ? survey->kind == Doc::Kind::kNull
                                               : survey->kind == Doc::Kind::kString && survey->text == r.survey);
  if (!survey_ok) fuzz::Fail("a report's JSON lost its survey: " + line);
}

void Render(const Report& r) {
  CheckJsonLine(r);
  ReportToText(r, Lang::kZh);
  ReportToText(r, Lang::kEn);
}

// A report as the comparisons see it: its JSON line and where it says it came from.
std::string Signature(const Report& r) { return ReportToJson(r) + " @" + r.file + ":" + std::to_string(r.line); }

// Validates records as they come, each with the ones before it as earlier periods,
// the way `gridstat submit` holds a whole file.
class Checker {
 public:
  explicit Checker(Lang lang) : lang_(lang), v_(GetValidator(lang)), previous_(fuzz::Shipped()) {}

  // A decoded record.
  void operator()(Envelope e) {
    CheckUtf8(e);
    v_.RecordKey(e);
    v_.PreviousPeriod(e.survey, e.period);
    Render(v_.Validate(e, &previous_));
    previous_.Add(std::move(e));
  }

  // A record's JSON text: the fast path against the document path, then as above.
  void Text(const std::string& path, std::string_view text, int line) {
    std::string padded(text);
    padded.reserve(text.size() + 64);  // room for the parser to work in place
    const PreviousSource* none = nullptr;
    for (const PreviousSource* prev : {static_cast<const PreviousSource*>(&previous_), none}) {
      std::string slow, fast;
      DecodeRecordText(path, padded, padded.capacity(), line, [&](Envelope e) { slow = Signature(v_.Validate(e, prev)); },
                       [&](Report r) { slow = Signature(r); }, lang_);
      v_.ValidateText(path, padded, padded.capacity(), line, prev, [&](const Report& r) { fast += Signature(r); });
      if (fast != slow) fuzz::Fail("ValidateText differs from DecodeRecordText + Validate:\n" + fast + "\n" + slow);
      Report plain;
      if (v_.ValidatePlainText(path, padded, padded.capacity(), line, prev, &plain) && Signature(plain) != slow)
        fuzz::Fail("ValidatePlainText differs from DecodeRecordText + Validate:\n" + Signature(plain) + "\n" + slow);
    }
    DecodeRecordText(path, padded, padded.capacity(), line, std::ref(*this), Render, lang_);
  }

 private:
  Lang lang_;
  const Validator& v_;
  PreviousSet previous_;
};

// What a reading found, in order: enough to tell two readings apart.
struct Found {
  std::vector<std::string> records;
  std::function<void(Envelope)> on_record() {
    return [this](Envelope e) { records.push_back("record " + e.file + ":" + std::to_string(e.line) + " " + e.id.value_or("")); };
  }
  std::function<void(Report)> on_malformed() {
    return [this](Report r) { records.push_back("malformed " + Signature(r)); };
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Shipped();
  const std::string text(reinterpret_cast<const char*>(data), size);
  static const std::string path = fuzz::ScratchDir() + "/fuzz.jsonl";
  static const bool skip_yaml = [] {
    const char* v = std::getenv("GRIDSTAT_FUZZ_SKIP_YAML");
    return v && *v && std::string(v) != "0";
  }();
  const Lang lang = size % 2 ? Lang::kEn : Lang::kZh;

  // JSON from a file, as `gridstat validate` reads it.
  fuzz::WriteOrExit(path, text);
  Checker json(lang);
  Found from_file;
  SplitSubmissionTexts(
      path,
      [&](std::string_view t, int line) {
        json.Text(path, t, line);
        std::string padded(t);
        padded.reserve(t.size() + 64);
        DecodeRecordText(path, padded, padded.capacity(), line, from_file.on_record(), from_file.on_malformed(), lang);
      },
      [&](RawRecord raw) {
        DecodeRawRecord(path, raw, std::ref(json), Render, lang);
        DecodeRawRecord(path, std::move(raw), from_file.on_record(), from_file.on_malformed(), lang);
      },
      lang);

  // JSON from memory: the same records.
  Found from_memory;
  ReadSubmissionText(path, text, false, from_memory.on_record(), from_memory.on_malformed(), lang);
  if (from_memory.records != from_file.records) {
    std::string a, b;
    for (auto& r : from_file.records) a += r + "\n";
    for (auto& r : from_memory.records) b += r + "\n";
    fuzz::Fail("reading from a file and from memory found different records:\n" + a + "--\n" + b);
  }

  if (!skip_yaml) {
    Checker yaml(lang == Lang::kEn ? Lang::kZh : Lang::kEn);
    ReadSubmissionText("fuzz.yaml", text, true, std::ref(yaml), Render, lang);
  }

  auto doc = ParseJsonDocument(text);
  if (doc.ok()) {
    Envelope env;
    Checker stored(lang);
    if (EnvelopeFromDoc(std::move(*doc), &env).ok()) stored(std::move(env));
  }
  return 0;
}
