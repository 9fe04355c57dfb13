// HTTP request heads: any bytes a client can send. Checks: nothing crashes; a found head end is
// inside the input and just past a blank line; what parses as a request has views into the input,
// a path that is a prefix of the target, and a token method.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "net/http_request.h"

namespace {

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t end = logferry::net::find_head_end(input);
  if (end != std::string_view::npos) {
    if (end > input.size() || end < 2 || input[end - 1] != '\n') __builtin_trap();
    input = input.substr(0, end);
  }
  auto head = logferry::net::parse_request_head(input);
  if (head.error == 0) {
    if (head.method.empty() || head.target.empty()) __builtin_trap();
    if (!inside(head.method, input) || !inside(head.target, input) || !inside(head.query, input))
      __builtin_trap();
    if (head.target.substr(0, head.path.size()) != head.path) __builtin_trap();
  } else if (head.error != 400 && head.error != 501 && head.error != 505) {
    __builtin_trap();
  }
  return 0;
}
