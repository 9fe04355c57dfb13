#include "sinks/file/file_sink.h"

#include "core/json.h"

namespace logferry::sinks {

namespace {

std::optional<io::FsyncPolicy> parse_fsync(std::string_view s) {
  if (s == "never") return io::FsyncPolicy::kNever;
  if (s == "batch") return io::FsyncPolicy::kBatch;
  if (s == "interval") return io::FsyncPolicy::kInterval;
  return std::nullopt;
}

}  // namespace

std::optional<mode_t> parse_file_mode(std::string_view text) {
  if (text.empty() || text.size() > 4) return std::nullopt;
  mode_t mode = 0;
  for (char c : text) {
    if (c < '0' || c > '7') return std::nullopt;
    mode = static_cast<mode_t>(mode * 8 + static_cast<mode_t>(c - '0'));
  }
  return mode;
}

void FileSink::Rotate::describe(config::Schema<Rotate>& s) {
  s.field("max_size", &Rotate::max_size).doc("Rotate the current file before it grows past this.");
  s.field("max_age", &Rotate::max_age).doc("Rotate the current file once it is this old.");
}

void FileSink::Retention::describe(config::Schema<Retention>& s) {
  s.field("max_files", &Retention::max_files).range(0, 1e9)
      .doc("Rotated files kept per file (oldest deleted first); 0 keeps all.");
  s.field("max_age", &Retention::max_age).doc("Delete rotated files rotated longer ago than this.");
}

void FileSink::describe(config::Schema<Options>& s) {
  s.field("path", &Options::path).required()
      .doc("Path template, e.g. /var/log/k8s/%{host}/%{appname}.log; relative to the config file.");
  s.field("encoding", &Options::encoding).one_of({"text", "json"})
      .doc("text: `format` lines; json: each event as one line of Logstash's JSON (its json_lines "
           "codec: no @metadata, @version added).");
  s.field("format", &Options::format)
      .doc("Line template for text; default: rsyslog's traditional file format (see docs/file_sink.md).");
  s.field("rotate", &Options::rotate).doc("{max_size, max_age}: when the current file is rotated.");
  s.field("retention", &Options::retention).doc("{max_files, max_age}: which rotated files are kept.");
  s.field("compress", &Options::compress).one_of({"none", "gzip", "zstd"})
      .doc("Compression of rotated files (in the background).");
  s.field("max_open_files", &Options::max_open_files).range(1, 1'000'000)
      .doc("Open file descriptors kept; the least recently written is closed first.");
  s.field("idle_timeout", &Options::idle_timeout).doc("Close files not written for this long; 0 = never.");
  s.field("dir_mode", &Options::dir_mode).doc("Octal mode of directories created.");
  s.field("file_mode", &Options::file_mode).doc("Octal mode of files created.");
  s.field("fsync", &Options::fsync).one_of({"never", "batch", "interval"})
      .doc("never: written to the kernel; batch: fdatasync before acknowledging; interval: every fsync_interval.");
  s.field("fsync_interval", &Options::fsync_interval).doc("For fsync: interval.");
  s.check([](const Options& o, config::CheckContext& ctx) {
    if (!o.path.empty()) {
      if (auto t = PathTemplate::compile(o.path, "/"); !t) ctx.error("path", t.error().message);
    }
    if (o.encoding == "json" && !o.format.empty()) ctx.error("format", "format is for encoding text");
    if (!parse_file_mode(o.dir_mode)) ctx.error("dir_mode", "must be octal digits like 0755");
    if (!parse_file_mode(o.file_mode)) ctx.error("file_mode", "must be octal digits like 0640");
    if (o.rotate.max_age.count() < 0 || o.retention.max_age.count() < 0 || o.idle_timeout.count() < 0)
      ctx.error("", "durations must not be negative");
  });
}

Result<std::unique_ptr<Sink>> FileSink::build(const Options& o, BuildContext& ctx) {
  auto path = PathTemplate::compile(o.path, ctx.config_dir);
  if (!path) return unexpected(path.error());
  io::RotatingFileSetOptions fo;
  fo.file_mode = parse_file_mode(o.file_mode).value_or(0640);
  fo.dir_mode = parse_file_mode(o.dir_mode).value_or(0755);
  fo.max_open_files = static_cast<std::size_t>(o.max_open_files);
  fo.idle_timeout = o.idle_timeout;
  fo.max_size = o.rotate.max_size.bytes;
  fo.max_age = o.rotate.max_age;
  fo.retention.max_files = o.retention.max_files;
  fo.retention.max_age = o.retention.max_age;
  fo.compression = io::parse_compression(o.compress).value_or(io::Compression::kNone);
  fo.fsync = parse_fsync(o.fsync).value_or(io::FsyncPolicy::kNever);
  fo.fsync_interval = o.fsync_interval;

  auto labels = ctx.labels();
  io::RotatingFileSetCounters fc;
  fc.bytes = &ctx.metrics.counter("logferry_file_bytes_written_total", "Bytes written to files", labels);
  fc.rotations = &ctx.metrics.counter("logferry_file_rotations_total", "Files rotated", labels);
  fc.opened = &ctx.metrics.counter("logferry_file_opens_total", "Files opened", labels);
  fc.write_errors = &ctx.metrics.counter("logferry_file_write_errors_total",
                                         "Failed writes, fsyncs and renames", labels);
  fc.open_files = &ctx.metrics.gauge("logferry_file_open_files", "Files currently open", labels);
  for (std::size_t i = 0; i < io::kFileFaultKinds; ++i) {
    auto fault_labels = labels;
    fault_labels.emplace_back("fault", io::fault_name(static_cast<io::FileFault>(i)));
    fc.faults[i] = &ctx.metrics.counter("logferry_file_faults_total",
                                        "Batches held for retry, by cause (disk_full, permission, "
                                        "read_only, deleted, other)", fault_labels);
  }
  fc.reopened = &ctx.metrics.counter("logferry_file_reopened_total",
                                     "Files renamed or deleted by another program, opened again", labels);
  fc.truncated = &ctx.metrics.counter("logferry_file_truncated_total",
                                      "Files truncated by another program (copytruncate), followed", labels);
  fc.rolled_back = &ctx.metrics.counter("logferry_file_rolled_back_bytes_total",
                                        "Bytes of failed batches cut off the end of files", labels);
  fc.housekeeping.compressed = &ctx.metrics.counter("logferry_file_compressed_total",
                                                    "Rotated files compressed", labels);
  fc.housekeeping.compress_failures = &ctx.metrics.counter(
      "logferry_file_compress_failures_total", "Rotated files left uncompressed after an error", labels);
  fc.housekeeping.deleted = &ctx.metrics.counter("logferry_file_retention_deleted_total",
                                                 "Rotated files deleted by retention", labels);
  Counters counters;
  counters.dropped = &ctx.metrics.counter("logferry_file_events_dropped_total",
                                          "Events whose path can never be written", labels);
  std::optional<Template> format;
  if (!o.format.empty()) format = o.format;
  return std::unique_ptr<Sink>(std::make_unique<FileSink>(std::move(*path), std::move(format),
                                                          ctx.node_name, fo, ctx.clock, fc, counters,
                                                          o.encoding == "json"));
}

FileSink::FileSink(PathTemplate path, std::optional<Template> format, std::string node_name,
                   io::RotatingFileSetOptions file_options, const Clock& clock,
                   io::RotatingFileSetCounters file_counters, Counters counters, bool json)
    : path_(std::move(path)),
      format_(std::move(format)),
      json_(json),
      traditional_(std::move(node_name)),
      clock_(clock),
      files_(file_options, clock, file_counters),
      counters_(counters),
      last_tick_(clock.now()) {}

Delivery FileSink::send(const EventBatch& batch, const std::stop_token&) {
  Timestamp now = clock_.now();
  bool path_rendered = false;
  for (const Event& e : batch.events()) {
    if (!path_rendered || !path_.is_constant()) {
      path_.render(e, path_buffer_);
      path_rendered = true;
    }
    line_buffer_.clear();
    if (json_) {
      append_json(line_buffer_, e, kLogstashDocument);
    } else if (format_) {
      format_->render(e, line_buffer_);
    } else {
      traditional_.render(e, now, line_buffer_);
    }
    line_buffer_ += '\n';
    auto r = files_.append(path_buffer_, line_buffer_);
    if (!r) {
      if (r.error().code == ErrorCode::kInvalidArgument) {
        if (counters_.dropped) counters_.dropped->add();
        problem_log_.warn("file sink: event dropped: {}", r.error().message);
        continue;
      }
      files_.discard_pending();
      last_error_ = r.error().message;  // logged by the runtime once per change
      return Delivery::kRetry;
    }
  }
  if (auto r = files_.commit(); !r) {
    files_.discard_pending();
    last_error_ = r.error().message;  // logged by the runtime once per change
    return Delivery::kRetry;
  }
  // A busy pipeline never goes idle: do the housekeeping here too, once a second.
  if (now.ns - last_tick_.ns >= 1'000'000'000) {
    last_tick_ = now;
    files_.tick();
  }
  return Delivery::kDelivered;
}

void FileSink::flush() {
  last_tick_ = clock_.now();
  files_.tick();
}

}  // namespace logferry::sinks
