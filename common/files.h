// Reading whole files with a size bound, and content hashing.
#pragma once

#include <cstddef>
#include <string>

#include "gridstat/status.h"

namespace gridstat {

// The file's bytes; Status::Io when it cannot be opened or read, Status::Invalid when it
// is larger than `max_bytes`.
Result<std::string> ReadFile(const std::string& path, size_t max_bytes);
// The same, where "-" names standard input (read to its end).
Result<std::string> ReadInputFile(const std::string& path, size_t max_bytes);
// SHA-256 of `data`, as 64 lower-case hexadecimal digits.
std::string Sha256Hex(const std::string& data);

}  // namespace gridstat
