// file: writes events as lines (text, or Logstash's JSON with `encoding: json`) into files chosen per event by a path template, with an
// open-file limit, idle close, rotation (size, age), retention (count, age) and compression of
// rotated files. A batch is acknowledged only once its lines are written (and fsync'd when
// `fsync: batch`). See docs/file_sink.md.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/schema.h"
#include "config/values.h"
#include "core/component.h"
#include "core/log.h"
#include "core/sink.h"
#include "io/rotating_file_set.h"
#include "sinks/file/path_template.h"
#include "sinks/file/traditional_format.h"
#include "template/template.h"

namespace logferry::sinks {

class FileSink final : public Sink {
 public:
  static constexpr std::string_view kType = "file";
  static constexpr std::string_view kDoc =
      "Writes lines to files by path template; rotation, retention, compression.";
  struct Rotate {
    config::ByteSize max_size;              // 0 = no size limit
    config::Duration max_age{0};            // age of the current file; 0 = none
    static void describe(config::Schema<Rotate>& s);
  };
  struct Retention {
    int64_t max_files = 0;                  // rotated files kept per file; 0 = all
    config::Duration max_age{0};            // rotated files older than this go; 0 = never
    static void describe(config::Schema<Retention>& s);
  };
  struct Options {
    std::string path;
    std::string encoding = "text";          // json: Logstash's json_lines codec
    Template format;                        // empty: the rsyslog traditional file format
    Rotate rotate;
    Retention retention;
    std::string compress = "none";
    int64_t max_open_files = 256;
    config::Duration idle_timeout = std::chrono::seconds(60);
    std::string dir_mode = "0755";
    std::string file_mode = "0640";
    std::string fsync = "never";
    config::Duration fsync_interval = std::chrono::seconds(1);
  };
  static void describe(config::Schema<Options>& s);
  static Result<std::unique_ptr<Sink>> build(const Options& options, BuildContext& ctx);

  struct Counters {
    Counter* dropped = nullptr;  // events whose rendered path can never be written
  };
  // format: the text line template; none: the traditional format, or JSON with `json`.
  FileSink(PathTemplate path, std::optional<Template> format, std::string node_name,
           io::RotatingFileSetOptions file_options, const Clock& clock,
           io::RotatingFileSetCounters file_counters, Counters counters, bool json = false);

  // Sink
  Delivery send(const EventBatch& batch, const std::stop_token& stop) override;
  void flush() override;
  std::string retry_reason() const override { return last_error_; }

  io::RotatingFileSet& files() { return files_; }

 private:
  PathTemplate path_;
  std::optional<Template> format_;
  bool json_;
  TraditionalFormat traditional_;
  const Clock& clock_;
  io::RotatingFileSet files_;
  Counters counters_;
  std::string path_buffer_;
  std::string line_buffer_;
  Timestamp last_tick_;
  RateLimitedLog problem_log_;
  std::string last_error_;  // why the last send() returned kRetry
};

// "0640" -> 0640; nullopt unless 1-4 octal digits.
std::optional<mode_t> parse_file_mode(std::string_view text);

}  // namespace logferry::sinks
