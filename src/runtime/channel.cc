#include "runtime/channel.h"

namespace logferry::runtime {

bool BatchChannel::push(const BatchPtr& batch, const std::stop_token& stop) {
  std::size_t size = batch->held_bytes();  // what it holds, not what it used
  std::unique_lock lock(mu_);
  bool room = not_full_.wait(lock, stop, [&] {
    return closed_ || queue_.empty() || bytes_ + size <= max_bytes_;
  });
  if (!room || closed_) return false;
  queue_.emplace_back(batch, size);
  bytes_ += size;
  not_empty_.notify_one();
  return true;
}

BatchPtr BatchChannel::pop(const std::stop_token& stop, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  not_empty_.wait_for(lock, stop, timeout, [&] { return closed_ || !queue_.empty(); });
  if (queue_.empty()) return nullptr;
  auto [batch, size] = std::move(queue_.front());
  queue_.pop_front();
  bytes_ -= size;
  not_full_.notify_all();
  return batch;
}

void BatchChannel::fail_pending() {
  while (BatchPtr left = pop(std::stop_token{}, std::chrono::milliseconds(0))) left->fail();
}

void BatchChannel::close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  not_full_.notify_all();
  not_empty_.notify_all();
}

bool BatchChannel::closed_and_empty() const {
  std::lock_guard lock(mu_);
  return closed_ && queue_.empty();
}

std::size_t BatchChannel::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

std::size_t BatchChannel::size() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

}  // namespace logferry::runtime
