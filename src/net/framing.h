// Framing of syslog (and other line-oriented) messages on a byte stream, RFC 6587:
//   newline          FRAME LF                 (traditional; the frame must not contain LF)
//   octet counting   MSG-LEN SP FRAME         (§3.4.1; the frame may contain anything)
// Encoders append a frame to a buffer and then frame it in place, so a batch of frames ends up
// in one contiguous buffer that is written with one syscall.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace logferry::net {

// The one framing type for both directions. kAuto is for reading only (the FrameSplitter tells
// octet counting from newline per frame, as rsyslog's imtcp does); kNone is for writing only
// (UDP datagrams and RELP carry their own boundaries). A writer given kAuto writes newlines; a
// reader given kNone splits lines.
enum class Framing : uint8_t { kAuto, kNewline, kOctetCounting, kNone };

// Parses "newline" | "octet_counting" | "none"; false when unknown.
bool parse_framing(std::string_view name, Framing& out);

// Decimal digits of n (n >= 0).
inline std::size_t decimal_digits(std::size_t n) {
  std::size_t d = 1;
  while (n >= 10) {
    n /= 10;
    ++d;
  }
  return d;
}

// Frames out[frame_start, end) in place: LF appended, or "LEN " inserted before it (a memmove of
// the frame, no allocation once `out` has grown), or nothing for kNone.
void frame_in_place(std::string& out, std::size_t frame_start, Framing framing);

// Appends an already rendered frame with its framing.
void append_framed(std::string& out, std::string_view frame, Framing framing);

}  // namespace logferry::net
