// RateLimiter: at most `count` alerts per `per` for one rule, and an account of what it held
// back. A window opens at the first alert; matches past `count` inside it are held back
// (counted). Once the window has passed, the held-back count is reported exactly once: by the
// next alert of the rule ("and 312 more in the last 60 s"), or, if none comes, by a summary
// (take_expired_held) so a quiet rule still tells what it suppressed. Time comes from the
// caller (the sink's Clock), so tests drive it with a FakeClock.
#pragma once

#include <chrono>
#include <cstdint>

#include "core/value.h"

namespace logferry::sinks {

struct RateLimit {
  int64_t count = 0;                  // 0 = no limit
  std::chrono::nanoseconds per{0};
  bool enabled() const { return count > 0 && per.count() > 0; }
};

class RateLimiter {
 public:
  struct Decision {
    bool send = false;
    int64_t suppressed = 0;  // held back in the previous window, reported with this alert
  };
  RateLimiter() = default;
  explicit RateLimiter(RateLimit limit) : limit_(limit) {}

  Decision admit(Timestamp now) {
    if (!limit_.enabled()) return {true, 0};
    int64_t carried = expire(now);
    if (!active_) {
      active_ = true;
      window_start_ = now;
      sent_ = 0;
    }
    if (sent_ < limit_.count) {
      ++sent_;
      return {true, carried};
    }
    // Nothing carried can be pending here: expire() closed the window it came from.
    ++held_;
    return {false, 0};
  }

  // When the window has passed with matches held back: their count (once), else 0.
  int64_t take_expired_held(Timestamp now) { return limit_.enabled() ? expire(now) : 0; }
  int64_t held() const { return held_; }
  const RateLimit& limit() const { return limit_; }

 private:
  // Closes a passed window; returns the count it held back.
  int64_t expire(Timestamp now) {
    if (!active_ || now.ns - window_start_.ns < limit_.per.count()) return 0;
    active_ = false;
    int64_t held = held_;
    held_ = 0;
    return held;
  }

  RateLimit limit_;
  bool active_ = false;
  Timestamp window_start_;
  int64_t sent_ = 0;
  int64_t held_ = 0;
};

}  // namespace logferry::sinks
