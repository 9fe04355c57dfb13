// file: tails plain text files found by globs, one event per line (`message`, `path`,
// `host`, `@timestamp`), as Logstash's file input in tail mode. Finding, reading, following
// rotation and checkpointing are FileTailing's (sources/common/file_tailing.h), shared with
// kubernetes_logs; this source only turns each line into an event.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "config/schema.h"
#include "core/component.h"
#include "core/source.h"
#include "sources/common/file_tailing.h"

namespace logferry::sources {

class FileSource final : public Source, private TailHandler {
 public:
  static constexpr std::string_view kType = "file";
  static constexpr std::string_view kDoc =
      "Tails plain text files (globs), one event per line; follows rotation, checkpoints.";
  struct Options : TailingOptions {
    Options() { max_open_files = 4096; }
    std::string encoding = "utf-8";
    std::string checkpoint_file;  // "": <data_dir>/checkpoints; /dev/null: not kept
  };
  static void describe(config::Schema<Options>& s);
  static Result<std::unique_ptr<Source>> build(const Options& options, BuildContext& ctx);

  FileSource(const Options& options, std::filesystem::path checkpoint_file, BuildContext& ctx);

  // Source
  void run(SourceContext& ctx) override { tailing_.run(ctx); }
  void interrupt() override { tailing_.interrupt(); }
  void on_drained() override { tailing_.on_drained(); }

 private:
  // TailHandler
  void on_open(TailedFile& f) override;
  void on_line(TailedFile& f, std::string_view line, uint64_t start) override;

  std::string host_;
  const Clock& clock_;
  std::size_t max_line_bytes_;
  FileTailing tailing_;  // last: it refers to this handler
};

}  // namespace logferry::sources
