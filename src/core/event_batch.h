// EventBatch: the unit that moves through the pipeline. It owns an Arena (all event memory),
// the events, what must stay alive for their string views, and the finalizers that tell the
// sources when the batch is delivered. Batches come from a BatchPool and go back to it when
// the last reference drops, so a steady pipeline stops allocating.
//
// Lifecycle: source fills it (single thread) -> transforms mutate it in place (same thread) ->
// sinks read it, shared and const, from their own threads -> last release returns it to the pool.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "core/arena.h"
#include "core/event.h"
#include "core/finalizer.h"

namespace logferry {

class EventBatch {
 public:
  EventBatch() : events_(&arena_) {}
  EventBatch(const EventBatch&) = delete;
  EventBatch& operator=(const EventBatch&) = delete;

  Arena& arena() { return arena_; }
  std::pmr::vector<Event>& events() { return events_; }
  const std::pmr::vector<Event>& events() const { return events_; }
  std::size_t size() const { return events_.size(); }
  bool empty() const { return events_.empty(); }

  // A fresh event at the end of the batch.
  Event& add() { return events_.emplace_back(arena_); }

  // Keeps `p` alive as long as the batch, for string views into memory it owns.
  void retain(std::shared_ptr<const void> p) { retained_.push_back(std::move(p)); }
  void add_finalizer(FinalizerPtr f) { finalizers_.push_back(std::move(f)); }
  const std::vector<FinalizerPtr>& finalizers() const { return finalizers_; }
  // Marks the batch as not delivered: its sources will not advance past it.
  void fail() const {
    for (const auto& f : finalizers_) f->fail();
  }

  // Approximate bytes held, for byte-limited buffers.
  std::size_t byte_size() const { return arena_.used() + sizeof(EventBatch); }
  // Memory the batch holds (its arena's chunks): what a buffer bounded in bytes must count.
  std::size_t held_bytes() const { return arena_.capacity() + sizeof(EventBatch); }

  // Deep copy that shares the finalizers (fan-out to a second mutating branch).
  void copy_from(const EventBatch& other);

  // Back to empty; releases retained memory and finalizers (which may fire callbacks).
  void clear();

 private:
  Arena arena_;
  std::pmr::vector<Event> events_;
  std::vector<std::shared_ptr<const void>> retained_;
  std::vector<FinalizerPtr> finalizers_;
};

using BatchPtr = std::shared_ptr<EventBatch>;

// A free list of batches. acquire() returns a shared_ptr whose deleter clears the batch and
// puts it back, so its arena chunks are reused. Idle batches keep their chunks, so the list is
// short: enough for the batches in flight between a source and its sinks, not a burst's worth.
class BatchPool : public std::enable_shared_from_this<BatchPool> {
 public:
  // Few idle batches: each keeps its arena, so a pool of many holds a burst's memory for good.
  static std::shared_ptr<BatchPool> create(std::size_t max_idle = 4) {
    return std::shared_ptr<BatchPool>(new BatchPool(max_idle));
  }
  BatchPtr acquire();

 private:
  explicit BatchPool(std::size_t max_idle) : max_idle_(max_idle) {}
  void release(EventBatch* b);

  std::mutex mu_;
  std::vector<std::unique_ptr<EventBatch>> idle_;
  std::size_t max_idle_;
};

}  // namespace logferry
