// The byte-level guard of the YAML reader (see yaml_guard.h).
#include "input/yaml_guard.h"

#include <algorithm>
#include <cstring>

namespace gridstat::input {
namespace {

// Flow nesting the bytes may reach before yaml-cpp's scanner sees them: its scanner queues
// every token of a nested flow collection until the outermost key is settled.
constexpr int kMaxFlowDepth = 64;
constexpr size_t kSlack = 64u << 10;
constexpr size_t kMaxFlowLineEntries = 100000;

}  // namespace

std::string Num(size_t n) {
  std::string s = std::to_string(n), out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
}

void GuardedBuf::Keep(uint64_t off) {
  keeping_ = true;
  overflow_ = false;
  if (off >= kept_off_ && off - kept_off_ <= kept_.size()) {
    kept_.erase(0, static_cast<size_t>(off - kept_off_));
    kept_off_ = off;
  } else {
    overflow_ = true;
  }
}

void GuardedBuf::Prime() {
  if (gptr() == egptr() && !Fill()) return;
  if (pending_ && egptr() - gptr() < 4) throw *pending_;
}

std::streamsize GuardedBuf::xsgetn(char* s, std::streamsize n) {
  if (gptr() == egptr() && traits_type::eq_int_type(underflow(), traits_type::eof())) return 0;
  std::streamsize k = std::min<std::streamsize>(n, egptr() - gptr());
  std::memcpy(s, gptr(), static_cast<size_t>(k));
  gbump(static_cast<int>(k));
  return k;
}

GuardedBuf::int_type GuardedBuf::underflow() {
  if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
  if (pending_) throw *pending_;
  if (max_gap_ && gap_ > max_gap_ + kSlack) {
    throw Fatal{next_off_, next_line_, MessageBoth("record_too_large", {{"mib", std::to_string(max_gap_ >> 20)}})};
  }
  if (!Fill()) return traits_type::eof();
  return traits_type::to_int_type(*gptr());
}

bool GuardedBuf::Fill() {
  // The get area (view_) is left as it is when nothing new comes, and keeps the last bytes
  // delivered in front of new ones: yaml-cpp puts back the (up to 4) bytes it read to
  // detect the encoding, and must still find them.
  out_.clear();
  while (out_.empty()) {
    std::string in = std::move(carry_);
    carry_.clear();
    char raw[4096];
    size_t n = eof_ ? 0 : src_.Read(raw, sizeof raw);
    if (n == 0) eof_ = true;
    in.append(raw, n);
    if (in.empty()) return false;
    Check(in);
    if (out_.empty() && pending_) throw *pending_;
  }
  uint64_t off = next_off_;
  next_off_ += out_.size();
  next_line_ += static_cast<int>(std::count(out_.begin(), out_.end(), '\n'));
  // Kept text: the open flow collection's, or else the last stretch, as long as one
  // record may be (Keep looks back: the scanner reads a one-line flow record whole
  // before the parser tells where it started).
  const size_t window = (max_gap_ ? max_gap_ : size_t{64} << 20) + kSlack;
  if (!keeping_ && kept_.size() > 2 * window) {
    kept_off_ += kept_.size() - window;
    kept_.erase(0, kept_.size() - window);
  }
  if (kept_off_ + kept_.size() != off) {  // a gap: start afresh
    kept_.clear();
    kept_off_ = off;
  }
  kept_ += out_;
  if (keeping_ && kept_.size() > 2 * window) {
    overflow_ = true;
    keeping_ = false;
  }
  size_t back = eback() ? std::min<size_t>(4, static_cast<size_t>(egptr() - eback())) : 0;
  std::string view(egptr() - back, egptr());
  view += out_;
  view_.swap(view);
  setg(view_.data(), view_.data() + back, view_.data() + view_.size());
  return true;
}

void GuardedBuf::Check(const std::string& in) {
  size_t i = 0;
  while (i < in.size()) {
    unsigned char c = static_cast<unsigned char>(in[i]);
    if (c == 0) { Stop(MessageBoth("yaml_nul")); return; }
    if (c < 0x80) {
      char ch = static_cast<char>(c);
      if (ch == '\r') {
        if (i + 1 >= in.size() && !eof_) { carry_ = "\r"; return; }
        if (i + 1 >= in.size() || in[i + 1] != '\n') ch = '\n';  // a lone CR ends a line
      }
      if (!Flow(ch)) return;
      out_ += ch;
      ++i;
      continue;
    }
    int len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (len && i + len > in.size() && !eof_) { carry_ = in.substr(i); return; }
    if (!len || i + len > in.size() || !ValidUtf8(reinterpret_cast<const unsigned char*>(in.data() + i), len)) {
      Stop(MessageBoth("invalid_utf8"));
      return;
    }
    if (!comment_) Flow('a');
    out_.append(in, i, static_cast<size_t>(len));
    i += static_cast<size_t>(len);
  }
}

bool GuardedBuf::ValidUtf8(const unsigned char* p, int len) {
  for (int k = 1; k < len; ++k) if ((p[k] & 0xC0) != 0x80) return false;
  if (len == 3 && ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] >= 0xA0))) return false;
  if (len == 4 && ((p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] >= 0x90))) return false;
  return true;
}

void GuardedBuf::Stop(MessageText problem) {
  int line = next_line_ + static_cast<int>(std::count(out_.begin(), out_.end(), '\n'));
  pending_ = std::make_unique<Fatal>(Fatal{next_off_ + out_.size(), line, std::move(problem)});
}

bool GuardedBuf::Flow(char ch) {
  if (quote_) {
    ++gap_;
    if (escape_) escape_ = false;
    else if (quote_ == '"' && ch == '\\') escape_ = true;
    else if (ch == quote_) quote_ = 0;  // '' inside '...' closes and reopens: the same state after
    return true;
  }
  if (comment_) {
    if (ch == '\n') comment_ = false;
    return true;
  }
  ++gap_;
  if (ch == ' ' || ch == '\t' || ch == '\n') {
    if (ch == '\n') {
      last_ = '\n';
      line_entries_ = 0;
    }
    space_ = true;
    return true;
  }
  bool node_start = depth_ > 0 ? (last_ == '[' || last_ == '{' || last_ == ',' || last_ == ':' || last_ == '?')
                               : (last_ == '\n' || last_ == '-' || last_ == '?' || last_ == ':');
  if (ch == '#' && space_) {
    comment_ = true;
  } else if ((ch == '[' || ch == '{') && (depth_ > 0 || node_start)) {
    if (++depth_ > kMaxFlowDepth) {
      Stop(MessageBoth("yaml_too_deep"));
      return false;
    }
  } else if ((ch == ']' || ch == '}') && depth_ > 0) {
    --depth_;
  }
  // yaml-cpp's scanner holds every token of a flow collection's line until the line
  // ends (the collection might be a mapping key): entries on one line are bounded.
  if (depth_ > 0 && (ch == ',' || ch == '[' || ch == '{') && ++line_entries_ > kMaxFlowLineEntries) {
    Stop(MessageBoth("yaml_flow_line", {{"max", Num(kMaxFlowLineEntries)}}));
    return false;
  }
  if (false) {
  } else if ((ch == '"' || ch == '\'') && node_start) {
    quote_ = ch;
  }
  if (!comment_) last_ = ch;
  space_ = false;
  return true;
}

bool StrayFlowComma(std::string_view t, int* line) {
  int depth = 0, nl = 0;
  bool node_start = true, after_comma = false, after_open = false, space = true, comment = false;
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (comment) {
      if (c == '\n') { comment = false; ++nl; space = true; }
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (c == '\n') ++nl;
      space = true;
      continue;
    }
    if (c == '#' && space) { comment = true; continue; }
    space = false;
    if ((c == '"' || c == '\'') && node_start) {
      for (++i; i < t.size(); ++i) {
        if (t[i] == '\n') ++nl;
        if (c == '"' && t[i] == '\\') { ++i; continue; }
        if (t[i] == c) {
          if (c == '\'' && i + 1 < t.size() && t[i + 1] == '\'') { ++i; continue; }
          break;
        }
      }
      node_start = after_comma = after_open = false;
      continue;
    }
    if (c == '[' || c == '{') {
      ++depth;
      after_open = node_start = true;
      after_comma = false;
    } else if (c == ']' || c == '}') {
      if (after_comma) { *line = nl; return true; }
      if (--depth <= 0) return false;
      node_start = after_open = false;
    } else if (c == ',') {
      if (after_comma || after_open) { *line = nl; return true; }
      after_comma = node_start = true;
    } else if (c == ':' || c == '?') {
      node_start = true;
      after_comma = after_open = false;
    } else {
      node_start = after_comma = after_open = false;
    }
  }
  return false;
}

}  // namespace gridstat::input
