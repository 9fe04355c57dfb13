// Source: produces batches until asked to stop. Runs on its own thread.
//
// A source fills batches from ctx.out.new_batch(), attaches a Finalizer (see ack_window.h) to
// learn when sinks accepted them, and hands them to ctx.out.send(), which runs the transforms
// and waits while the sinks' buffers are full: that wait is the backpressure that leaves
// files on disk and stops network reads.
#pragma once

#include <memory>
#include <stop_token>
#include <string>

#include "core/event_batch.h"
#include "core/metrics.h"

namespace logferry {

class SourceOutput {
 public:
  virtual ~SourceOutput() = default;
  virtual BatchPtr new_batch() = 0;
  // False when the pipeline is stopping; the batch is then failed (not delivered).
  virtual bool send(BatchPtr batch) = 0;
};

struct SourceContext {
  std::string name;
  std::stop_token stop;
  SourceOutput& out;
};

class Source {
 public:
  virtual ~Source() = default;
  // Returns when ctx.stop is requested (after persisting what it must) or on a fatal error.
  virtual void run(SourceContext& ctx) = 0;
  // Called from another thread after stop is requested, to wake blocking calls (sockets).
  virtual void interrupt() {}
  // Called after the sinks have drained on shutdown (run() has returned): persist the final
  // checkpoint of everything acknowledged.
  virtual void on_drained() {}
};

using SourcePtr = std::unique_ptr<Source>;

}  // namespace logferry
