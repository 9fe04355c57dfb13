#include "runtime/ordered_workers.h"

namespace logferry::runtime {

OrderedWorkers::OrderedWorkers(std::size_t workers, TransformFn transform, EmitFn emit)
    : transform_(std::move(transform)), emit_(std::move(emit)), max_in_flight_(2 * workers) {
  threads_.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i) threads_.emplace_back([this, i] { work(i); });
}

OrderedWorkers::~OrderedWorkers() { finish(); }

bool OrderedWorkers::submit(BatchPtr batch, const std::stop_token& stop) {
  std::unique_lock lock(mu_);
  room_.wait(lock, stop, [this] { return closed_ || next_seq_ - next_emit_ < max_in_flight_; });
  if (closed_ || stop.stop_requested()) {
    batch->fail();  // never reached a sink: its source must not advance past it
    return false;
  }
  queue_.emplace_back(next_seq_++, std::move(batch));
  work_ready_.notify_one();
  return true;
}

void OrderedWorkers::work(std::size_t worker) {
  std::unique_lock lock(mu_);
  while (true) {
    work_ready_.wait(lock, [this] { return closed_ || !queue_.empty(); });
    if (queue_.empty()) return;  // closed and nothing left
    auto [seq, batch] = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    Pushes pushes;
    transform_(worker, std::move(batch), pushes);
    lock.lock();
    done_.emplace(seq, std::move(pushes));
    emit_ready(lock);
  }
}

// One thread at a time emits, in sequence order; the others only park their results. The
// emitter releases the lock while pushing, since a full sink channel may block it.
void OrderedWorkers::emit_ready(std::unique_lock<std::mutex>& lock) {
  if (emitting_) return;
  emitting_ = true;
  for (auto it = done_.find(next_emit_); it != done_.end(); it = done_.find(next_emit_)) {
    Pushes pushes = std::move(it->second);
    done_.erase(it);
    lock.unlock();
    emit_(pushes);
    pushes.clear();  // drop our references before the next one is counted as emitted
    lock.lock();
    ++next_emit_;
    room_.notify_all();
  }
  emitting_ = false;
  if (next_emit_ == next_seq_) all_emitted_.notify_all();
}

void OrderedWorkers::finish() {
  {
    std::unique_lock lock(mu_);
    all_emitted_.wait(lock, [this] { return next_emit_ == next_seq_; });
    closed_ = true;
  }
  work_ready_.notify_all();
  room_.notify_all();
  threads_.clear();  // joins
}

}  // namespace logferry::runtime
