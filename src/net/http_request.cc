#include "net/http_request.h"

namespace logferry::net {

namespace {

constexpr std::string_view kSpaces = " \t";

std::string_view trim(std::string_view s) {
  auto b = s.find_first_not_of(kSpaces);
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(kSpaces);
  return s.substr(b, e - b + 1);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// RFC 9110 §5.6.2 token characters.
bool is_tchar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_tchar(c)) return false;
  return true;
}

// Up to 18 digits, so the value never overflows; larger bodies are far over any limit anyway.
bool parse_length(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 18) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

// The next line of `rest` without its line end (CRLF or LF); advances `rest`.
std::string_view next_line(std::string_view& rest) {
  auto lf = rest.find('\n');
  std::string_view line = rest.substr(0, lf);
  rest = lf == std::string_view::npos ? std::string_view() : rest.substr(lf + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

HttpRequestHead failed(int status) {
  HttpRequestHead h;
  h.error = status;
  return h;
}

// RFC 9112 §3: method SP request-target SP HTTP-version.
bool parse_request_line(std::string_view line, HttpRequestHead& h) {
  auto sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return false;
  auto sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) return false;
  h.method = line.substr(0, sp1);
  h.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (!is_token(h.method) || h.target.empty()) return false;
  for (char c : h.target)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
    return false;
  }
  if (version[5] != '1') {
    h.error = 505;
    return true;
  }
  auto q = h.target.find('?');
  h.path = h.target.substr(0, q);
  if (q != std::string_view::npos) h.query = h.target.substr(q + 1);
  return true;
}

}  // namespace

std::size_t find_head_end(std::string_view bytes) {
  for (std::size_t lf = bytes.find('\n'); lf != std::string_view::npos; lf = bytes.find('\n', lf + 1)) {
    std::size_t next = lf + 1;
    if (next < bytes.size() && bytes[next] == '\n') return next + 1;
    if (next + 1 < bytes.size() && bytes[next] == '\r' && bytes[next + 1] == '\n') return next + 2;
  }
  return std::string_view::npos;
}

HttpRequestHead parse_request_head(std::string_view head) {
  std::string_view rest = head;
  // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request line.
  std::string_view line = next_line(rest);
  if (line.empty()) line = next_line(rest);
  HttpRequestHead h;
  if (!parse_request_line(line, h)) return failed(400);
  if (h.error != 0) return h;
  bool have_length = false;
  while (!rest.empty()) {
    line = next_line(rest);
    if (line.empty()) break;  // the blank line that ends the head
    auto colon = line.find(':');
    // §5.1: no whitespace between the name and the colon; §5.2: obs-fold is refused.
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) return failed(400);
    std::string_view name = line.substr(0, colon);
    std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "transfer-encoding")) return failed(501);
    if (iequals(name, "content-length")) {
      uint64_t n = 0;
      if (!parse_length(value, n) || (have_length && n != h.content_length)) return failed(400);
      h.content_length = n;
      have_length = true;
    }
  }
  return h;
}

}  // namespace logferry::net
