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

std::string EscapeControls(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  uint32_t cp;
  for (size_t i = 0; i < s.size();) {
    size_t n = Decode(s, i, &cp);
    if (n == 0) {  // an invalid byte is shown, never passed through
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(s[i]));
      out += buf;
      ++i;
      continue;
    }
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == 0x2028 || cp == 0x2029) {
      switch (cp) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default: {
          char buf[12];
          std::snprintf(buf, sizeof buf, "\\u%04x", cp);
          out += buf;
        }
      }
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  return out;
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
