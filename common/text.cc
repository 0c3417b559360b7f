#include "common/text.h"

#include <cstdint>
#include <cstdio>

namespace gridstat {
namespace {

// Decodes one code point at s[i]; returns its length or 0 when invalid.
size_t Decode(std::string_view s, size_t i, uint32_t* cp) {
  auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) { *cp = b; return 1; }
  size_t n;
  uint32_t c, min;
  if ((b & 0xE0) == 0xC0) { n = 2; c = b & 0x1F; min = 0x80; }
  else if ((b & 0xF0) == 0xE0) { n = 3; c = b & 0x0F; min = 0x800; }
  else if ((b & 0xF8) == 0xF0) { n = 4; c = b & 0x07; min = 0x10000; }
  else return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    auto x = static_cast<unsigned char>(s[i + k]);
    if ((x & 0xC0) != 0x80) return 0;
    c = (c << 6) | (x & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
  *cp = c;
  return n;
}

bool IsWide(uint32_t c) {
  return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) ||
         (c >= 0x3041 && c <= 0x33FF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
         (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
         (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
         (c >= 0x20000 && c <= 0x3FFFD);
}

}  // namespace

size_t FindInvalidUtf8(std::string_view s) {
  uint32_t cp;
  for (size_t i = 0; i < s.size();) {
    size_t n = Decode(s, i, &cp);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

size_t CodePointCount(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

size_t DisplayWidth(std::string_view s) {
  size_t w = 0;
  uint32_t cp;
  for (size_t i = 0; i < s.size();) {
    size_t n = Decode(s, i, &cp);
    if (n == 0) { ++w; ++i; continue; }
    w += IsWide(cp) ? 2 : 1;
    i += n;
  }
  return w;
}

std::string_view CodePointPrefix(std::string_view s, size_t n) {
  size_t i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (n == 0) break;
      --n;
    }
  }
  return s.substr(0, i);
}

std::string CodePointSubstr(std::string_view s, size_t start, size_t len) {
  std::string_view rest = s.substr(CodePointPrefix(s, start).size());
  return std::string(CodePointPrefix(rest, len));
}

namespace {

// Code points that move the cursor, start a line, or reorder what a reader sees.
bool IsControl(uint32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == 0x2028 || cp == 0x2029 || cp == 0x061C ||
         cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

void AppendEscape(std::string* out, uint32_t cp) {
  switch (cp) {
    case '\n': out->append("\\n"); return;
    case '\r': out->append("\\r"); return;
    case '\t': out->append("\\t"); return;
  }
  char buf[12];
  std::snprintf(buf, sizeof buf, "\\u%04x", cp);
  out->append(buf);
}

void AppendByteEscape(std::string* out, unsigned char b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02x", b);
  out->append(buf);
}

// True when s[i..] is the start of a UTF-8 sequence that more bytes could still complete.
bool IncompleteAtEnd(std::string_view s, size_t i) {
  auto b = static_cast<unsigned char>(s[i]);
  size_t n = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
  if (n == 0 || i + n <= s.size()) return false;
  for (size_t k = i + 1; k < s.size(); ++k)
    if ((static_cast<unsigned char>(s[k]) & 0xC0) != 0x80) return false;
  return true;
}

}  // namespace

std::string EscapeControls(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  uint32_t cp;
  for (size_t i = 0; i < s.size();) {
    size_t n = Decode(s, i, &cp);
    if (n == 0) {  // an invalid byte is shown, never passed through
      AppendByteEscape(&out, static_cast<unsigned char>(s[i]));
      ++i;
      continue;
    }
    if (IsControl(cp)) AppendEscape(&out, cp);
    else out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

size_t AppendTerminalSafe(std::string* out, std::string_view s, bool at_end) {
  out->reserve(out->size() + s.size());
  size_t run = 0;  // start of the bytes not yet copied
  uint32_t cp;
  size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    if ((b >= 0x20 && b < 0x7F) || b == '\n' || b == '\t') { ++i; continue; }
    if (b == '\r') {
      if (i + 1 < s.size() && s[i + 1] == '\n') { i += 2; continue; }
      if (i + 1 == s.size() && !at_end) break;  // the LF may come with the next write
    }
    size_t n = Decode(s, i, &cp);
    if (n == 0 && !at_end && IncompleteAtEnd(s, i)) break;
    if (n != 0 && !IsControl(cp)) { i += n; continue; }
    out->append(s.data() + run, i - run);
    if (n == 0) { AppendByteEscape(out, b); ++i; }
    else { AppendEscape(out, cp); i += n; }
    run = i;
  }
  out->append(s.data() + run, i - run);
  return i;
}

std::string TerminalSafe(std::string_view s) {
  std::string out;
  AppendTerminalSafe(&out, s, true);
  return out;
}

namespace {

// -?[0-9]+(\.[0-9]+)?: a numeric string, as submissions may write numbers (doc/language.md).
bool IsPlainDecimal(std::string_view s) {
  size_t i = 0;
  auto digits = [&]() { size_t b = i; while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i; return i - b; };
  if (i < s.size() && s[i] == '-') ++i;
  if (digits() == 0) return false;
  if (i < s.size() && s[i] == '.') { ++i; if (digits() == 0) return false; }
  return i == s.size();
}

// Whether a spreadsheet program could read the cell as a formula (or as a DDE call).
bool StartsFormula(std::string_view s) {
  if (s.empty()) return false;
  if (s[0] == '\t' || s[0] == '\r' || s[0] == '\n') return true;
  uint32_t cp;
  for (size_t i = 0; i < s.size();) {
    size_t n = Decode(s, i, &cp);
    if (n == 0) return false;
    // Leading white space: some programs trim it on import.
    if (cp == ' ' || cp == 0xA0 || cp == 0x3000) { i += n; continue; }
    return cp == '=' || cp == '+' || cp == '-' || cp == '@' || cp == 0xFF1D || cp == 0xFF0B || cp == 0xFF0D || cp == 0xFF20;
  }
  return false;
}

}  // namespace

std::string CsvCell(std::string_view s) {
  std::string text = EscapeControls(s);
  bool neutralise = (StartsFormula(s) || StartsFormula(text)) && !IsPlainDecimal(text);
  if (!neutralise && text.find_first_of(",;\"") == std::string::npos) return text;
  std::string out = neutralise ? "\"'" : "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  // Fast path: runs of bytes that need no escaping are copied as they are; UTF-8 is
  // decoded only where a byte is not plain ASCII.
  size_t run = 0;
  auto flush = [&](size_t i) {
    if (i > run) out->append(s.data() + run, i - run);
  };
  uint32_t cp;
  for (size_t i = 0; i < s.size();) {
    unsigned char b = static_cast<unsigned char>(s[i]);
    if (b >= 0x20 && b < 0x7F && b != '"' && b != '\\') { ++i; continue; }
    if (b >= 0x80) {
      size_t n = Decode(s, i, &cp);
      if (n != 0 && cp != 0x2028 && cp != 0x2029 && !(cp >= 0x80 && cp < 0xA0)) { i += n; continue; }
      flush(i);
      if (n == 0) {  // invalid UTF-8 becomes U+FFFD so the output stays valid JSON
        out->append("\\ufffd");
        run = ++i;
        continue;
      }
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", cp);
      out->append(buf);
      run = i += n;
      continue;
    }
    flush(i);
    switch (b) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", b);
        out->append(buf);
      }
    }
    run = ++i;
  }
  flush(s.size());
  out->push_back('"');
}

std::string JsonString(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

std::string MaskIdNumberForView(std::string_view s) {
  size_t n = CodePointCount(s);
  size_t keep = n >= 18 ? 6 : 0;
  std::string out(CodePointPrefix(s, keep));
  out.append(n - keep, '*');
  return out;
}

std::string MaskIdNumber(std::string_view s) {
  size_t n = CodePointCount(s);
  if (n <= 10) return std::string(n, '*');
  std::string out(CodePointPrefix(s, 6));
  out.append(n - 10, '*');
  std::string_view tail = s.substr(CodePointPrefix(s, n - 4).size());
  out.append(tail);
  return out;
}

// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view s) {
  size_t i = 0;
  auto digits = [&]() { size_t b = i; while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i; return i - b; };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') ++i;
  else if (digits() == 0) return false;
  if (i < s.size() && s[i] == '.') { ++i; if (digits() == 0) return false; }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

}  // namespace gridstat
