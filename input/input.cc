// Reading submission files: JSON (one object, an array, or JSON Lines) and YAML.
// A file is split into records (split.cc), and each record is decoded on its own
// (envelope.cc), so one broken record never hides the others.
#include <cstdio>

#include "common/messages.h"
#include "gridstat/input.h"
#include "input/split.h"

namespace gridstat {

using input::Padded;
using input::Source;

Status SplitSubmissionTexts(const std::string& path, const std::function<void(std::string_view, int)>& on_text,
                            const std::function<void(RawRecord)>& on_raw, Lang lang) {
  if (path == "-") {  // standard input: JSON (an object, an array or JSON Lines), read as it streams
    Source src(stdin);
    return input::SplitJson(path, src, on_text, on_raw, lang);
  }
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return Failure(Status::Code::kIo, "file_open", {{"path", path}});
  Status st;
  if (input::IsYamlPath(path)) {
    input::FileSource src(f);
    st = input::SplitYaml(path, src, on_raw, lang);
  } else {
    Source src(f);
    st = input::SplitJson(path, src, on_text, on_raw, lang);
  }
  std::fclose(f);
  return st;
}

Status SplitSubmissions(const std::string& path, const std::function<void(RawRecord)>& on_raw, Lang lang) {
  return SplitSubmissionTexts(path, [&](std::string_view text, int line) { on_raw(RawRecord{Padded(text), line, {}, {}}); },
                              on_raw, lang);
}

Status ReadSubmissions(const std::string& path, const std::function<void(Envelope)>& on_record,
                       const std::function<void(Report)>& on_malformed, Lang lang) {
  return SplitSubmissions(path, [&](RawRecord r) { DecodeRawRecord(path, std::move(r), on_record, on_malformed, lang); }, lang);
}

Status ReadSubmissionText(const std::string& path, const std::string& text, bool yaml,
                          const std::function<void(Envelope)>& on_record,
                          const std::function<void(Report)>& on_malformed, Lang lang) {
  auto on_raw = [&](RawRecord r) { DecodeRawRecord(path, std::move(r), on_record, on_malformed, lang); };
  if (yaml) {
    input::MemorySource src(text);
    return input::SplitYaml(path, src, on_raw, lang);
  }
  Source src{std::string_view(text)};
  auto on_text = [&](std::string_view t, int line) { on_raw(RawRecord{Padded(t), line, {}, {}}); };
  return input::SplitJson(path, src, on_text, on_raw, lang);
}

}  // namespace gridstat
