#include "sources/file/file_source.h"

#include <filesystem>

namespace logferry::sources {

namespace {

constexpr std::string_view kNoCheckpoints = "/dev/null";

TailingTraits file_traits(std::filesystem::path checkpoint_file) {
  TailingTraits t;
  t.type = "file";
  t.metric_prefix = "logferry_file_source_";
  // Compressed rotations (logrotate's `compress`) are new inodes holding old lines, in binary.
  t.skip_suffixes = {".gz", ".bz2", ".xz", ".zst", ".lz4", ".zip"};
  t.exclude_names = true;
  t.checkpoint_file = std::move(checkpoint_file);
  return t;
}

}  // namespace

void FileSource::describe(config::Schema<Options>& s) {
  describe_tailing(s);
  s.field("encoding", &Options::encoding).one_of({"utf-8"})
      .doc("Character set of the files; only utf-8 so far (bytes pass through unaltered).");
  s.field("checkpoint_file", &Options::checkpoint_file)
      .doc("Where positions are kept (default `<data_dir>/checkpoints`); `/dev/null` keeps "
           "them in memory only, so a restart starts over as `read_from` says.");
}

Result<std::unique_ptr<Source>> FileSource::build(const Options& options, BuildContext& ctx) {
  std::filesystem::path checkpoints = ctx.data_dir / "checkpoints";
  if (options.checkpoint_file == kNoCheckpoints)
    checkpoints.clear();
  else if (!options.checkpoint_file.empty())
    checkpoints = ctx.resolve(options.checkpoint_file);
  if (!checkpoints.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(checkpoints.parent_path(), ec);
    if (ec)
      return unexpected(ErrorCode::kPermissionDenied, "cannot create " +
                                                          checkpoints.parent_path().string() +
                                                          ": " + ec.message());
  }
  return std::unique_ptr<Source>(std::make_unique<FileSource>(options, checkpoints, ctx));
}

FileSource::FileSource(const Options& options, std::filesystem::path checkpoint_file,
                       BuildContext& ctx)
    : host_(ctx.node_name),
      clock_(ctx.clock),
      max_line_bytes_(options.max_line_bytes.bytes),
      tailing_(options, file_traits(std::move(checkpoint_file)), ctx, *this) {}

void FileSource::on_open(TailedFile& f) {
  // Events refer to the path; every batch holding one of them keeps it alive.
  f.retained = std::make_shared<const std::string>(f.path);
}

void FileSource::on_line(TailedFile& f, std::string_view line, uint64_t) {
  bool cut = line.size() > max_line_bytes_;
  if (cut) line = line.substr(0, max_line_bytes_);
  Event& e = tailing_.add_event(f);
  const auto& path = *static_cast<const std::string*>(f.retained.get());
  auto& fields = e.root().fields;
  fields.reserve(cut ? 5 : 4);
  fields.push_back({"message", e.string_value(line)});
  fields.push_back({"path", Value::string(path)});
  fields.push_back({"host", Value::string(host_)});
  fields.push_back({"@timestamp", Value::timestamp(clock_.now())});
  if (cut) {
    fields.push_back({"truncated", Value::boolean(true)});
    tailing_.truncated_lines().add();
  }
}

}  // namespace logferry::sources
