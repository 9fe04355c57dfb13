// OrderedWorkers: runs a source's transforms on several threads without giving up the source's
// order (Logstash's pipeline.workers). Batches are numbered as the source submits them, each
// worker transforms with its own transform instances (so a transform never sees two threads),
// and the results are emitted to the sinks strictly in submission order: order within a file,
// a connection or a Beats window is the order the source produced.
//
// Example:
//   OrderedWorkers w(2, [&](std::size_t worker, BatchPtr b, Pushes& out) { ... },
//                    [&](Pushes& p) { ... push to channels ... });
//   w.submit(batch, stop);   // blocks while 2 x workers batches are in flight
//   w.finish();              // everything submitted has been emitted; threads joined
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <stop_token>
#include <thread>
#include <vector>

#include "core/event_batch.h"

namespace logferry::runtime {

class SinkBuffer;

// What one transformed batch sends where: filled by a worker, emitted in order.
struct Push {
  SinkBuffer* channel;
  BatchPtr batch;
};
using Pushes = std::vector<Push>;

class OrderedWorkers {
 public:
  using TransformFn = std::function<void(std::size_t worker, BatchPtr batch, Pushes& out)>;
  using EmitFn = std::function<void(Pushes& pushes)>;

  OrderedWorkers(std::size_t workers, TransformFn transform, EmitFn emit);
  ~OrderedWorkers();
  OrderedWorkers(const OrderedWorkers&) = delete;
  OrderedWorkers& operator=(const OrderedWorkers&) = delete;

  // Queues a batch; waits while the in-flight limit is reached. False (and the batch failed)
  // when stopping or once finish() ran.
  bool submit(BatchPtr batch, const std::stop_token& stop);
  // Waits until every submitted batch is emitted, then joins the threads.
  void finish();

 private:
  void work(std::size_t worker);
  void emit_ready(std::unique_lock<std::mutex>& lock);

  TransformFn transform_;
  EmitFn emit_;
  std::size_t max_in_flight_;
  std::mutex mu_;
  std::condition_variable_any work_ready_, room_, all_emitted_;
  std::deque<std::pair<uint64_t, BatchPtr>> queue_;
  std::map<uint64_t, Pushes> done_;  // transformed, waiting for their turn
  uint64_t next_seq_ = 0, next_emit_ = 0;
  bool emitting_ = false, closed_ = false;
  std::vector<std::jthread> threads_;
};

}  // namespace logferry::runtime
