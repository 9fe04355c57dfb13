// The process's own log: one line per message on stderr, "2026-11-25T10:00:00.123Z LEVEL msg".
// Never called per event on a hot path; use counters there, and RateLimitedLog for problems
// caused by input (a bad frame per second is logged once, the rest counted).
#pragma once

#include <fmt/format.h>

#include <atomic>
#include <cstdint>
#include <string_view>

namespace logferry {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

void log_message(LogLevel level, std::string_view message);
void set_log_level(LogLevel level);

template <class... Args>
void log_info(fmt::format_string<Args...> f, Args&&... args) {
  log_message(LogLevel::kInfo, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void log_warn(fmt::format_string<Args...> f, Args&&... args) {
  log_message(LogLevel::kWarn, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void log_error(fmt::format_string<Args...> f, Args&&... args) {
  log_message(LogLevel::kError, fmt::format(f, std::forward<Args>(args)...));
}

// At most one message per interval; tells how many were suppressed.
class RateLimitedLog {
 public:
  explicit RateLimitedLog(int64_t interval_ms = 10'000) : interval_ms_(interval_ms) {}
  template <class... Args>
  void warn(fmt::format_string<Args...> f, Args&&... args) {
    if (!admit()) return;
    log_with_suppressed(LogLevel::kWarn, fmt::format(f, std::forward<Args>(args)...));
  }

 private:
  bool admit();
  void log_with_suppressed(LogLevel level, std::string message);
  int64_t interval_ms_;
  std::atomic<int64_t> last_ms_{INT64_MIN / 2};
  std::atomic<uint64_t> suppressed_{0};
};

}  // namespace logferry
