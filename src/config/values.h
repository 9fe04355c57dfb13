// Option value types with units, shared by all component schemas.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace logferry::config {

// "10MiB", "512KB", "1GiB", "100" (bytes).
struct ByteSize {
  uint64_t bytes = 0;
};
// "5s", "250ms", "1m", "2h", "7d", or a bare number of seconds.
using Duration = std::chrono::milliseconds;

std::optional<uint64_t> parse_byte_size(std::string_view s);
std::optional<Duration> parse_duration(std::string_view s);

constexpr uint64_t operator""_KiB(unsigned long long v) { return v * 1024; }
constexpr uint64_t operator""_MiB(unsigned long long v) { return v * 1024 * 1024; }
constexpr uint64_t operator""_GiB(unsigned long long v) { return v * 1024 * 1024 * 1024; }

}  // namespace logferry::config
