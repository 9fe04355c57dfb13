// Clock: the one place components read the time, so rotation, retention, rate limits and
// backoff are tested with a FakeClock instead of sleeping.
#pragma once

#include <atomic>
#include <chrono>

#include "core/value.h"

namespace logferry {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Timestamp now() const override {
    return {std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count()};
  }
  static const SystemClock& instance() {
    static const SystemClock clock;
    return clock;
  }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(Timestamp start = {1'700'000'000'000'000'000}) : ns_(start.ns) {}
  Timestamp now() const override { return {ns_.load()}; }
  void advance(std::chrono::nanoseconds d) { ns_ += d.count(); }
  void set(Timestamp t) { ns_ = t.ns; }

 private:
  std::atomic<int64_t> ns_;
};

}  // namespace logferry
