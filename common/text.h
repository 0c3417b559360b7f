// UTF-8 and escaping helpers shared by the front end, the validator and the CLI.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace gridstat {

// Byte offset of the first invalid UTF-8 sequence, or npos when `s` is valid.
size_t FindInvalidUtf8(std::string_view s);
// Number of code points (s must be valid UTF-8).
size_t CodePointCount(std::string_view s);
// Terminal columns taken by `s`: East Asian wide and full-width characters take two.
size_t DisplayWidth(std::string_view s);
// The first `n` code points of `s`.
std::string_view CodePointPrefix(std::string_view s, size_t n);
// Code points [start, start+len) of `s` (0-based).
std::string CodePointSubstr(std::string_view s, size_t start, size_t len);
// Replaces control characters (C0, DEL, C1) with visible escapes such as \n or \u001b,
// so that text from input cannot drive a terminal.
std::string EscapeControls(std::string_view s);
// Appends `s` as a JSON string literal (with quotes) to `out`.
void AppendJsonString(std::string* out, std::string_view s);
std::string JsonString(std::string_view s);
// Keeps the first 6 and last 4 code points and masks the rest with '*'.
std::string MaskIdNumber(std::string_view s);

// A JSON number token: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view s);

}  // namespace gridstat
