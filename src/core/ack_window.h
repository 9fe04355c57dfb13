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
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "core/finalizer.h"

namespace logferry {

template <class Position>
class AckWindow : public std::enable_shared_from_this<AckWindow<Position>> {
 public:
  uint64_t open(Position position) {
    std::lock_guard lock(mu_);
    slots_.push_back({std::move(position), State::kPending});
    return first_seq_ + (slots_.size() - head_) - 1;
  }

  void complete(uint64_t seq, BatchStatus status) {
    std::lock_guard lock(mu_);
    if (seq < first_seq_ || seq >= first_seq_ + (slots_.size() - head_)) return;
    auto& slot = slots_[head_ + (seq - first_seq_)];
    slot.state = status == BatchStatus::kDelivered ? State::kDelivered : State::kFailed;
    while (head_ < slots_.size() && slots_[head_].state == State::kDelivered) {
      committed_ = std::move(slots_[head_].position);
      ++head_;
      ++first_seq_;
    }
    if (head_ == slots_.size()) {
      slots_.clear();  // the usual case: all delivered; the capacity (a few slots) is kept
      head_ = 0;
    } else if (head_ >= 64 && head_ * 2 >= slots_.size()) {
      slots_.erase(slots_.begin(), slots_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
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
    return slots_.size() - head_;
  }

 private:
  enum class State { kPending, kDelivered, kFailed };
  struct Slot {
    Position position;
    State state;
  };
  mutable std::mutex mu_;
  // A vector from head_ on rather than a deque: a deque allocates ~600 bytes at construction,
  // and a node has one window per tailed file (thousands).
  std::vector<Slot> slots_;
  std::size_t head_ = 0;
  uint64_t first_seq_ = 0;
  std::optional<Position> committed_;
};

}  // namespace logferry
