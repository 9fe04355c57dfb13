// AckWindow: turns out-of-order batch completions into an in-order checkpoint. A source opens a
// slot per batch with the position reached after it; finalizers complete slots from sink
// threads; the source commits the newest position whose predecessors are all delivered.
// A failed slot is never passed: what follows it is re-read after a restart (at least once).
//
// Example:
//   auto window = std::make_shared<AckWindow<uint64_t>>();
//   batch->add_finalizer(window->finalizer_for(window->open(end_offset)));
//   ... later, on the source thread:
//   if (auto pos = window->take_committed()) checkpoints.save(*pos);
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>

#include "core/finalizer.h"

namespace logferry {

template <class Position>
class AckWindow : public std::enable_shared_from_this<AckWindow<Position>> {
 public:
  uint64_t open(Position position) {
    std::lock_guard lock(mu_);
    slots_.push_back({std::move(position), State::kPending});
    return first_seq_ + slots_.size() - 1;
  }

  void complete(uint64_t seq, BatchStatus status) {
    std::lock_guard lock(mu_);
    if (seq < first_seq_ || seq >= first_seq_ + slots_.size()) return;
    auto& slot = slots_[seq - first_seq_];
    slot.state = status == BatchStatus::kDelivered ? State::kDelivered : State::kFailed;
    while (!slots_.empty() && slots_.front().state == State::kDelivered) {
      committed_ = std::move(slots_.front().position);
      slots_.pop_front();
      ++first_seq_;
    }
  }

  FinalizerPtr finalizer_for(uint64_t seq) {
    std::weak_ptr<AckWindow> weak = this->weak_from_this();
    return std::make_shared<Finalizer>([weak, seq](BatchStatus s) {
      if (auto self = weak.lock()) self->complete(seq, s);
    });
  }

  // The newest fully delivered position not yet taken, if any.
  std::optional<Position> take_committed() {
    std::lock_guard lock(mu_);
    std::optional<Position> out;
    out.swap(committed_);
    return out;
  }

  // Batches emitted but not yet delivered (the window a kill -9 may repeat).
  std::size_t in_flight() const {
    std::lock_guard lock(mu_);
    return slots_.size();
  }

 private:
  enum class State { kPending, kDelivered, kFailed };
  struct Slot {
    Position position;
    State state;
  };
  mutable std::mutex mu_;
  std::deque<Slot> slots_;
  uint64_t first_seq_ = 0;
  std::optional<Position> committed_;
};

}  // namespace logferry
