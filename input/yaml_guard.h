// The byte-level guard of the YAML reader (yaml_reader.h): every byte is checked before
// yaml-cpp reads it, and flow nesting is bounded on the bytes, before yaml-cpp's scanner
// queues tokens for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <streambuf>
#include <string>
#include <string_view>

#include "common/messages.h"
#include "input/yaml_reader.h"

namespace gridstat::input {

// A count with thousands separators: 1,000,000.
std::string Num(size_t n);

// A problem that ends the reading of the current document.
struct Fatal {
  uint64_t off;
  int line;
  MessageText problem;
};

// Hands the source to yaml-cpp in small chunks, checking each byte first: NUL and
// invalid UTF-8 stop the reading there (what comes before is still parsed), a lone CR
// becomes a line feed, and flow nesting is bounded. It also keeps the text of the open
// outermost flow collection, for the comma check.
class GuardedBuf : public std::streambuf {
 public:
  GuardedBuf(ByteSource& src, uint64_t off, int line, size_t max_gap)
      : src_(src), next_off_(off), next_line_(line), max_gap_(max_gap), kept_off_(off) {}

  // The reader has seen an event at `off`: a long stretch without one is one huge token.
  // Comments and blank lines do not count: only bytes that make tokens.
  void Event(uint64_t) { gap_ = 0; }
  // Keeps the delivered text from `off` (already delivered, within the current chunk or
  // kept) until Release.
  void Keep(uint64_t off);
  void Release() { keeping_ = false; }
  bool kept_ok() const { return !overflow_; }
  std::string_view kept() const { return kept_; }

  // yaml-cpp's parser reads up to 4 bytes in its constructor to detect the encoding, and
  // leaks a buffer if that read throws. So the first bytes are made ready before the parser
  // exists, and a problem among them is thrown from here instead.
  void Prime();

 protected:
  // yaml-cpp asks for 2,048 bytes at a time: a short read keeps an error found ahead
  // from surfacing before the parser has taken the bytes before it.
  std::streamsize xsgetn(char* s, std::streamsize n) override;
  int_type underflow() override;

 private:
  bool Fill();
  // Moves the good bytes of `in` to out_, up to the first bad one.
  void Check(const std::string& in);
  static bool ValidUtf8(const unsigned char* p, int len);
  void Stop(MessageText problem);
  // Counts flow brackets that open a node (inside a flow collection, or where a block
  // node starts), outside quoted text and comments. False stops the chunk.
  bool Flow(char ch);

  ByteSource& src_;
  uint64_t next_off_;  // offset and line just after the delivered bytes
  int next_line_;
  size_t max_gap_;
  size_t gap_ = 0;  // token bytes since the reader's last event
  std::string out_, carry_, kept_;
  std::string view_;  // the get area: up to 4 bytes delivered before, then out_
  uint64_t kept_off_;
  bool keeping_ = false, overflow_ = false, eof_ = false;
  std::unique_ptr<Fatal> pending_;
  int depth_ = 0;
  size_t line_entries_ = 0;
  char quote_ = 0, last_ = '\n';
  bool escape_ = false, comment_ = false, space_ = true;
};

// Whether the text of a flow collection (from its opening bracket) has a comma with no
// entry before or after it: [a, b,], [a,,b], [,a]. Sets `line` (0-based, within it).
bool StrayFlowComma(std::string_view t, int* line);

}  // namespace gridstat::input
