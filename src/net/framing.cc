#include "net/framing.h"

#include <cstring>

namespace logferry::net {

bool parse_framing(std::string_view name, Framing& out) {
  if (name == "newline") {
    out = Framing::kNewline;
  } else if (name == "octet_counting" || name == "octet-counting") {
    out = Framing::kOctetCounting;
  } else if (name == "none") {
    out = Framing::kNone;
  } else {
    return false;
  }
  return true;
}

namespace {

// Writes the decimal of n into [p, p + digits) right to left.
void write_decimal(char* p, std::size_t digits, std::size_t n) {
  for (std::size_t i = digits; i-- > 0;) {
    p[i] = static_cast<char>('0' + n % 10);
    n /= 10;
  }
}

}  // namespace

void frame_in_place(std::string& out, std::size_t frame_start, Framing framing) {
  switch (framing) {
    case Framing::kNone:
      return;
    case Framing::kAuto:  // writers have nothing to detect: newline, the traditional framing
    case Framing::kNewline:
      out.push_back('\n');
      return;
    case Framing::kOctetCounting: {
      std::size_t len = out.size() - frame_start;
      std::size_t digits = decimal_digits(len);
      std::size_t prefix = digits + 1;
      out.resize(out.size() + prefix);
      char* base = out.data() + frame_start;
      std::memmove(base + prefix, base, len);
      write_decimal(base, digits, len);
      base[digits] = ' ';
      return;
    }
  }
}

void append_framed(std::string& out, std::string_view frame, Framing framing) {
  if (framing == Framing::kOctetCounting) {
    std::size_t digits = decimal_digits(frame.size());
    std::size_t at = out.size();
    out.resize(at + digits + 1);
    write_decimal(out.data() + at, digits, frame.size());
    out[at + digits] = ' ';
  }
  out.append(frame);
  if (framing == Framing::kNewline || framing == Framing::kAuto) out.push_back('\n');
}

}  // namespace logferry::net
