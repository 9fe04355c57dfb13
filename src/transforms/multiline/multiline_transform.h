// multiline: joins the lines of one file and stream into one event (a stack trace), with
// Filebeat's rules or a built-in parser (multiline_rules.h). The joined event is the first
// line's event (its time and fields) with the lines joined by "\n" in `field`.
//
// A line that may still be continued is held in the stream's state until the next line of
// that stream or the timeout. While held, it keeps the finalizers of the batches its lines
// came in, and hands them to the batch the joined event leaves in: the source's position
// (AckWindow) does not pass a held line until the joined event is delivered, so a kill -9
// re-reads it instead of losing it. The bounds (max_lines, max_bytes) end the event early
// and the next line starts a new one: nothing is dropped; each hit is counted.
//
// State is keyed by the file (`path`, else `source`, else `file`) and `stream`, so a
// container's interleaved stdout and stderr never mix.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/schema.h"
#include "config/values.h"
#include "core/component.h"
#include "core/metrics.h"
#include "core/transform.h"
#include "transforms/multiline/multiline_rules.h"

namespace logferry::transforms {

class MultilineTransform final : public Transform {
 public:
  static constexpr std::string_view kType = "multiline";
  static constexpr std::string_view kDoc =
      "Joins the lines of one file and stream into one event (stack traces; Filebeat's rules).";
  struct Options {
    std::string field;  // empty: `log`, or `message` when the event has no `log`
    std::string pattern;
    bool negate = false;
    std::string match = "after";
    std::string parser;
    int64_t max_lines = 500;
    config::ByteSize max_bytes{10 * 1024 * 1024};
    config::Duration timeout{1000};
  };
  static void describe(config::Schema<Options>& s);
  static Result<std::unique_ptr<Transform>> build(const Options& options, BuildContext& ctx);

  struct Counters {
    Counter& joined_lines;
    Counter& max_lines_hits;
    Counter& max_bytes_hits;
    Counter& timeouts;
  };
  MultilineTransform(const Options& options, MultilineRules rules, Counters counters);
  ~MultilineTransform() override;

  void apply(EventBatch& batch) override;
  bool holds_events() const override { return true; }
  std::optional<SteadyTime> flush_due(SteadyTime now, EventBatch& out) override;

  // Streams with state (for tests and the idle sweep).
  std::size_t streams() const { return streams_.size(); }

 private:
  struct Stream;
  using Events = std::pmr::vector<Event>;

  Stream& stream_for(const Event& e);
  // The line's value and its field: `field`, or when that is unset `log`, else `message`.
  const Value* find_text(const Event& e, const FieldPath*& field) const;
  void on_line(Stream& s, Event& e, const FieldPath& field, std::string_view line,
               EventBatch& batch, Events& out, SteadyTime now);
  void start(Stream& s, const Event& e, const FieldPath& field, std::string_view line);
  void append(Stream& s, std::string_view line);
  void emit(Stream& s, EventBatch& batch, Events& out);
  void sweep_idle(SteadyTime now);

  FieldPath field_, log_, message_, stream_;
  std::vector<FieldPath> file_fields_;  // the first one present names the file
  bool auto_field_;
  MultilineRules rules_;
  std::size_t max_lines_;
  std::size_t max_bytes_;
  std::chrono::milliseconds timeout_;
  Counters counters_;
  std::unordered_map<std::string, std::unique_ptr<Stream>> streams_;
  std::vector<Stream*> touched_;  // streams that took lines in this batch
  std::string key_;               // reused for lookups
  uint64_t batch_seq_ = 0;
  SteadyTime next_sweep_{};
  uint64_t joined_in_batch_ = 0;
};

}  // namespace logferry::transforms
