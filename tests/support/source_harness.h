// A source in a unit test, run as the runtime runs it: on its own thread, into an output that
// records what it sends (releasing each batch, which acknowledges it), then stopped, interrupted
// and drained, so its checkpoints persist as at a real shutdown.
//
// Example:
//   struct Lines : RecordingOutput<std::string> {
//     std::string record(const Event& e) override { return std::string(e.root().get("message")->as_string()); }
//   } out;
//   RunningSource<FileSource> src(options, BuildContext{"files", metrics, dir, dir, "node"}, out);
//   wait_until([&] { return out.count() == 3; });
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/component.h"
#include "core/event_batch.h"
#include "core/source.h"

namespace logferry::testing {

template <class Record>
class RecordingOutput : public SourceOutput {
 public:
  BatchPtr new_batch() override { return pool_->acquire(); }
  bool send(BatchPtr batch) override {
    std::lock_guard lock(mu_);
    for (const Event& e : batch->events()) records_.push_back(record(e));
    return true;  // the batch is released here: its finalizers report delivered
  }
  std::vector<Record> records() {
    std::lock_guard lock(mu_);
    return records_;
  }
  std::size_t count() {
    std::lock_guard lock(mu_);
    return records_.size();
  }

 protected:
  virtual Record record(const Event& e) = 0;

 private:
  std::shared_ptr<BatchPool> pool_ = BatchPool::create();
  std::mutex mu_;
  std::vector<Record> records_;
};

// S: a source class with `Options` and `static Result<SourcePtr> build(const Options&, BuildContext&)`.
template <class S>
class RunningSource {
 public:
  RunningSource(const typename S::Options& options, BuildContext ctx, SourceOutput& out) {
    auto built = S::build(options, ctx);
    EXPECT_TRUE(built);
    if (!built) return;
    source_ = std::move(*built);
    thread_ = std::jthread([this, name = ctx.name, &out](std::stop_token st) {
      SourceContext sc{name, st, out};
      source_->run(sc);
    });
  }
  ~RunningSource() { stop(); }
  void stop() {
    if (!source_) return;
    thread_.request_stop();
    source_->interrupt();
    thread_.join();
    source_->on_drained();
    source_.reset();
  }

 private:
  SourcePtr source_;
  std::jthread thread_;
};

// Expected lines: seq("a", 3) = {"a0", "a1", "a2"}; concat joins such lists in order.
inline std::vector<std::string> seq(const std::string& prefix, int count) {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

inline std::vector<std::string> concat(std::initializer_list<std::vector<std::string>> parts) {
  std::vector<std::string> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace logferry::testing
