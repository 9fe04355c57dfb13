// EventTransform: a transform that looks at one event at a time, as every Logstash filter does.
// The batch loop, dropping events and Logstash's common options (applied only on success) live
// here once, so a filter implements process() and nothing else. The conditional blocks of a
// .conf pipeline run EventTransforms per event through run().
//
// Example:
//   class UpperTransform final : public EventTransform {
//     Outcome process(Event& e) override { ...; return Outcome::kSuccess; }
//   };
#pragma once

#include "core/transform.h"
#include "transforms/common/decorations.h"

namespace logferry::transforms {

enum class Outcome {
  kSuccess,  // the filter did its work: the common options are applied
  kFailure,  // it could not (it tagged the event itself, e.g. _grokparsefailure): no options
  kSkip,     // nothing to do (e.g. the source field is absent): no options, no tag
  kDrop,     // remove the event from the batch
};

class EventTransform : public Transform {
 public:
  // Runs every event through run(), in order, and removes the dropped ones.
  void apply(EventBatch& batch) override;
  // One event: process(), then the common options when it succeeded.
  Outcome run(Event& event);
  void set_decorations(Decorations d) { decorations_ = std::move(d); }

 protected:
  virtual Outcome process(Event& event) = 0;
  // Around each batch, e.g. to add a batch's failures to a counter once.
  virtual void begin_batch() {}
  virtual void end_batch() {}

 private:
  friend class ConditionalTransform;  // runs its branches' batch hooks around each batch
  Decorations decorations_;
};

}  // namespace logferry::transforms
