#include "core/event_batch.h"

namespace logferry {

void EventBatch::copy_from(const EventBatch& other) {
  events_.reserve(other.events_.size());
  for (const auto& e : other.events_) events_.push_back(e.clone_into(arena_));
  retained_ = other.retained_;
  finalizers_ = other.finalizers_;
}

void EventBatch::clear() {
  events_.clear();
  // pmr vectors keep their arena buffer pointer; drop it before the arena forgets the memory.
  std::pmr::vector<Event>(&arena_).swap(events_);
  arena_.reset();
  retained_.clear();
  finalizers_.clear();  // may run source callbacks
}

BatchPtr BatchPool::acquire() {
  std::unique_ptr<EventBatch> batch;
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      batch = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!batch) batch = std::make_unique<EventBatch>();
  std::weak_ptr<BatchPool> weak = weak_from_this();
  return BatchPtr(batch.release(), [weak](EventBatch* b) {
    if (auto pool = weak.lock()) {
      pool->release(b);
    } else {
      delete b;
    }
  });
}

void BatchPool::release(EventBatch* b) {
  b->clear();
  std::lock_guard lock(mu_);
  if (idle_.size() < max_idle_) {
    idle_.emplace_back(b);
  } else {
    delete b;
  }
}

}  // namespace logferry
