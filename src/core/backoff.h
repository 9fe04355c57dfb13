// Exponential backoff with jitter, for reconnects and sink retries.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace logferry {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial = std::chrono::milliseconds(100),
          std::chrono::milliseconds max = std::chrono::seconds(30))
      : initial_(initial), max_(max), next_(initial) {}
  std::chrono::milliseconds next() {
    auto d = next_;
    next_ = std::min(max_, next_ * 2);
    // +-20% jitter so many collectors do not reconnect in lockstep.
    seed_ = seed_ * 6364136223846793005ull + 1442695040888963407ull;
    auto jitter = static_cast<int64_t>(seed_ >> 33) % (d.count() / 5 + 1);
    return std::chrono::milliseconds(d.count() - d.count() / 10 + jitter);
  }
  void reset() { next_ = initial_; }

 private:
  std::chrono::milliseconds initial_, max_, next_;
  uint64_t seed_ = reinterpret_cast<uintptr_t>(this);
};

}  // namespace logferry
