#include "config/values.h"

#include <cctype>
#include <charconv>

namespace logferry::config {

namespace {
std::string lower(std::string_view s) {
  std::string out;
  for (char c : s) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
bool split_number(std::string_view s, double& number, std::string& unit) {
  std::size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  if (i == 0) return false;
  auto r = std::from_chars(s.data(), s.data() + i, number);
  if (r.ec != std::errc() || r.ptr != s.data() + i) return false;
  std::string_view rest = s.substr(i);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  unit = lower(rest);
  return number >= 0;
}
}  // namespace

std::optional<uint64_t> parse_byte_size(std::string_view s) {
  double n;
  std::string unit;
  if (!split_number(s, n, unit)) return std::nullopt;
  double mult;
  if (unit.empty() || unit == "b") mult = 1;
  else if (unit == "k" || unit == "kb") mult = 1e3;
  else if (unit == "kib" || unit == "ki") mult = 1024.0;
  else if (unit == "m" || unit == "mb") mult = 1e6;
  else if (unit == "mib" || unit == "mi") mult = 1024.0 * 1024;
  else if (unit == "g" || unit == "gb") mult = 1e9;
  else if (unit == "gib" || unit == "gi") mult = 1024.0 * 1024 * 1024;
  else return std::nullopt;
  return static_cast<uint64_t>(n * mult);
}

std::optional<Duration> parse_duration(std::string_view s) {
  double n;
  std::string unit;
  if (!split_number(s, n, unit)) return std::nullopt;
  double ms;
  if (unit == "ms") ms = n;
  else if (unit.empty() || unit == "s") ms = n * 1000;
  else if (unit == "m" || unit == "min") ms = n * 60'000;
  else if (unit == "h") ms = n * 3'600'000;
  else if (unit == "d") ms = n * 86'400'000;
  else return std::nullopt;
  return Duration(static_cast<int64_t>(ms));
}

}  // namespace logferry::config
