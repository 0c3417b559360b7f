// The auditor's verifier on an audit export (VerifyExport), the way
// `gridstat audit verify --export DIR` runs it on files handed over by someone else.
//
// The input is an export packed into one text, a section per file:
//
//   #file events.jsonl
//   {"body":"...","hash":"...",...}
//   #file submissions.jsonl
//   ...
//
// for events.jsonl, submissions.jsonl, instances.jsonl, units.jsonl, org.json and
// meta.json (other names are ignored). The definitions are not part of the input: the
// shipped ones (reduced reference data, see CMakeLists.txt) are in the export
// directory, and the seeds name them by their hash.
//
// A mutated event would almost never get past the hash chain, which would leave the
// rest of the verifier unexercised. So, unless the input starts with a line "#raw", the
// export is mended first: missing files are made empty, lines that are not JSON objects
// dropped, event bodies put in canonical form, seq numbers made consecutive, the
// instance and request_id columns copied from the body, submission hashes recomputed
// and every event hashed again. The verifier then judges the content itself: workflow
// steps, permissions, states, re-validated findings. Raw inputs keep the malformed
// lines and broken chains.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/files.h"
#include "fuzz/fuzz_common.h"
#include "gridstat/engine.h"
#include "gridstat/store.h"
#include "gridstat/validate.h"

namespace {

namespace fs = std::filesystem;
using namespace gridstat;

const char* const kFiles[] = {"events.jsonl", "submissions.jsonl", "instances.jsonl", "units.jsonl", "org.json", "meta.json"};

// The export directory, with the shipped definitions written once.
const std::string& ExportDir() {
  static const std::string dir = [] {
    std::string d = fuzz::ScratchDir() + "/export";
    fs::create_directories(fs::path(d) / "definitions");
    CompileResult c = CompileDirectory(fuzz::FuzzDefsDir());
    if (!c.program) {
      std::fprintf(stderr, "fuzz set-up: %s does not compile\n", fuzz::FuzzDefsDir().c_str());
      std::exit(2);
    }
    Doc files = json::Obj();
    for (const auto& [rel, text] : c.files) files.members.emplace_back(rel, json::Str(text));
    fuzz::WriteOrExit(d + "/definitions/" + ProgramHash(*c.program) + ".json", json::Canonical(files));
    return d;
  }();
  return dir;
}

struct Bundle {
  bool raw = false;
  std::map<std::string, std::string> files;
};

Bundle Unpack(std::string_view in) {
  Bundle b;
  std::string* current = nullptr;
  bool started = false;
  size_t pos = 0;
  while (pos < in.size()) {
    size_t eol = in.find('\n', pos);
    if (eol == std::string_view::npos) eol = in.size();
    std::string_view line = in.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.substr(0, 6) == "#file ") {
      started = true;
      std::string_view name = line.substr(6);
      if (!name.empty() && name.back() == '\r') name.remove_suffix(1);
      current = nullptr;
      for (const char* f : kFiles)
        if (name == f) current = &b.files[f];
      continue;
    }
    if (!started && line == "#raw") b.raw = true;
    if (current) {
      current->append(line);
      current->push_back('\n');
    }
  }
  return b;
}

template <typename F>
std::string EachLine(const std::string& text, F&& f) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (!line.empty()) line = f(line);
    if (!line.empty()) out += line + "\n";
  }
  return out;
}

std::string Member(const Doc& d, const char* key) {
  const std::string* v = json::GetStr(d, key);
  return v ? *v : std::string();
}

void Mend(Bundle* b) {
  struct Hashes { std::string data, findings; };
  std::map<std::string, Hashes> subs;  // "instance#revision"
  auto mend = [&](const char* name, auto&& each) {
    auto it = b->files.find(name);
    if (it != b->files.end()) it->second = EachLine(it->second, each);
  };
  for (const char* f : kFiles)
    if (!b->files.count(f)) b->files[f] = std::string(f).find(".jsonl") != std::string::npos ? "" : "{}";
  auto object = [](const std::string& line) -> std::string {
    auto row = ParseJsonDocument(line);
    return row.ok() && row->kind == Doc::Kind::kObject ? line : std::string();
  };
  mend("instances.jsonl", object);
  mend("units.jsonl", object);
  mend("submissions.jsonl", [&](const std::string& line) -> std::string {
    auto row = ParseJsonDocument(line);
    if (!row.ok() || row->kind != Doc::Kind::kObject) return {};
    Hashes h{gridstat::Sha256Hex(Member(*row, "envelope")), gridstat::Sha256Hex(Member(*row, "findings"))};
    json::Set(&*row, "data_hash", json::Str(h.data));
    json::Set(&*row, "findings_hash", json::Str(h.findings));
    subs[Member(*row, "instance") + "#" + std::to_string(json::GetInt(*row, "revision"))] = h;
    return json::Canonical(*row);
  });
  std::string prev(64, '0');
  int64_t seq = 0;
  mend("events.jsonl", [&](const std::string& line) -> std::string {
    auto row = ParseJsonDocument(line);
    if (!row.ok() || row->kind != Doc::Kind::kObject) return {};
    ++seq;
    std::string body = Member(*row, "body");
    auto doc = ParseJsonDocument(body);
    if (doc.ok() && doc->kind == Doc::Kind::kObject) {
      json::Set(&*doc, "seq", json::Int(seq));
      for (auto& [key, sub] : doc->members) {
        if (key != "submission" || sub.kind != Doc::Kind::kObject) continue;
        auto it = subs.find(Member(*doc, "instance") + "#" + std::to_string(json::GetInt(sub, "revision")));
        if (it == subs.end()) continue;
        json::Set(&sub, "data_hash", json::Str(it->second.data));
        json::Set(&sub, "findings_hash", json::Str(it->second.findings));
      }
      body = json::Canonical(*doc);
      json::Set(&*row, "instance", json::Str(Member(*doc, "instance")));
      json::Set(&*row, "request_id", json::Str(Member(*doc, "request_id")));
    }
    std::string hash = gridstat::Sha256Hex(prev + "\n" + body);
    json::Set(&*row, "seq", json::Int(seq));
    json::Set(&*row, "body", json::Str(body));
    json::Set(&*row, "prev_hash", json::Str(prev));
    json::Set(&*row, "hash", json::Str(hash));
    prev = hash;
    return json::Canonical(*row);
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fs::path dir = ExportDir();
  Bundle b = Unpack(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!b.raw) Mend(&b);
  for (const char* f : kFiles) {
    std::error_code ec;
    fs::remove(dir / f, ec);
    auto it = b.files.find(f);
    if (it != b.files.end()) fuzz::WriteOrExit((dir / f).string(), it->second);
  }
  VerifyResult r = VerifyExport(dir.string());
  static const bool verbose = std::getenv("FUZZ_AUDIT_VERBOSE") != nullptr;  // to read a reproducer's verdict
  if (verbose)
    std::fprintf(stderr, "verify: %s events=%lld first_bad_seq=%lld %s\n", r.ok ? "ok" : "FAILED",
                 static_cast<long long>(r.events), static_cast<long long>(r.first_bad_seq), r.problem.c_str());
  if (!r.ok && r.problem.empty()) fuzz::Fail("the export was refused without saying why");
  return 0;
}
