// Finalizer: how a source learns that a batch it emitted has been accepted by every sink it
// reached (the at-least-once guarantee). Every copy of a batch (fan-out clones, each sink's
// reference) shares one Finalizer; when the last reference goes, the callback runs with
// kDelivered, or with kFailed if any holder called fail() (e.g. a sink stopped before it
// could deliver). Filtered-out events count as delivered: nothing is left to send.
//
// The callback runs on whichever thread dropped the last reference, so it must be cheap and
// thread-safe (sources typically mark an AckWindow slot).
#pragma once

#include <atomic>
#include <functional>
#include <memory>

namespace logferry {

enum class BatchStatus { kDelivered, kFailed };

class Finalizer {
 public:
  using Callback = std::function<void(BatchStatus)>;
  explicit Finalizer(Callback cb) : callback_(std::move(cb)) {}
  Finalizer(const Finalizer&) = delete;
  Finalizer& operator=(const Finalizer&) = delete;
  ~Finalizer() {
    if (callback_) callback_(failed_.load() ? BatchStatus::kFailed : BatchStatus::kDelivered);
  }
  void fail() { failed_.store(true); }

 private:
  Callback callback_;
  std::atomic<bool> failed_{false};
};

using FinalizerPtr = std::shared_ptr<Finalizer>;

}  // namespace logferry
