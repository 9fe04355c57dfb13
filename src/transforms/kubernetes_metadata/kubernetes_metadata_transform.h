// kubernetes_metadata: adds the pod's labels and annotations, its namespace's labels, its node
// and its owning workload to each event of a container log, from the API server (list + watch
// of this node's pods, on the watcher's own threads: MetadataWatcher).
//
// Never blocks the pipeline: an event whose pod is not (yet) known passes with the fields it
// has and is counted; once the pod is in the cache its later events carry the labels. The
// values are views into the cache's immutable records, retained by the batch, so enriching an
// event copies no string.
//
// Events of pods annotated `exclude_annotation: "true"` or in `exclude_namespaces` are dropped
// (counted).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/schema.h"
#include "config/values.h"
#include "core/component.h"
#include "core/metrics.h"
#include "core/transform.h"
#include "kubernetes/metadata_watcher.h"

namespace logferry::transforms {

class KubernetesMetadataTransform final : public Transform {
 public:
  static constexpr std::string_view kType = "kubernetes_metadata";
  static constexpr std::string_view kDoc =
      "Pod labels and annotations, namespace labels, node and owner, from the API server (watched, cached).";
  struct Options {
    std::string kubeconfig;
    std::string node_name;
    std::string namespace_field = "kubernetes.namespace";
    std::string pod_field = "kubernetes.pod";
    bool labels = true;
    bool annotations = true;
    bool namespace_labels = true;
    std::vector<std::string> include_labels, exclude_labels, include_annotations, exclude_annotations;
    std::string exclude_annotation = "logferry.io/exclude";
    std::vector<std::string> exclude_namespaces;
    config::Duration delete_grace{60'000};
    int64_t max_pods = 10'000;
    config::Duration sync_timeout{2'000};
    config::Duration watch_timeout{300'000};
  };
  static void describe(config::Schema<Options>& s);
  static Result<std::unique_ptr<Transform>> build(const Options& options, BuildContext& ctx);

  struct Counters {
    Counter& enriched;
    Counter& unmatched;
    Counter& excluded;
  };
  KubernetesMetadataTransform(const Options& options, std::shared_ptr<k8s::MetadataWatcher> watcher,
                              Counters counters);
  void apply(EventBatch& batch) override;

 private:
  // Which keys of a map to copy: `include` (empty: all) minus `exclude`; a trailing `*` matches
  // a prefix.
  struct KeyFilter {
    bool enabled = true;
    std::vector<std::string> include, exclude;
    bool admits(std::string_view key) const;
  };
  enum class Verdict { kEnriched, kUnmatched, kDrop };
  Verdict enrich(Event& e, EventBatch& batch);
  const k8s::PodMetadata* lookup(std::string_view ns, std::string_view pod, EventBatch& batch);
  const k8s::NamespaceMetadata* lookup_namespace(std::string_view ns, EventBatch& batch);
  Object& kubernetes_object(Event& e) const;
  Object* map_of(const Event& e, const k8s::StringPairs& pairs, const KeyFilter& filter) const;
  bool excluded(const k8s::PodMetadata& pod) const;

  std::shared_ptr<k8s::MetadataWatcher> watcher_;
  Counters counters_;
  FieldPath namespace_field_, pod_field_;
  FieldPath kubernetes_path_;
  KeyFilter labels_, annotations_, namespace_labels_;
  std::string exclude_annotation_;
  std::vector<std::string> exclude_namespaces_;
  // The last lookup, reused while the cache has not changed (a file's lines come in runs).
  uint64_t generation_ = 0;
  std::string last_ns_, last_pod_;
  std::shared_ptr<const k8s::PodMetadata> pod_;
  std::shared_ptr<const k8s::NamespaceMetadata> namespace_;
  // Batches are pooled, so "retained in this batch" is told by a count of apply() calls.
  uint64_t batch_seq_ = 0, pod_retained_seq_ = 0, namespace_retained_seq_ = 0;
};

}  // namespace logferry::transforms
