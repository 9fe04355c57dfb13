// LoopRelay: the one locked way for callbacks on other threads (batch finalizers fire on sink
// threads) to reach an object that lives on an io_context's thread, and only while that loop
// runs. The owner attaches when its loop starts and detaches before it stops; a callback that
// comes later, or after the owner is gone (it holds only a weak_ptr), does nothing.
//
// Example (a source acking after delivery):
//   auto relay = std::make_shared<net::LoopRelay<MySource>>();
//   relay->attach(io, *this);
//   batch->add_finalizer(std::make_shared<Finalizer>([weak = std::weak_ptr(relay)](BatchStatus s) {
//     net::LoopRelay<MySource>::post(weak, [s](MySource& src) { src.acked(s); });
//   }));
#pragma once

#include <asio.hpp>
#include <memory>
#include <mutex>
#include <utility>

namespace logferry::net {

template <class T>
class LoopRelay : public std::enable_shared_from_this<LoopRelay<T>> {
 public:
  void attach(asio::io_context& io, T& target) {
    std::lock_guard lock(mu_);
    io_ = &io;
    target_ = &target;
  }
  void detach() {
    std::lock_guard lock(mu_);
    io_ = nullptr;
    target_ = nullptr;
  }
  // Runs fn(target) on the io thread, if the relay is still attached then and when it runs.
  template <class F>
  static void post(const std::weak_ptr<LoopRelay>& weak, F&& fn) {
    auto self = weak.lock();
    if (!self) return;
    std::lock_guard lock(self->mu_);
    if (self->io_ == nullptr) return;
    asio::post(*self->io_, [self, fn = std::forward<F>(fn)]() mutable {
      if (self->target_) fn(*self->target_);  // detach() runs on this thread: no lock needed
    });
  }

 private:
  std::mutex mu_;
  asio::io_context* io_ = nullptr;
  T* target_ = nullptr;
};

}  // namespace logferry::net
