// Splitting submission files into records (see split.h): each record's text is found
// without decoding it, so that one broken record never hides the others.
#include "input/split.h"

#include <vector>

#include <simdjson.h>

#include "common/json_reader.h"
#include "common/messages.h"
#include "input/envelope.h"

namespace gridstat::input {
namespace {

using json::kMaxDepth;
using json::kMaxRecordBytes;

// Where the JSON value starting at `pos` ends (one past it), or npos when it does
// not end. Only brackets and strings are tracked: enough to split records.
size_t ScanValueEnd(std::string_view s, size_t pos) {
  if (pos >= s.size()) return std::string_view::npos;
  char c = s[pos];
  if (c != '{' && c != '[') {
    if (c == '"') {
      for (size_t i = pos + 1; i < s.size(); ++i) {
        if (s[i] == '\\') ++i;
        else if (s[i] == '"') return i + 1;
      }
      return std::string_view::npos;
    }
    size_t i = pos;
    while (i < s.size() && s[i] != ',' && s[i] != ']' && s[i] != '}' && s[i] != '\n' && s[i] != ' ' && s[i] != '\t' && s[i] != '\r') ++i;
    return i;
  }
  int depth = 0;
  bool in_string = false;
  for (size_t i = pos; i < s.size(); ++i) {
    char ch = s[i];
    if (in_string) {
      if (ch == '\\') ++i;
      else if (ch == '"') in_string = false;
      continue;
    }
    if (ch == '"') in_string = true;
    else if (ch == '{' || ch == '[') ++depth;
    else if (ch == '}' || ch == ']') {
      if (--depth == 0) return i + 1;
    }
  }
  return std::string_view::npos;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

constexpr size_t kChunk = 1u << 20;

// Where the line starting at `pos` ends: a '\n', or a CR not followed by '\n' (a lone CR
// ends a line too). npos when the buffer ends first; a CR as its last byte is undecided
// until more text comes, unless `eof`.
size_t LineEnd(const std::string& b, size_t pos, bool eof) {
  size_t nl = b.find('\n', pos);
  size_t lim = nl == std::string::npos ? b.size() : nl;
  for (size_t i = pos; i < lim;) {
    const void* cr = std::memchr(b.data() + i, '\r', lim - i);
    if (!cr) break;
    i = static_cast<size_t>(static_cast<const char*>(cr) - b.data());
    if (i + 1 >= b.size()) return eof ? i : std::string::npos;
    if (b[i + 1] != '\n') return i;
    ++i;
  }
  return nl;
}

// Line ends between b and e: '\n', and CRs not followed by '\n'.
int CountLineEnds(std::string_view s) {
  int n = 0;
  for (size_t i = 0; i < s.size(); ++i)
    if (s[i] == '\n' || (s[i] == '\r' && (i + 1 >= s.size() || s[i + 1] != '\n'))) ++n;
  return n;
}

constexpr size_t kMaxDocumentBytes = size_t{1} << 30;

// ---- records in a multi-line JSON document -----------------------------------
// In a pretty-printed array, or pretty-printed objects one after another, a broken record
// must not take the next ones with it. The rule, also in doc/language.md §7:
//  - a record is sound when its brackets match, none of its strings runs past the end of
//    a line (JSON strings cannot hold a raw line end), and, when its lines are indented
//    deeper than its first, no line within it opens a record (as below) at its own
//    indentation; a sound record ends where its brackets close, as in any JSON;
//  - a broken record ends where the next record plausibly starts: the first later line
//    whose first character other than blanks and `,` `}` `]` is `{`, indented no deeper
//    than the line where the broken record starts (or with that `{` at no greater column
//    than the broken record's own). Pretty printers indent the objects within a record
//    deeper than the record, so those lines are never taken for a record's start.
// Stray text between records is skipped up to the next such line in the same way.

// Where a record starts: its line's indentation and its own column, in bytes.
struct RecordPlace {
  size_t indent = 0, col = 0;
};

RecordPlace PlaceOf(std::string_view s, size_t at) {
  size_t line = at == 0 ? std::string_view::npos : s.find_last_of("\r\n", at - 1);
  line = line == std::string_view::npos ? 0 : line + 1;
  RecordPlace p;
  while (line + p.indent < at && (s[line + p.indent] == ' ' || s[line + p.indent] == '\t')) ++p.indent;
  p.col = at - line;
  return p;
}

// The first record start after `after` (see above), or npos.
size_t NextRecordStart(std::string_view s, size_t after, const RecordPlace& place) {
  size_t line = s.find_last_of("\r\n", after);
  line = line == std::string_view::npos ? 0 : line + 1;
  while (line < s.size()) {
    size_t i = line, indent = 0;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) { ++i; ++indent; }
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == ',' || s[i] == '}' || s[i] == ']')) ++i;
    if (i < s.size() && s[i] == '{' && i > after && (indent <= place.indent || i - line <= place.col)) return i;
    size_t eol = s.find_first_of("\r\n", i);
    if (eol == std::string_view::npos) break;
    line = eol + 1;
  }
  return std::string_view::npos;
}

struct RecordScan {
  enum class Fault { kNone, kString, kMismatch, kNextRecord, kOpen };
  size_t end = std::string_view::npos;  // one past the record, when sound
  Fault fault = Fault::kNone;
  size_t at = 0;                        // where the fault was seen
  bool sound() const { return fault == Fault::kNone; }
};

// Scans the value at `pos`, which starts at `place`, for its end, checking what a split
// must trust: brackets match; strings end on their line; and, when the record's own lines
// are indented deeper than its first (as pretty printers do), no line within it opens a
// record at the record's own indentation (its closing bracket went missing, or an opening
// one came in). Brackets nested deeper than kTracked are only counted (the decoder refuses
// such depth anyway), so memory stays small.
RecordScan ScanRecord(std::string_view s, size_t pos, const RecordPlace& place) {
  constexpr size_t kTracked = 1024;
  RecordScan r;
  char c = s[pos];
  if (c != '{' && c != '[' && c != '"') {
    r.end = ScanValueEnd(s, pos);
    return r;
  }
  std::string open;
  size_t depth = 0, string_start = 0, line_start = std::string_view::npos;
  bool in_string = false;
  int indented = -1;  // unknown until the record's second line
  for (size_t i = pos; i < s.size(); ++i) {
    char ch = s[i];
    if (in_string) {
      if (ch == '\\' && i + 1 < s.size() && s[i + 1] != '\n' && s[i + 1] != '\r') ++i;
      else if (ch == '"') {
        in_string = false;
        if (depth == 0) { r.end = i + 1; return r; }
      } else if (ch == '\n' || ch == '\r') {
        r.fault = RecordScan::Fault::kString;
        r.at = string_start;
        return r;
      }
      continue;
    }
    if (ch == '\n' || ch == '\r') {
      line_start = i + 1;
      if (indented < 0) {
        size_t j = i + 1, n = 0;
        while (j < s.size() && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r')) {
          n = (s[j] == '\n' || s[j] == '\r') ? 0 : n + 1;
          ++j;
        }
        indented = n > place.indent ? 1 : 0;
      }
    } else if (ch == '"') {
      in_string = true;
      string_start = i;
    } else if (ch == '{' || ch == '[') {
      if (ch == '{' && indented == 1 && line_start != std::string_view::npos) {
        size_t k = line_start, indent = 0;
        while (k < i && (s[k] == ' ' || s[k] == '\t')) { ++k; ++indent; }
        while (k < i && (s[k] == ' ' || s[k] == '\t' || s[k] == ',' || s[k] == '}' || s[k] == ']')) ++k;
        if (k == i && indent <= place.indent) {
          r.fault = RecordScan::Fault::kNextRecord;
          r.at = i;
          return r;
        }
      }
      if (open.size() < kTracked) open.push_back(ch);
      ++depth;
    } else if (ch == '}' || ch == ']') {
      if (depth == open.size()) {
        if (open.back() != (ch == '}' ? '{' : '[')) {
          r.fault = RecordScan::Fault::kMismatch;
          r.at = i;
          return r;
        }
        open.pop_back();
      }
      if (--depth == 0) { r.end = i + 1; return r; }
    }
  }
  r.fault = RecordScan::Fault::kOpen;
  r.at = pos;
  return r;
}

// ---- YAML ----------------------------------------------------------------
// Streamed record by record through the guarded reader (input/yaml_reader.h).
// `nodes` is set to the values of each record before it is passed on.
Status ReadYaml(const std::string& path, ByteSource& src, const std::function<void(Envelope)>& on_record,
                const std::function<void(Report)>& on_malformed, Lang lang, size_t* nodes = nullptr) {
  YamlLimits limits;
  limits.max_depth = kMaxDepth;
  limits.max_record_bytes = kMaxRecordBytes;
  Status st = ReadYamlRecords(
      src, limits,
      [&](Doc doc, int line, size_t n) {
        if (nodes) *nodes = n;
        EmitRecord(path, line, std::move(doc), on_record, on_malformed, lang, true);
      },
      [&](YamlProblem p) { on_malformed(MalformedReport(path, p.line, p.id, "", {p.zh, p.en}, lang)); });
  if (!st.ok()) return Failure(Status::Code::kIo, "file_read", {{"path", path}});
  return st;
}

}  // namespace

std::string Padded(std::string_view text) {
  std::string s;
  s.reserve(text.size() + simdjson::SIMDJSON_PADDING);
  s.assign(text.data(), text.size());
  return s;
}

Status SplitJson(const std::string& path, Source& src, const TextSink& on_text, const std::function<void(RawRecord)>& on_raw,
                 Lang lang) {
  std::string buf;
  std::vector<char> chunk(kChunk);
  bool eof = false;
  auto fill = [&]() {
    if (eof) return false;
    size_t n = src.Read(chunk.data(), chunk.size());
    if (n == 0) { eof = true; return false; }
    buf.append(chunk.data(), n);
    return true;
  };
  // Enough of the start to tell the form: the first non-blank character and line.
  while (buf.size() < 4096 && fill()) {
  }
  if (src.error()) return Failure(Status::Code::kIo, "file_read", {{"path", path}});
  size_t pos = buf.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;  // a BOM at the start is accepted
  while (true) {
    while (pos < buf.size() && IsSpace(buf[pos])) ++pos;
    if (pos < buf.size() || !fill()) break;
  }
  if (pos >= buf.size()) return Status::Ok();  // an empty file holds no records
  // The form: an array; or one value that spans several lines (a pretty-printed
  // object, or several one after another); else JSON Lines. A first value that never
  // ends is read as JSON Lines, so that one broken line does not swallow the file.
  bool document = buf[pos] == '[';
  if (!document) {
    size_t end = ScanValueEnd(buf, pos);
    while (end == std::string_view::npos && buf.size() - pos <= kMaxRecordBytes && fill()) end = ScanValueEnd(buf, pos);
    document = end != std::string_view::npos && LineEnd(buf, pos, true) < end;
    // A line holding only '{' is never a JSON Lines record: it opens a pretty-printed
    // object, even a broken one that never ends (and single-line objects read the same
    // in a document). The first 64 KiB are looked at.
    for (size_t b = pos; !document && b < std::min(buf.size(), pos + (size_t{1} << 16));) {
      size_t eol = buf.find_first_of("\r\n", b);
      if (eol == std::string::npos) eol = buf.size();
      std::string_view l(buf.data() + b, eol - b);
      while (!l.empty() && IsSpace(l.back())) l.remove_suffix(1);
      while (!l.empty() && IsSpace(l.front())) l.remove_prefix(1);
      document = l == "{";
      b = eol + 1;
    }
  }
  if (document) {
    // A whole document (an array, or pretty-printed objects): read it all, within a bound.
    while (fill()) {
      if (buf.size() > kMaxDocumentBytes)
        return Status::Invalid(Message(lang, "json_document_too_large", {{"path", path}}));
    }
    if (src.error()) return Failure(Status::Code::kIo, "file_read", {{"path", path}});
    std::string_view s(buf);
    std::vector<size_t> line_starts = {0};
    for (size_t i = 0; i < s.size(); ++i)
      if (s[i] == '\n' || (s[i] == '\r' && (i + 1 >= s.size() || s[i + 1] != '\n'))) line_starts.push_back(i + 1);
    auto line_of = [&](size_t off) {
      return static_cast<int>(std::upper_bound(line_starts.begin(), line_starts.end(), off) - line_starts.begin());
    };
    auto emit = [&](size_t b, size_t e) { on_text(s.substr(b, e - b), line_of(b)); };
    auto bad = [&](size_t at, const MessageText& p) {
      RawRecord r;
      r.line = line_of(std::min(at, s.size() - 1));
      r.malformed = MalformedReport(path, r.line, std::nullopt, "", p, lang);
      on_raw(std::move(r));
    };
    // Records one after another: inside an array (separated by commas) or bare. A record
    // whose brackets or strings break (ScanRecord) ends where the next record plausibly
    // starts (NextRecordStart); so does stray text between records. Each is reported on
    // its own, and every other record is still read.
    auto broken = [&](const RecordScan& scan, size_t next) {
      std::string at = std::to_string(line_of(scan.at));
      MessageText fault;
      if (scan.fault == RecordScan::Fault::kString)
        fault = MessageBoth("json_fault/string_open", {{"line", at}});
      else if (scan.fault == RecordScan::Fault::kNextRecord)
        fault = MessageBoth("json_fault/next_record", {{"line", at}});
      else if (scan.fault == RecordScan::Fault::kMismatch)
        fault = MessageBoth("json_fault/mismatch", {{"line", at}, {"bracket", std::string(1, s[scan.at])}});
      else
        fault = MessageBoth("json_fault/no_end");
      if (next < s.size() && s[next] == '{') {
        std::string n = std::to_string(line_of(next));
        return MessageText{Message(Lang::kZh, "json_malformed/resync", {{"detail", fault.zh}, {"next", n}}),
                           Message(Lang::kEn, "json_malformed/resync", {{"detail", fault.en}, {"next", n}})};
      }
      return json::Malformed(fault);
    };
    const bool array = s[pos] == '[';
    size_t i = array ? pos + 1 : pos;
    size_t first = i;
    while (first < s.size() && IsSpace(s[first])) ++first;
    RecordPlace place = PlaceOf(s, std::min(first, s.size()));
    // Where reading goes on after a fault at `after`, in a record that started at `own`.
    auto resync = [&](size_t after, RecordPlace own) {
      own.indent = std::max(own.indent, place.indent);
      own.col = std::max(own.col, place.col);
      size_t next = NextRecordStart(s, after, own);
      if (next == std::string_view::npos && array) {
        size_t close = s.find_last_not_of(" \t\r\n");
        if (close != std::string_view::npos && s[close] == ']' && close > after) next = close;
      }
      return next == std::string_view::npos ? s.size() : next;
    };
    while (true) {
      while (i < s.size() && IsSpace(s[i])) ++i;
      if (i >= s.size()) {
        if (array) bad(s.size() - 1, MessageBoth("json_array_open"));
        break;
      }
      if (array && s[i] == ']') {
        // Nothing may follow the array: content after it would otherwise be lost unseen.
        size_t j = i + 1;
        while (j < s.size() && IsSpace(s[j])) ++j;
        if (j >= s.size()) break;
        size_t next = NextRecordStart(s, j - 1, place);
        if (next == std::string_view::npos) {
          bad(j, MessageBoth("json_malformed/after_array_unread"));
          break;
        }
        bad(j, MessageBoth("json_malformed/after_array"));
        i = next;
        continue;
      }
      RecordPlace own = s[i] == '{' ? PlaceOf(s, i) : place;
      RecordScan scan = ScanRecord(s, i, own);
      if (scan.sound() && s[i] == '{') {
        // The deepest place a sound record started at: a resync then takes no record for
        // nested text; at worst it splits a broken record in more pieces.
        place.indent = std::max(place.indent, own.indent);
        place.col = std::max(place.col, own.col);
      }
      if (!scan.sound()) {
        size_t next = resync(i, own);
        size_t e = next;
        while (e > i && IsSpace(s[e - 1])) --e;
        RawRecord r;
        r.line = line_of(i);
        r.malformed = UnreadableRecord(path, r.line, s.substr(i, e - i), broken(scan, next), lang);
        on_raw(std::move(r));
        i = next;
        continue;
      }
      size_t end = scan.end == i ? i + 1 : scan.end;  // a stray character is one malformed element; always move on
      emit(i, end);
      i = end;
      while (i < s.size() && IsSpace(s[i])) ++i;
      if (i >= s.size()) continue;
      if (array && s[i] == ',') { ++i; continue; }
      if (array && s[i] == ']') continue;
      if (!array && s[i] == '{') continue;
      // Stray text, or a missing comma: reported where it stands; reading goes on at the
      // next record (which may start right here).
      if (array)
        bad(i, MessageBoth("json_malformed/expected_comma"));
      else
        bad(i, MessageBoth("json_malformed/stray", {{"char", std::string(1, s[i])}}));
      i = resync(i - 1, place);
    }
    return Status::Ok();
  }

  // JSON Lines: one record per non-blank line.
  int line = 1 + CountLineEnds(std::string_view(buf).substr(0, pos));
  bool skipping = false;  // inside a line that is too long: drop it up to its end
  int skip_line = 0;
  while (true) {
    size_t eol = LineEnd(buf, pos, eof);
    if (eol == std::string::npos) {
      if (!skipping && buf.size() - pos > kMaxRecordBytes) {
        RawRecord r;
        r.line = line;
        MessageText too_large = MessageBoth("record_too_large", {{"mib", std::to_string(kMaxRecordBytes >> 20)}});
        r.malformed = UnreadableRecord(path, line, std::string_view(buf).substr(pos, 1 << 16), too_large, lang);
        on_raw(std::move(r));
        skipping = true;
        skip_line = line;
      }
      if (skipping) { buf.clear(); pos = 0; }
      else if (pos > 0) { buf.erase(0, pos); pos = 0; }
      if (!fill()) {
        if (src.error()) return Failure(Status::Code::kIo, "file_read", {{"path", path}});
        if (!skipping) {
          std::string_view rest(buf.data() + pos, buf.size() - pos);
          while (!rest.empty() && IsSpace(rest.back())) rest.remove_suffix(1);
          size_t b = 0;
          while (b < rest.size() && IsSpace(rest[b])) ++b;
          if (b < rest.size()) on_text(rest.substr(b), line);
        }
        return Status::Ok();
      }
      continue;
    }
    if (skipping) {
      skipping = false;
      line = skip_line + 1;
      pos = eol + 1;
      continue;
    }
    std::string_view l(buf.data() + pos, eol - pos);
    size_t b = 0;
    while (b < l.size() && IsSpace(l[b])) ++b;
    while (l.size() > b && IsSpace(l.back())) l.remove_suffix(1);
    if (b < l.size()) on_text(l.substr(b), line);
    ++line;
    pos = eol + 1;
  }
}

Status SplitYaml(const std::string& path, ByteSource& src, const std::function<void(RawRecord)>& on_raw, Lang lang) {
  size_t nodes = 0;
  return ReadYaml(path, src,
                  [&](Envelope e) {
                    RawRecord r;
                    r.line = e.line;
                    r.weight = 160 * nodes + 256;
                    r.decoded = std::move(e);
                    on_raw(std::move(r));
                  },
                  [&](Report rep) { RawRecord r; r.line = rep.line; r.malformed = std::move(rep); on_raw(std::move(r)); }, lang,
                  &nodes);
}

bool IsYamlPath(const std::string& path) {
  auto ends_with = [&](const char* ext) {
    std::string e(ext);
    return path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0;
  };
  return ends_with(".yaml") || ends_with(".yml");
}

}  // namespace gridstat::input
