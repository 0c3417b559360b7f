// The guarded, streaming YAML reader (see yaml_reader.h for what it promises).
#include "input/yaml_reader.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <istream>
#include <memory>
#include <streambuf>
#include <utility>
#include <vector>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include "common/decimal.h"
#include "common/messages.h"
#include "input/yaml_guard.h"

namespace gridstat::input {

size_t MemorySource::Read(char* buf, size_t n) {
  size_t k = std::min(n, text_.size() - pos_);
  std::memcpy(buf, text_.data() + pos_, k);
  pos_ += k;
  return k;
}

bool MemorySource::Seek(uint64_t off) {
  pos_ = static_cast<size_t>(std::min<uint64_t>(off, text_.size()));
  return true;
}

size_t FileSource::Read(char* buf, size_t n) { return std::fread(buf, 1, n, f_); }
bool FileSource::Seek(uint64_t off) { return fseeko(f_, static_cast<off_t>(off), SEEK_SET) == 0; }
bool FileSource::error() const { return std::ferror(f_) != 0; }

namespace {

// yaml-cpp's parser gives up at 500 levels; a hostile document is stopped well before.
constexpr int kMaxDocumentDepth = 400;
// Anchors per document: yaml-cpp keeps each name until the document ends.
constexpr size_t kMaxAnchors = 100000;
// The events of anchored nodes kept per document, in bytes.
constexpr size_t kMaxTapeBytes = size_t{32} << 20;

// An anchored node's events, replayed for each alias to it.
struct Ev {
  enum Type : uint8_t { kScalar, kNull, kSeq, kMap, kEnd, kAlias } type;
  bool quoted = false;
  int line = 0;
  YAML::anchor_t alias = 0;
  std::string text;
};
struct Tape {
  std::vector<Ev> events;
  bool open = true, dropped = false;
  int depth = 0;  // the document depth the node opened at
};

struct Stuck {
  uint64_t off;
  int line;
};

class RecordReader : public YAML::EventHandler {
 public:
  RecordReader(const YamlLimits& limits, bool split, const std::function<void(Doc, int, size_t)>& on_record,
               const std::function<void(YamlProblem)>& on_problem)
      : limits_(limits), split_(split), on_record_(on_record), on_problem_(on_problem) {}

  // A new parser starts at `off`, line `line` (1-based), reading through `buf`.
  void Segment(GuardedBuf* buf, uint64_t off, int line) {
    buf_ = buf;
    base_off_ = off;
    base_line_ = line;
  }
  void set_file_size(size_t n) {
    file_size_ = n;
    limits_.max_nodes += 4 * n;
  }
  bool documents_done() const { return done_; }

  // Where the reading resumes after a failure: after the open record's first line.
  // Else after the last node seen: yaml-cpp may report an unclosed flow collection
  // only lines later, past a document marker.
  uint64_t ResumeFrom(uint64_t err_off, int* line) const {
    if (in_record_ && record_off_ < err_off) {
      *line = record_line_;
      return record_off_;
    }
    if (seen_node_ && current_off_ < err_off && current_off_ >= base_off_) {
      *line = current_line_;
      return current_off_;
    }
    return err_off;
  }

  // The parser failed: the open record, if any, gets the problem, at its own line.
  void Abort(int line, const MessageText& problem) {
    YamlProblem p;
    p.line = line;
    p.zh = problem.zh;
    p.en = problem.en;
    if (in_record_) {
      p.id = Salvage();
      if (split_ && record_line_ < line) {
        p.line = record_line_;
        p.zh = Message(Lang::kZh, "yaml_at_line", {{"line", std::to_string(line)}, {"problem", problem.zh}});
        p.en = Message(Lang::kEn, "yaml_at_line", {{"line", std::to_string(line)}, {"problem", problem.en}});
      }
    }
    ResetDocument();
    on_problem_(std::move(p));
  }

  void OnDocumentStart(const YAML::Mark& m) override {
    uint64_t off = Off(m);
    if (doc_started_ && off == last_doc_off_) throw Stuck{off, Line(m)};
    doc_started_ = true;
    last_doc_off_ = off;
    ResetDocument();
  }
  void OnDocumentEnd() override {
    ResetDocument();
    if (!split_) done_ = true;
  }
  void OnNull(const YAML::Mark& m, YAML::anchor_t a) override {
    Ev e{Ev::kNull, false, Line(m), 0, {}};
    Node(m, a, std::move(e));
  }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t a) override {
    Ev e{Ev::kAlias, false, Line(m), a, {}};
    Node(m, 0, std::move(e));
  }
  void OnScalar(const YAML::Mark& m, const std::string& tag, YAML::anchor_t a, const std::string& value) override {
    Ev e{Ev::kScalar, tag == "!", Line(m), 0, value};
    Node(m, a, std::move(e));
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t a, YAML::EmitterStyle::value style) override {
    Start(m, a, Ev::kSeq, style == YAML::EmitterStyle::Flow);
  }
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t a, YAML::EmitterStyle::value style) override {
    Start(m, a, Ev::kMap, style == YAML::EmitterStyle::Flow);
  }
  void OnSequenceEnd() override { End(); }
  void OnMapEnd() override { End(); }

 private:
  uint64_t Off(const YAML::Mark& m) const { return base_off_ + static_cast<uint64_t>(std::max(m.pos, 0)); }
  int Line(const YAML::Mark& m) const { return base_line_ + std::max(m.line, 0); }

  void ResetDocument() {
    tapes_.clear();
    tapes_.emplace_back();  // anchor ids start at 1
    tape_bytes_ = 0;
    open_tapes_.clear();
    depth_ = 0;
    records_seq_ = false;
    in_record_ = false;
    flow_depth0_ = -1;
    record_ = Doc();
    stack_.clear();
  }

  // ---- the document's structure ----
  void Start(const YAML::Mark& m, YAML::anchor_t a, Ev::Type type, bool flow) {
    uint64_t off = Off(m);
    if (depth_ == 0 && split_ && type == Ev::kSeq && !in_record_ && a == 0) {
      records_seq_ = true;  // the sequence of records itself
      ++depth_;
      return;
    }
    Ev e{type, false, Line(m), 0, {}};
    Node(m, a, std::move(e));
    if (flow && flow_depth0_ < 0) {
      flow_depth0_ = depth_;
      flow_line_ = Line(m);
      if (buf_) buf_->Keep(off);
    }
    if (++depth_ > kMaxDocumentDepth)
      throw Fatal{off, Line(m), MessageBoth("yaml_too_deep")};
  }

  void End() {
    --depth_;
    if (records_seq_ && depth_ == 0) {
      records_seq_ = false;
      return;
    }
    if (flow_depth0_ == depth_) {
      flow_depth0_ = -1;
      if (buf_) {
        int line = 0;
        if (in_record_ && !bad_ && buf_->kept_ok() && StrayFlowComma(buf_->kept(), &line))
          Bad(flow_line_ + line, MessageBoth("yaml_malformed/flow_comma"));
        buf_->Release();
      }
    }
    Record(Ev{Ev::kEnd, false, 0, 0, {}});
    if (!open_tapes_.empty() && tapes_[open_tapes_.back()].depth == depth_) {
      tapes_[open_tapes_.back()].open = false;
      open_tapes_.pop_back();
    }
    if (in_record_) {
      if (!bad_) BuildEnd();
      if (depth_ == record_depth0_) FinishRecord();
    }
  }

  // A node starts (a collection) or comes whole (a scalar, a null, an alias).
  void Node(const YAML::Mark& m, YAML::anchor_t anchor, Ev e) {
    uint64_t off = Off(m);
    current_off_ = off;
    current_line_ = e.line;
    seen_node_ = true;
    if (buf_) buf_->Event(off);
    bool record_here = !in_record_ && (depth_ == 0 || (records_seq_ && depth_ == 1));
    if (record_here) {
      if (depth_ == 0 && e.type == Ev::kNull && anchor == 0) return;  // an empty document
      in_record_ = true;
      bad_ = false;
      used_alias_ = false;
      record_depth0_ = depth_;
      record_line_ = e.line;
      record_off_ = off;
      budget_ = limits_.max_nodes;
      record_ = Doc();
      stack_.clear();
    }
    if (in_record_ && !bad_ && limits_.max_record_bytes && off - record_off_ > limits_.max_record_bytes)
      Bad(record_line_, MessageBoth("record_too_large", {{"mib", std::to_string(limits_.max_record_bytes >> 20)}}));
    // Tapes first, so that an alias inside its own node is seen as open.
    if (anchor) {
      if (anchor > kMaxAnchors)
        throw Fatal{off, e.line, MessageBoth("yaml_anchors", {{"max", Num(kMaxAnchors)}})};
      if (tapes_.size() <= anchor) tapes_.resize(anchor + 1);
      if (!open_tapes_.empty()) Record(Ev{Ev::kAlias, false, e.line, anchor, {}});
      Tape& t = tapes_[anchor];
      t = Tape();
      t.depth = depth_;
      open_tapes_.push_back(anchor);
      Record(e);
      if (e.type != Ev::kSeq && e.type != Ev::kMap) {
        tapes_[anchor].open = false;
        open_tapes_.pop_back();
      }
    } else {
      Record(e);
    }
    if (in_record_) {
      if (!bad_) {
        if (e.type == Ev::kAlias) Replay(e.alias);
        else Build(e);
      }
      if (e.type != Ev::kSeq && e.type != Ev::kMap && depth_ == record_depth0_) FinishRecord();
    }
  }

  void Record(const Ev& e) {
    if (open_tapes_.empty()) return;
    Tape& t = tapes_[open_tapes_.back()];
    if (t.dropped) return;
    tape_bytes_ += sizeof(Ev) + e.text.size();
    if (tape_bytes_ > kMaxTapeBytes) {
      t.dropped = true;
      t.events = {};
      return;
    }
    t.events.push_back(e);
  }

  // ---- building the record ----
  void Bad(int line, MessageText problem) {
    if (bad_) return;
    salvaged_ = Salvage();
    bad_ = true;
    problem_ = {line, std::move(problem.zh), std::move(problem.en), {}};
    record_ = Doc();
    stack_.clear();
  }

  std::optional<std::string> Salvage() const {
    if (bad_) return salvaged_;
    if (record_.kind != Doc::Kind::kObject) return std::nullopt;
    const Doc* id = record_.Find("id");
    if (id && (id->kind == Doc::Kind::kString || id->kind == Doc::Kind::kNumber) && !id->text.empty()) return id->text;
    return std::nullopt;
  }

  struct Frame {
    Doc* doc;
    bool want_key = true;
    std::string key;
  };

  void Build(const Ev& e) {
    if (static_cast<int>(stack_.size()) >= limits_.max_depth) {
      Bad(e.line, MessageBoth("nested_too_deep", {{"max", std::to_string(limits_.max_depth)}}));
      return;
    }
    bool key = !stack_.empty() && stack_.back().doc->kind == Doc::Kind::kObject && stack_.back().want_key;
    if (replaying_ && !key && ++alias_nodes_ > 1000000 + 4 * (limits_.nodes_per_file_byte ? file_size_ : current_off_)) {
      Bad(record_line_, MessageBoth("yaml_alias_file"));
      return;
    }
    if (key) {
      // Keys are not nodes of the budget: they come with their value.
    } else if (budget_ == 0) {
      if (used_alias_)
        Bad(record_line_, MessageBoth("yaml_alias_record", {{"max", Num(limits_.max_nodes)}}));
      else
        Bad(record_line_, MessageBoth("record_too_large/nodes", {{"nodes", Num(limits_.max_nodes)}}));
      return;
    } else {
      --budget_;
    }
    Doc* target;
    if (stack_.empty()) {
      target = &record_;
    } else if (stack_.back().doc->kind == Doc::Kind::kObject) {
      Frame& f = stack_.back();
      if (f.want_key) {
        if (e.type != Ev::kScalar) {
          Bad(e.line, MessageBoth("yaml_key"));
          return;
        }
        f.key = e.text;
        f.want_key = false;
        return;
      }
      f.doc->members.emplace_back(std::move(f.key), Doc());
      f.want_key = true;
      target = &f.doc->members.back().second;
    } else {
      stack_.back().doc->items.emplace_back();
      target = &stack_.back().doc->items.back();
    }
    target->line = e.line;
    switch (e.type) {
      case Ev::kNull: target->kind = Doc::Kind::kNull; return;
      case Ev::kScalar: Scalar(e, target); return;
      case Ev::kSeq: target->kind = Doc::Kind::kArray; break;
      case Ev::kMap: target->kind = Doc::Kind::kObject; break;
      default: return;
    }
    stack_.push_back(Frame{target});
  }

  static void Scalar(const Ev& e, Doc* out) {
    const std::string& s = e.text;
    if (e.quoted) { out->kind = Doc::Kind::kString; out->text = s; return; }
    if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") { out->kind = Doc::Kind::kNull; return; }
    if (s == "true" || s == "false") { out->kind = Doc::Kind::kBool; out->boolean = s == "true"; return; }
    out->kind = Decimal::Parse(s, true) ? Doc::Kind::kNumber : Doc::Kind::kString;
    out->text = s;
  }

  void BuildEnd() {
    if (!stack_.empty()) stack_.pop_back();
  }

  // Builds an alias's node from its anchor's events, charged to the record.
  void Replay(YAML::anchor_t id) {
    used_alias_ = true;
    bool outer = !replaying_;
    replaying_ = true;
    ReplayTape(id);
    if (outer) replaying_ = false;
  }

  void ReplayTape(YAML::anchor_t id) {
    if (id == 0 || id >= tapes_.size() || tapes_[id].open) {
      Bad(record_line_, MessageBoth("yaml_alias_self"));
      return;
    }
    const Tape& t = tapes_[id];
    if (t.dropped) {
      Bad(record_line_, MessageBoth("yaml_alias_dropped", {{"mib", std::to_string(kMaxTapeBytes >> 20)}}));
      return;
    }
    for (const Ev& e : t.events) {
      if (bad_) return;
      if (e.type == Ev::kAlias) ReplayTape(e.alias);
      else if (e.type == Ev::kEnd) BuildEnd();
      else Build(e);
    }
  }

  void FinishRecord() {
    in_record_ = false;
    if (bad_) {
      YamlProblem p = problem_;
      p.id = salvaged_;
      bad_ = false;
      on_problem_(std::move(p));
      return;
    }
    Doc d = std::move(record_);
    record_ = Doc();
    stack_.clear();
    on_record_(std::move(d), record_line_, limits_.max_nodes - budget_);
  }

  YamlLimits limits_;
  bool split_;
  const std::function<void(Doc, int, size_t)>& on_record_;
  const std::function<void(YamlProblem)>& on_problem_;
  GuardedBuf* buf_ = nullptr;
  uint64_t base_off_ = 0;
  int base_line_ = 1;
  bool doc_started_ = false, done_ = false;
  uint64_t last_doc_off_ = 0;
  // The document.
  int depth_ = 0;
  bool records_seq_ = false;
  int flow_depth0_ = -1, flow_line_ = 0;
  std::vector<Tape> tapes_;
  std::vector<YAML::anchor_t> open_tapes_;
  size_t tape_bytes_ = 0;
  // The record.
  bool in_record_ = false, bad_ = false, used_alias_ = false, replaying_ = false;
  size_t alias_nodes_ = 0, file_size_ = 0;  // nodes built from aliases in the whole file
  uint64_t current_off_ = 0;
  int current_line_ = 0;
  bool seen_node_ = false;
  int record_depth0_ = 0, record_line_ = 0;
  uint64_t record_off_ = 0;
  size_t budget_ = 0;
  Doc record_;
  std::vector<Frame> stack_;
  YamlProblem problem_;
  std::optional<std::string> salvaged_;
};

// From `off` (on line `line`), finds the next document after that line: a line starting
// "---" (the document starts there) or "..." (it starts on the next line). False at the end.
bool NextDocument(ByteSource& src, uint64_t* off, int* line) {
  if (!src.Seek(*off)) return false;
  char buf[4096];
  std::string head;            // the first bytes of the current line
  bool counting = false;       // the error's own line is skipped
  bool after_dots = false;     // a "..." line ended: the document starts at the next byte
  uint64_t pos = *off, line_off = *off;
  int ln = *line;
  char prev = 0;
  auto is_marker = [&](const char* m) {
    return head.size() >= 3 && head.compare(0, 3, m) == 0 && (head.size() == 3 || head[3] == ' ' || head[3] == '\t');
  };
  while (true) {
    size_t n = src.Read(buf, sizeof buf);
    if (n == 0) break;
    for (size_t i = 0; i < n; ++i, ++pos) {
      char c = buf[i];
      bool crlf_tail = c == '\n' && prev == '\r';
      prev = c;
      if (crlf_tail) { line_off = pos + 1; continue; }
      if (after_dots) {
        *off = pos;
        *line = ln;
        return true;
      }
      if (c == '\n' || c == '\r') {
        if (counting && is_marker("---")) { *off = line_off; *line = ln; return true; }
        ++ln;
        if (counting && is_marker("...")) after_dots = true;
        head.clear();
        counting = true;
        line_off = pos + 1;
        continue;
      }
      if (counting && head.size() < 4) {
        head += c;
        if (head.size() == 4 && is_marker("---")) { *off = line_off; *line = ln; return true; }
      }
    }
  }
  if (counting && is_marker("---")) { *off = line_off; *line = ln; return true; }
  return false;
}

Status Run(ByteSource& src, const YamlLimits& limits, bool split, const std::function<void(Doc, int, size_t)>& on_record,
           const std::function<void(YamlProblem)>& on_problem, size_t text_size) {
  RecordReader reader(limits, split, on_record, on_problem);
  if (limits.nodes_per_file_byte) reader.set_file_size(text_size);
  uint64_t off = 0;
  int line = 1;
  {
    char bom[3];
    size_t n = src.Read(bom, 3);
    if (n == 3 && std::memcmp(bom, "\xEF\xBB\xBF", 3) == 0) off = 3;
  }
  while (true) {
    if (!src.Seek(off)) return Failure(Status::Code::kIo, "input_seek");
    GuardedBuf buf(src, off, line, limits.max_record_bytes);
    std::istream in(&buf);
    in.exceptions(std::ios::badbit);  // the guard's exceptions come through
    reader.Segment(&buf, off, line);
    uint64_t err_off = off;
    int err_line = line;
    MessageText problem;
    try {
      buf.Prime();
      YAML::Parser parser(in);
      while (!reader.documents_done() && parser.HandleNextDocument(reader)) {
      }
      if (src.error()) return Failure(Status::Code::kIo, "input_read");
      return Status::Ok();
    } catch (const Fatal& f) {
      err_off = f.off;
      err_line = f.line;
      problem = f.problem;
    } catch (const Stuck& s) {
      err_off = s.off;
      err_line = s.line;
      problem = MessageBoth("yaml_malformed/top_comma");
    } catch (const YAML::Exception& e) {
      if (e.mark.pos >= 0) {
        err_off = off + static_cast<uint64_t>(e.mark.pos);
        err_line = line + e.mark.line;
      }
      problem = MessageBoth("yaml_malformed", {{"detail", e.msg}});
    } catch (const std::exception& e) {
      problem = MessageBoth("yaml_malformed", {{"detail", e.what()}});
    }
    if (src.error()) return Failure(Status::Code::kIo, "input_read");
    if (split) {
      problem = {Message(Lang::kZh, "yaml_rest_skipped", {{"problem", problem.zh}}),
                 Message(Lang::kEn, "yaml_rest_skipped", {{"problem", problem.en}})};
    }
    int next_line = err_line;
    uint64_t next = reader.ResumeFrom(err_off, &next_line);
    reader.Abort(err_line, problem);
    if (!split) return Status::Ok();
    if (!NextDocument(src, &next, &next_line) || next <= off) return Status::Ok();
    off = next;
    line = next_line;
  }
}

}  // namespace

Status ReadYamlRecords(ByteSource& src, const YamlLimits& limits, const std::function<void(Doc, int, size_t)>& on_record,
                       const std::function<void(YamlProblem)>& on_problem) {
  return Run(src, limits, true, on_record, on_problem, 0);
}

bool LoadYamlDocument(std::string_view text, Doc* out, YamlProblem* problem) {
  MemorySource src(text);
  YamlLimits limits;
  limits.max_record_bytes = 0;
  limits.nodes_per_file_byte = true;
  bool got = false, failed = false;
  *out = Doc();
  Status st = Run(
      src, limits, false, [&](Doc d, int, size_t) { if (!got && !failed) { *out = std::move(d); got = true; } },
      [&](YamlProblem p) {
        if (!failed && !got) *problem = std::move(p);
        failed = true;
      },
      text.size());
  if (!st.ok() && !failed) {
    problem->line = 1;
    problem->zh = st.message(Lang::kZh);
    problem->en = st.message();
    failed = true;
  }
  return !failed;
}

Status CheckYamlText(const std::string& file, std::string_view text, bool english) {
  Doc doc;
  YamlProblem p;
  if (LoadYamlDocument(text, &doc, &p)) return Status::Ok();
  return Status::Invalid(file + ":" + std::to_string(p.line) + ": " + (english ? p.en : p.zh));
}

}  // namespace gridstat::input
