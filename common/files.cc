#include "common/files.h"

#include <openssl/evp.h>

#include <cstdio>
#include <fstream>

#include "common/messages.h"

namespace gridstat {

Result<std::string> ReadInputFile(const std::string& path, size_t max_bytes) {
  if (path != "-") return ReadFile(path, max_bytes);
  std::string data;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0) {
    if (data.size() + n > max_bytes) return Failure(Status::Code::kInvalid, "stdin_too_large", {{"max", std::to_string(max_bytes)}});
    data.append(buf, n);
  }
  if (std::ferror(stdin)) return Failure(Status::Code::kIo, "stdin_read");
  return data;
}

Result<std::string> ReadFile(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Failure(Status::Code::kIo, "file_open", {{"path", path}});
  in.seekg(0, std::ios::end);
  auto size = in.tellg();
  if (size < 0) return Failure(Status::Code::kIo, "file_read", {{"path", path}});
  if (static_cast<size_t>(size) > max_bytes)
    return Failure(Status::Code::kInvalid, "file_too_large", {{"path", path}, {"max", std::to_string(max_bytes)}});
  in.seekg(0);
  std::string data(static_cast<size_t>(size), '\0');
  if (!in.read(data.data(), size)) return Failure(Status::Code::kIo, "file_read", {{"path", path}});
  return data;
}

std::string Sha256Hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char kDigits[] = "0123456789abcdef";
  std::string hex(2 * len, '0');
  for (unsigned int i = 0; i < len; ++i) {
    hex[2 * i] = kDigits[md[i] >> 4];
    hex[2 * i + 1] = kDigits[md[i] & 15];
  }
  return hex;
}

}  // namespace gridstat
