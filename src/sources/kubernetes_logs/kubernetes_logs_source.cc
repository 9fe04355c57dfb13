#include "sources/kubernetes_logs/kubernetes_logs_source.h"

#include <filesystem>

#include "kubernetes/api_objects.h"
#include "sources/kubernetes_logs/path_metadata.h"

namespace logferry::sources {

using k8s::LineJoiner;
using k8s::LogLine;

namespace {

constexpr std::string_view kStdout = "stdout";
constexpr std::string_view kStderr = "stderr";

enum class Format : unsigned char { kUnknown, kCri, kDocker };


TailingTraits kubernetes_traits(const BuildContext& ctx) {
  TailingTraits t;
  t.type = "kubernetes_logs";
  t.metric_prefix = "logferry_kubernetes_logs_";
  // Kubelet's compressed and temporary rotation files are new inodes with old content.
  t.skip_suffixes = {".gz", ".tmp", ".zst"};
  t.checkpoint_file = ctx.data_dir / "checkpoints";
  t.buffer_padding = simdjson::SIMDJSON_PADDING;  // Docker lines are parsed in place
  return t;
}

}  // namespace

// Strings every event of a file refers to; batches retain it, events only hold views.
struct KubernetesLogsSource::FileMeta {
  std::string source, namespace_name, pod, container, container_id, pod_uid, host;
};

struct KubernetesLogsSource::FileState final : TailedFileExtension {
  explicit FileState(std::size_t max_line) : joiner(max_line) {}
  std::shared_ptr<const FileMeta> meta;
  LineJoiner joiner;
  Format format = Format::kUnknown;
};

void KubernetesLogsSource::describe(config::Schema<Options>& s) {
  describe_tailing(s);
  s.field("exclude_namespaces", &Options::exclude_namespaces)
      .doc("Files of pods in these namespaces are not read (a trailing `*` matches a prefix).");
  s.field("exclude_pod_annotation", &Options::exclude_pod_annotation)
      .doc("Files of pods with this annotation set to \"true\" (e.g. logferry.io/exclude) are not "
           "read; needs the API server (pods watched as kubernetes_metadata does). Empty: off.");
  s.field("kubeconfig", &Options::kubeconfig)
      .doc("For exclude_pod_annotation: a kubeconfig file; empty: the in-cluster service account.");
}

Result<std::unique_ptr<Source>> KubernetesLogsSource::build(const Options& options,
                                                             BuildContext& ctx) {
  std::error_code ec;
  std::filesystem::create_directories(ctx.data_dir, ec);
  if (ec)
    return unexpected(ErrorCode::kPermissionDenied,
                      "cannot create " + ctx.data_dir.string() + ": " + ec.message());
  auto source = std::make_unique<KubernetesLogsSource>(options, ctx);
  if (!options.exclude_pod_annotation.empty()) {
    auto api = logferry::k8s::KubeApiConfig::load(ctx.resolve(options.kubeconfig), ctx.data_dir / "kubeconfig");
    if (!api) return unexpected(api.error());
    logferry::k8s::MetadataWatcher::Settings settings;
    settings.api = *api;
    settings.node_name = ctx.node_name;
    source->pods_ = logferry::k8s::MetadataWatcher::shared(settings, ctx.metrics);
    source->pods_->wait_synced(std::chrono::seconds(2));  // pods of before the start are known
  }
  return std::unique_ptr<Source>(std::move(source));
}

KubernetesLogsSource::KubernetesLogsSource(Options options, BuildContext& ctx)
    : host_(ctx.node_name),
      clock_(ctx.clock),
      max_line_bytes_(options.max_line_bytes.bytes),
      malformed_(ctx.metrics.counter("logferry_kubernetes_logs_malformed_lines_total",
                                     "Lines that were neither CRI nor Docker json-file (kept raw)",
                                     ctx.labels())),
      exclude_namespaces_(options.exclude_namespaces),
      exclude_annotation_(options.exclude_pod_annotation),
      files_excluded_(ctx.metrics.counter("logferry_kubernetes_logs_files_excluded_total",
                                          "Container logs not read: excluded namespace or pod annotation",
                                          ctx.labels())),
      tailing_(options, kubernetes_traits(ctx), ctx, *this) {}

bool KubernetesLogsSource::excluded(const std::string& path) {
  if (exclude_namespaces_.empty() && pods_ == nullptr) return false;
  k8s::PodMetadata pm = k8s::parse_path_metadata(path, path);
  bool out = logferry::k8s::matches_any(pm.namespace_name, exclude_namespaces_);
  if (!out && pods_ != nullptr) {
    auto pod = pods_->cache().pod(pm.namespace_name, pm.pod);
    out = pod != nullptr && logferry::k8s::annotated_true(*pod, exclude_annotation_);
  }
  if (!out) {
    excluded_paths_.erase(path);
    return false;
  }
  if (excluded_paths_.size() > 100'000) excluded_paths_.clear();  // bounded; at worst counted again
  if (excluded_paths_.insert(path).second) files_excluded_.add();
  return true;
}

void KubernetesLogsSource::on_open(TailedFile& f) {
  k8s::PodMetadata pm = k8s::parse_path_metadata(f.path, f.real_path);
  auto meta = std::make_shared<FileMeta>();
  meta->source = f.path;
  meta->namespace_name = std::move(pm.namespace_name);
  meta->pod = std::move(pm.pod);
  meta->container = std::move(pm.container);
  meta->container_id = std::move(pm.container_id);
  meta->pod_uid = std::move(pm.pod_uid);
  meta->host = host_;
  auto state = std::make_unique<FileState>(max_line_bytes_);
  state->meta = meta;
  f.retained = std::move(meta);
  f.extension = std::move(state);
}

void KubernetesLogsSource::on_line(TailedFile& f, std::string_view line, uint64_t start) {
  if (line.empty()) return;  // not a record in either format; nothing to keep
  FileState& s = f.extension_as<FileState>();
  if (s.format == Format::kUnknown) s.format = line[0] == '{' ? Format::kDocker : Format::kCri;
  LogLine parsed;
  bool ok = s.format == Format::kCri ? k8s::parse_cri_line(line, parsed, timestamps_)
                                     : docker_.parse(line, /*padded=*/true, parsed);
  if (!ok) {
    malformed_.add();
    bad_line_log_.warn("kubernetes_logs: {}: line at offset {} is not {} (kept as is)", f.path,
                       start, s.format == Format::kCri ? "CRI" : "Docker json-file");
    bool cut = line.size() > max_line_bytes_;
    if (cut) line = line.substr(0, max_line_bytes_);
    emit(f, line, nullptr, clock_.now(), cut || f.skipping);
    return;
  }
  LineJoiner::Joined joined;
  if (!s.joiner.add(parsed, start, joined)) return;
  const std::string_view* stream = parsed.stream == k8s::StreamKind::kStdout ? &kStdout : &kStderr;
  emit(f, joined.content, stream, joined.time, joined.truncated);
  s.joiner.release_idle_buffers();  // the joined text is in the batch now
}

void KubernetesLogsSource::emit(TailedFile& f, std::string_view content,
                                const std::string_view* stream, Timestamp time, bool truncated) {
  Event& e = tailing_.add_event(f);
  Arena& arena = tailing_.batch().arena();
  const FileMeta& m = *f.extension_as<FileState>().meta;
  auto& fields = e.root().fields;
  fields.reserve(8);
  fields.push_back({"log", Value::string(arena.copy(content))});
  if (stream != nullptr) fields.push_back({"stream", Value::string(*stream)});
  fields.push_back({"@timestamp", Value::timestamp(time)});
  Object* k = e.new_object();
  k->fields.reserve(5);
  if (!m.namespace_name.empty()) k->fields.push_back({"namespace", Value::string(m.namespace_name)});
  if (!m.pod.empty()) k->fields.push_back({"pod", Value::string(m.pod)});
  if (!m.container.empty()) k->fields.push_back({"container", Value::string(m.container)});
  if (!m.container_id.empty()) k->fields.push_back({"container_id", Value::string(m.container_id)});
  if (!m.pod_uid.empty()) k->fields.push_back({"pod_uid", Value::string(m.pod_uid)});
  fields.push_back({"kubernetes", Value::object(k)});
  fields.push_back({"source", Value::string(m.source)});
  fields.push_back({"host", Value::string(m.host)});
  if (truncated) {
    fields.push_back({"truncated", Value::boolean(true)});
    tailing_.truncated_lines().add();
  }
}

void KubernetesLogsSource::on_truncated(TailedFile& f) { f.extension_as<FileState>().joiner.reset(); }

void KubernetesLogsSource::on_finished(TailedFile& f) {
  LineJoiner& joiner = f.extension_as<FileState>().joiner;
  for (auto stream : {k8s::StreamKind::kStdout, k8s::StreamKind::kStderr}) {
    LineJoiner::Joined joined;
    if (joiner.flush(stream, joined))
      emit(f, joined.content, stream == k8s::StreamKind::kStdout ? &kStdout : &kStderr,
           joined.time, joined.truncated);
  }
}

bool KubernetesLogsSource::pending(const TailedFile& f) const {
  return f.extension_as<FileState>().joiner.pending();
}

uint64_t KubernetesLogsSource::resume_offset(const TailedFile& f, uint64_t next) const {
  return f.extension_as<FileState>().joiner.resume_offset(next);
}

}  // namespace logferry::sources
