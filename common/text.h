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
// Replaces control characters (C0, DEL, C1, the line and paragraph separators and the
// bidirectional overrides) with visible escapes such as \n or \u001b, and each byte of
// invalid UTF-8 (a raw C1 byte among them) with \xNN, so that text from input can neither
// drive a terminal nor start a line of its own.
std::string EscapeControls(std::string_view s);
// The last line of defence before a terminal: like EscapeControls, but keeps line feeds,
// tabs and the CR of a CR LF pair, so that whole outputs (reports, CSV) can go through it.
// Appends the safe form of `s` to `out` and returns how many bytes of `s` it used: unless
// `at_end`, a trailing incomplete UTF-8 sequence or CR is left for the next call.
size_t AppendTerminalSafe(std::string* out, std::string_view s, bool at_end);
std::string TerminalSafe(std::string_view s);
// One CSV field (RFC 4180) of a file meant for spreadsheet programs, safe on a terminal too:
// - every control character (line breaks and tabs included) and each byte of invalid UTF-8
//   is escaped as EscapeControls does, so that a record is one line and holds nothing that
//   drives a terminal;
// - a cell that a spreadsheet would take as a formula, one whose first character, after any
//   leading spaces, is = + - @ (or their full-width forms), or that starts with TAB, CR or
//   LF, gets a leading ' and is quoted (OWASP's advice), unless the whole cell is a plain
//   number -?[0-9]+(.[0-9]+)?, which stays a number;
// - a cell holding a comma, semicolon or quote is quoted, quotes doubled.
std::string CsvCell(std::string_view s);
// Appends `s` as a JSON string literal (with quotes) to `out`.
void AppendJsonString(std::string* out, std::string_view s);
std::string JsonString(std::string_view s);
// The mask of ID numbers in messages (findings): keeps the first 6 and last 4 code points
// and masks the rest with '*'. A message shows one value, not the row around it.
std::string MaskIdNumber(std::string_view s);
// The mask of ID numbers in exports and views, where the same row shows the birth month and
// sex: keeps only the first 6 code points (the region code), and only of a value at least 18
// code points long; every other code point becomes one '*'. Of an 18-character GB 11643
// number the birth day (28-31 choices), the sequence number (500 choices once the sex is
// known) and the check character stay hidden: at least 28 x 500 = 14,000 candidates. The
// rule depends on the length only, never on whether the number is valid.
std::string MaskIdNumberForView(std::string_view s);

// A JSON number token: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view s);

}  // namespace gridstat
