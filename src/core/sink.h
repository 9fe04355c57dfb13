// Sink: delivers batches to one destination. Runs on its own thread, one batch at a time, in
// order. The runtime owns buffering, retries with backoff and acknowledgements; a sink encodes,
// sends and says how it went.
#pragma once

#include <memory>
#include <stop_token>
#include <string>

#include "core/event_batch.h"

namespace logferry {

enum class Delivery {
  kDelivered,  // the destination has it (written, acknowledged by the peer, ...)
  kRetry,      // transient failure: the runtime backs off and calls send() again with this batch
  kRejected,   // permanent failure: counted as dropped, the batch is not retried
};

class Sink {
 public:
  virtual ~Sink() = default;
  // May block, but must return soon after `stop` is requested (use timeouts).
  virtual Delivery send(const EventBatch& batch, const std::stop_token& stop) = 0;
  // Called when the input is idle and on shutdown: push out anything buffered.
  virtual void flush() {}
  // Why the last send() returned kRetry, e.g. "connect 127.0.0.1:6514: certificate verify
  // failed" ("" when the sink does not say). The runtime logs it once per change and /readyz
  // shows it, so a sink need not log each failed attempt itself. Called on the sink's thread.
  virtual std::string retry_reason() const { return {}; }
};

using SinkPtr = std::unique_ptr<Sink>;

}  // namespace logferry
