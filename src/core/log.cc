#include "core/log.h"

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "core/time_util.h"

namespace logferry {

namespace {
std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::mutex g_mu;
int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

void set_log_level(LogLevel level) { g_level = level; }

void log_message(LogLevel level, std::string_view message) {
  if (level < g_level.load()) return;
  static constexpr const char* kNames[] = {"DEBUG", "INFO", "WARN", "ERROR"};
  std::string line;
  append_iso8601_millis(line, SystemClock::instance().now());
  line += ' ';
  line += kNames[static_cast<int>(level)];
  line += ' ';
  line += message;
  line += '\n';
  std::lock_guard lock(g_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

bool RateLimitedLog::admit() {
  int64_t now = now_ms();
  int64_t last = last_ms_.load();
  if (now - last >= interval_ms_ && last_ms_.compare_exchange_strong(last, now)) return true;
  suppressed_.fetch_add(1);
  return false;
}

void RateLimitedLog::log_with_suppressed(LogLevel level, std::string message) {
  uint64_t n = suppressed_.exchange(0);
  if (n > 0) message += fmt::format(" (and {} more like it since the last report)", n);
  log_message(level, message);
}

}  // namespace logferry
