// kubernetes_logs: tails the container logs kubelet leaves on a node (CRI or Docker json-file,
// detected per file), joins partial lines, adds pod metadata from the paths, follows kubelet's
// rotation, and checkpoints how far every file has been delivered (at least once).
//
// Finding, reading, following and checkpointing the files is FileTailing's
// (sources/common/file_tailing.h, shared with the `file` source); this source is its
// TailHandler: it parses each line (CRI or Docker), joins partial lines and builds the events.
//
// Excluded files (`exclude_namespaces`; pods annotated `exclude_pod_annotation: "true"`, known
// from the API server's pod list) are not opened at all. A pod the cache does not know (yet)
// is read: exclusion never costs a line of a pod that is not excluded.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "config/schema.h"
#include "core/component.h"
#include "core/log.h"
#include "core/source.h"
#include "kubernetes/metadata_watcher.h"
#include "sources/common/file_tailing.h"
#include "sources/kubernetes_logs/cri_parser.h"
#include "sources/kubernetes_logs/docker_parser.h"
#include "sources/kubernetes_logs/line_joiner.h"

namespace logferry::sources {

class KubernetesLogsSource final : public Source, private TailHandler {
 public:
  static constexpr std::string_view kType = "kubernetes_logs";
  static constexpr std::string_view kDoc =
      "Tails Kubernetes container logs (CRI, Docker json-file), follows rotation, checkpoints.";
  struct Options : TailingOptions {
    Options() {
      include = {"/var/log/containers/*.log"};
      max_open_files = 256;  // a busy node has thousands of container logs
    }
    std::vector<std::string> exclude_namespaces;
    std::string exclude_pod_annotation;  // empty: no API connection
    std::string kubeconfig;
  };
  static void describe(config::Schema<Options>& s);
  static Result<std::unique_ptr<Source>> build(const Options& options, BuildContext& ctx);

  KubernetesLogsSource(Options options, BuildContext& ctx);

  // Source
  void run(SourceContext& ctx) override { tailing_.run(ctx); }
  void interrupt() override { tailing_.interrupt(); }
  void on_drained() override { tailing_.on_drained(); }

 private:
  struct FileMeta;
  struct FileState;

  // TailHandler
  void on_open(TailedFile& f) override;
  void on_line(TailedFile& f, std::string_view line, uint64_t start) override;
  void on_truncated(TailedFile& f) override;
  void on_finished(TailedFile& f) override;
  bool pending(const TailedFile& f) const override;
  uint64_t resume_offset(const TailedFile& f, uint64_t next) const override;
  bool excluded(const std::string& path) override;

  void emit(TailedFile& f, std::string_view content, const std::string_view* stream, Timestamp time,
            bool truncated);

  std::string host_;
  const Clock& clock_;
  std::size_t max_line_bytes_;
  k8s::TimestampParser timestamps_;
  k8s::DockerLineParser docker_;
  Counter& malformed_;
  // Exclusion: by namespace (from the path), by pod annotation (the API's pod cache).
  std::vector<std::string> exclude_namespaces_;
  std::string exclude_annotation_;
  std::shared_ptr<logferry::k8s::MetadataWatcher> pods_;
  Counter& files_excluded_;
  std::unordered_set<std::string> excluded_paths_;  // counted once each
  RateLimitedLog bad_line_log_;
  FileTailing tailing_;  // last: it refers to this handler and its counters
};

}  // namespace logferry::sources
