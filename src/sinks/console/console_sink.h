// console: writes each event to stdout, as JSON (default) or through a text template.
#pragma once

#include <string>
#include <string_view>

#include "config/schema.h"
#include "core/component.h"
#include "core/sink.h"
#include "template/template.h"

namespace logferry::sinks {

class ConsoleSink final : public Sink {
 public:
  static constexpr std::string_view kType = "console";
  static constexpr std::string_view kDoc = "Writes events to stdout, one per line.";
  struct Options {
    std::string encoding = "json";
    Template format;
  };
  static void describe(config::Schema<Options>& s);
  static Result<std::unique_ptr<Sink>> build(const Options& options, BuildContext& ctx);

  ConsoleSink(Options options, int fd) : options_(std::move(options)), fd_(fd) {}
  // Sink
  Delivery send(const EventBatch& batch, const std::stop_token& stop) override;

 private:
  Options options_;
  int fd_;
  std::string buffer_;
};

}  // namespace logferry::sinks
