// Source text -> AST. Syntax errors, invalid UTF-8, oversized files and hostile
// nesting become diagnostics; nothing from ANTLR (exceptions, console output)
// escapes this component.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/messages.h"
#include "dsl/ast.h"
#include "gridstat/diagnostic.h"

namespace gridstat::dsl {

struct ParseLimits {
  size_t max_file_bytes = 8u << 20;
  int max_nesting = 64;         // brackets, braces and prefix operators
  int max_expr_depth = 200;     // depth of one expression's tree
  int max_syntax_errors = 20;   // per file, after which the parser stops
};

// Parses `text` as file `path` and appends its declarations to `module`.
// Returns false when the file had errors (they are in `diags`).
bool ParseSource(dsl::Module* module, const std::string& path, std::string text,
                 std::vector<Diagnostic>* diags, const ParseLimits& limits = {});

// Parses a single expression (tests and tools); `file` is the module file index
// that positions refer to. Returns null on error.
dsl::ExprPtr ParseExpression(dsl::Module* module, int file, const std::string& text, int line, int col,
                             std::vector<Diagnostic>* diags, const ParseLimits& limits = {});

// Makes a diagnostic at `pos` of `module`, filling in the file name and source line. Its
// message is the catalogue's `key` (common/messages.cc) filled with `args`, its code the
// key's code (MessageCode); `hint`, when not empty, is a hint in both languages, usually
// MessageBoth of a hint's own key.
Diagnostic MakeDiag(const dsl::Module& module, const dsl::Pos& pos, std::string_view key, MessageArgs args = {},
                    MessageText hint = {});
// The same with the message already made, for a message whose arguments differ by language.
Diagnostic MakeDiagText(const dsl::Module& module, const dsl::Pos& pos, std::string_view key, MessageText text,
                        MessageText hint = {});

}  // namespace gridstat::dsl
