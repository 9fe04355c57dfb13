#include "transforms/kubernetes_metadata/kubernetes_metadata_transform.h"

#include "kubernetes/api_objects.h"

#include <algorithm>

#include <fmt/format.h>

namespace logferry::transforms {


void KubernetesMetadataTransform::describe(config::Schema<Options>& s) {
  s.field("kubeconfig", &Options::kubeconfig)
      .doc("A kubeconfig file (its current context); empty: the in-cluster service account.");
  s.field("node_name", &Options::node_name)
      .doc("Only this node's pods are watched; empty: $NODE_NAME, else the hostname.");
  s.field("namespace_field", &Options::namespace_field).doc("Field holding the pod's namespace.");
  s.field("pod_field", &Options::pod_field).doc("Field holding the pod's name.");
  s.field("labels", &Options::labels).doc("Add `kubernetes.labels.<key>`.");
  s.field("annotations", &Options::annotations).doc("Add `kubernetes.annotations.<key>`.");
  s.field("namespace_labels", &Options::namespace_labels)
      .doc("Add `kubernetes.namespace_labels.<key>`.");
  s.field("include_labels", &Options::include_labels)
      .doc("Only these label keys (a trailing `*` matches a prefix); empty: all.");
  s.field("exclude_labels", &Options::exclude_labels).doc("Label keys left out (trailing `*`: prefix).");
  s.field("include_annotations", &Options::include_annotations)
      .doc("Only these annotation keys (a trailing `*` matches a prefix); empty: all.");
  s.field("exclude_annotations", &Options::exclude_annotations)
      .doc("Annotation keys left out (trailing `*`: prefix).");
  s.field("exclude_annotation", &Options::exclude_annotation)
      .doc("Events of pods with this annotation set to \"true\" are dropped (counted); empty: none.");
  s.field("exclude_namespaces", &Options::exclude_namespaces)
      .doc("Events of pods in these namespaces are dropped (counted).");
  s.field("delete_grace", &Options::delete_grace)
      .doc("A deleted pod stays in the cache this long: its last lines are read after it is gone.");
  s.field("max_pods", &Options::max_pods).range(1, 10'000'000).doc("Pods in the cache at most.");
  s.field("sync_timeout", &Options::sync_timeout)
      .doc("At start, wait this long at most for the first list of pods (0: do not wait).");
  s.field("watch_timeout", &Options::watch_timeout)
      .doc("A watch is ended and resumed after this long (timeoutSeconds), as client-go does.");
  s.check([](const Options& o, config::CheckContext& ctx) {
    if (o.watch_timeout.count() < 1000) ctx.error("watch_timeout", "must be at least 1s");
    if (o.sync_timeout.count() < 0) ctx.error("sync_timeout", "must not be negative");
  });
}

Result<std::unique_ptr<Transform>> KubernetesMetadataTransform::build(const Options& options,
                                                                      BuildContext& ctx) {
  auto api = k8s::KubeApiConfig::load(ctx.resolve(options.kubeconfig), ctx.data_dir / "kubeconfig");
  if (!api) return unexpected(api.error());
  k8s::MetadataWatcher::Settings settings{
      .api = *api,
      .node_name = options.node_name.empty() ? ctx.node_name : options.node_name,
      .cache = {.max_pods = static_cast<std::size_t>(options.max_pods), .delete_grace = options.delete_grace},
      .watch_timeout_s = static_cast<int>(options.watch_timeout.count() / 1000),
  };
  auto watcher = k8s::MetadataWatcher::shared(settings, ctx.metrics);
  watcher->wait_synced(options.sync_timeout);
  auto l = ctx.labels();
  Counters c{
      ctx.metrics.counter("logferry_kubernetes_metadata_events_enriched_total",
                          "Events given their pod's metadata", l),
      ctx.metrics.counter("logferry_kubernetes_metadata_events_unmatched_total",
                          "Events passed without metadata: no namespace/pod field, or the pod is "
                          "not (yet) known (API slow or down)", l),
      ctx.metrics.counter("logferry_kubernetes_metadata_events_excluded_total",
                          "Events dropped: their pod has the exclude annotation or is in an excluded namespace",
                          l)};
  return std::unique_ptr<Transform>(
      std::make_unique<KubernetesMetadataTransform>(options, std::move(watcher), c));
}

KubernetesMetadataTransform::KubernetesMetadataTransform(const Options& o,
                                                         std::shared_ptr<k8s::MetadataWatcher> watcher,
                                                         Counters counters)
    : watcher_(std::move(watcher)),
      counters_(counters),
      namespace_field_(FieldPath::parse(o.namespace_field)),
      pod_field_(FieldPath::parse(o.pod_field)),
      kubernetes_path_(FieldPath::parse("[kubernetes]")),
      labels_{o.labels, o.include_labels, o.exclude_labels},
      annotations_{o.annotations, o.include_annotations, o.exclude_annotations},
      namespace_labels_{o.namespace_labels, o.include_labels, o.exclude_labels},
      exclude_annotation_(o.exclude_annotation),
      exclude_namespaces_(o.exclude_namespaces) {}

bool KubernetesMetadataTransform::KeyFilter::admits(std::string_view key) const {
  return (include.empty() || k8s::matches_any(key, include)) && !k8s::matches_any(key, exclude);
}

void KubernetesMetadataTransform::apply(EventBatch& batch) {
  ++batch_seq_;
  uint64_t enriched = 0, unmatched = 0, excluded = 0;
  auto& events = batch.events();
  auto kept = events.begin();
  for (auto it = events.begin(); it != events.end(); ++it) {
    Verdict v = enrich(*it, batch);
    if (v == Verdict::kDrop) {
      ++excluded;
      continue;
    }
    ++(v == Verdict::kEnriched ? enriched : unmatched);
    if (kept != it) *kept = std::move(*it);
    ++kept;
  }
  events.erase(kept, events.end());
  counters_.enriched.add(enriched);
  counters_.unmatched.add(unmatched);
  counters_.excluded.add(excluded);
}

KubernetesMetadataTransform::Verdict KubernetesMetadataTransform::enrich(Event& e, EventBatch& batch) {
  const Value* ns = e.find(namespace_field_);
  const Value* name = e.find(pod_field_);
  if (ns == nullptr || name == nullptr || !ns->is_string() || !name->is_string()) {
    return Verdict::kUnmatched;
  }
  if (k8s::matches_any(ns->as_string(), exclude_namespaces_)) return Verdict::kDrop;
  const k8s::PodMetadata* pod = lookup(ns->as_string(), name->as_string(), batch);
  if (pod == nullptr) return Verdict::kUnmatched;
  if (excluded(*pod)) return Verdict::kDrop;
  // One walk to `kubernetes`, then its children set directly (a path walk per field was
  // most of this transform's cost).
  Object& k = kubernetes_object(e);
  if (labels_.enabled) k.set("labels", Value::object(map_of(e, pod->labels, labels_)));
  if (annotations_.enabled) k.set("annotations", Value::object(map_of(e, pod->annotations, annotations_)));
  if (namespace_labels_.enabled) {
    if (const auto* n = lookup_namespace(pod->ns, batch)) {
      k.set("namespace_labels", Value::object(map_of(e, n->labels, namespace_labels_)));
    }
  }
  if (!pod->node.empty()) k.set("node", Value::string(pod->node));
  if (!pod->owner_kind.empty()) {
    Object* owner = e.new_object();
    owner->fields.reserve(2);
    owner->fields.push_back({"kind", Value::string(pod->owner_kind)});
    owner->fields.push_back({"name", Value::string(pod->owner_name)});
    k.set("owner", Value::object(owner));
  }
  return Verdict::kEnriched;
}

const k8s::PodMetadata* KubernetesMetadataTransform::lookup(std::string_view ns, std::string_view pod,
                                                            EventBatch& batch) {
  uint64_t generation = watcher_->cache().generation();
  if (generation != generation_ || ns != last_ns_ || pod != last_pod_) {
    generation_ = generation;
    last_ns_.assign(ns);
    last_pod_.assign(pod);
    auto found = watcher_->cache().pod(ns, pod);
    if (found != pod_) pod_retained_seq_ = 0;
    pod_ = std::move(found);
    namespace_ = nullptr;
  }
  if (pod_ != nullptr && pod_retained_seq_ != batch_seq_) {
    batch.retain(pod_);  // the event's values view the record's strings
    pod_retained_seq_ = batch_seq_;
  }
  return pod_.get();
}

const k8s::NamespaceMetadata* KubernetesMetadataTransform::lookup_namespace(std::string_view ns,
                                                                            EventBatch& batch) {
  if (namespace_ == nullptr) {
    namespace_ = watcher_->cache().find_namespace(ns);
    namespace_retained_seq_ = 0;
  }
  if (namespace_ != nullptr && namespace_retained_seq_ != batch_seq_) {
    batch.retain(namespace_);
    namespace_retained_seq_ = batch_seq_;
  }
  return namespace_.get();
}

Object& KubernetesMetadataTransform::kubernetes_object(Event& e) const {
  Value* v = e.find(kubernetes_path_);
  if (v != nullptr && v->is_object()) return *v->as_object();
  Object* o = e.new_object();
  e.set(kubernetes_path_, Value::object(o));
  return *o;
}

Object* KubernetesMetadataTransform::map_of(const Event& e, const k8s::StringPairs& pairs,
                                            const KeyFilter& filter) const {
  Object* o = e.new_object();
  o->fields.reserve(pairs.size());
  for (const auto& [k, v] : pairs) {
    if (filter.admits(k)) o->fields.push_back({k, Value::string(v)});
  }
  return o;
}

bool KubernetesMetadataTransform::excluded(const k8s::PodMetadata& pod) const {
  return k8s::annotated_true(pod, exclude_annotation_);
}

}  // namespace logferry::transforms
