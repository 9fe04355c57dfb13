#include "kubernetes/api_objects.h"

#include <algorithm>

namespace logferry::k8s {

namespace {

std::string string_at(simdjson::dom::element e, std::string_view pointer) {
  std::string_view s;
  return e.at_pointer(pointer).get(s) == simdjson::SUCCESS ? std::string(s) : std::string();
}

StringPairs string_map(simdjson::dom::element e, std::string_view pointer) {
  StringPairs out;
  simdjson::dom::object obj;
  if (e.at_pointer(pointer).get(obj) != simdjson::SUCCESS) return out;
  for (auto field : obj) {
    std::string_view value;
    if (field.value.get(value) == simdjson::SUCCESS) out.emplace_back(std::string(field.key), std::string(value));
  }
  return out;
}

std::string_view label(const StringPairs& labels, std::string_view key) {
  for (const auto& [k, v] : labels) {
    if (k == key) return v;
  }
  return {};
}

bool ends_with_suffix(std::string_view name, std::string_view suffix) {
  return !suffix.empty() && name.size() > suffix.size() + 1 && name.ends_with(suffix) &&
         name[name.size() - suffix.size() - 1] == '-';
}

// A scheduled time in minutes since the epoch, as the cronjob controller appends it: digits
// only, and a minute between 2014 and 2065, so that `backup-7` stays a Job.
bool is_schedule_minute(std::string_view s) {
  if (s.size() < 8 || s.size() > 9 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  long minute = std::stol(std::string(s));
  return minute >= 23'000'000 && minute < 50'000'000;
}

}  // namespace

void resolve_owner(PodMetadata& pod, std::string_view kind, std::string_view name) {
  pod.owner_kind = kind;
  pod.owner_name = name;
  if (kind == "ReplicaSet") {
    std::string_view hash = label(pod.labels, "pod-template-hash");
    if (ends_with_suffix(name, hash)) {
      pod.owner_kind = "Deployment";
      pod.owner_name = name.substr(0, name.size() - hash.size() - 1);
    }
  } else if (kind == "Job") {
    std::size_t dash = name.rfind('-');
    if (dash != std::string_view::npos && dash > 0 && is_schedule_minute(name.substr(dash + 1))) {
      pod.owner_kind = "CronJob";
      pod.owner_name = name.substr(0, dash);
    }
  }
}

std::shared_ptr<PodMetadata> decode_pod(simdjson::dom::element e) {
  auto pod = std::make_shared<PodMetadata>();
  pod->ns = string_at(e, "/metadata/namespace");
  pod->name = string_at(e, "/metadata/name");
  pod->uid = string_at(e, "/metadata/uid");
  pod->node = string_at(e, "/spec/nodeName");
  pod->labels = string_map(e, "/metadata/labels");
  pod->annotations = string_map(e, "/metadata/annotations");
  simdjson::dom::array owners;
  if (e.at_pointer("/metadata/ownerReferences").get(owners) == simdjson::SUCCESS) {
    for (simdjson::dom::element owner : owners) {
      bool controller = false;
      if (owner["controller"].get(controller) != simdjson::SUCCESS) controller = false;
      std::string kind = string_at(owner, "/kind"), name = string_at(owner, "/name");
      if (controller && !kind.empty() && !name.empty()) resolve_owner(*pod, kind, name);
    }
  }
  return pod;
}

bool matches_any(std::string_view name, const std::vector<std::string>& patterns) {
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) {
    if (p.ends_with('*')) return name.starts_with(std::string_view(p).substr(0, p.size() - 1));
    return name == p;
  });
}

bool annotated_true(const PodMetadata& pod, std::string_view key) {
  if (key.empty()) return false;
  for (const auto& [k, v] : pod.annotations) {
    if (k == key) return v == "true";
  }
  return false;
}

std::shared_ptr<NamespaceMetadata> decode_namespace(simdjson::dom::element e) {
  auto ns = std::make_shared<NamespaceMetadata>();
  ns->name = string_at(e, "/metadata/name");
  ns->labels = string_map(e, "/metadata/labels");
  return ns;
}

}  // namespace logferry::k8s
