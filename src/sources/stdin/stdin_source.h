// stdin: one event per line of standard input (`message`, `host`). Returns at end of input,
// after which the pipeline drains and `logferry run` exits.
#pragma once

#include <string>
#include <string_view>

#include "config/schema.h"
#include "core/component.h"
#include "core/source.h"

namespace logferry::sources {

class StdinSource final : public Source {
 public:
  static constexpr std::string_view kType = "stdin";
  static constexpr std::string_view kDoc = "Reads lines from standard input.";
  struct Options {
    int64_t max_line_bytes = 1024 * 1024;
  };
  static void describe(config::Schema<Options>& s);
  static Result<std::unique_ptr<Source>> build(const Options& options, BuildContext& ctx);

  StdinSource(Options options, int fd, std::string host, Counter& truncated)
      : options_(options), fd_(fd), host_(std::move(host)), truncated_(truncated) {}
  // Source
  void run(SourceContext& ctx) override;

 private:
  void emit_line(EventBatch& batch, std::string_view line);
  Options options_;
  int fd_;
  std::string host_;
  Counter& truncated_;
};

}  // namespace logferry::sources
