#include "kubernetes/resource_watch.h"

#include "core/log.h"

namespace logferry::k8s {

namespace {

// A watch line or list page larger than this ends the request (etcd's object limit is 1.5 MiB;
// a page of 500 pods stays well below it).
constexpr std::size_t kMaxLineBytes = 64u << 20;
constexpr int kPageLimit = 500;

std::string_view string_at(simdjson::dom::element e, std::string_view pointer) {
  std::string_view s;
  return e.at_pointer(pointer).get(s) == simdjson::SUCCESS ? s : std::string_view();
}

}  // namespace

ResourceWatch::ResourceWatch(Target target, KubeApiConfig config, Handlers handlers, Counters counters)
    : target_(std::move(target)), config_(std::move(config)), handlers_(std::move(handlers)),
      counters_(counters) {}

void ResourceWatch::run(std::stop_token stop) {
  std::stop_callback abort_http(stop, [this] {
    http_.abort();
    sleep_cv_.notify_all();
  });
  while (!stop.stop_requested()) {
    if (resource_version_.empty() && !list(stop)) {
      pause(stop);
      continue;
    }
    switch (watch(stop)) {
      case Outcome::kResume: break;
      case Outcome::kRelist:
        counters_.relists.add();
        resource_version_.clear();
        break;
      case Outcome::kFailed: pause(stop); break;
    }
  }
}

bool ResourceWatch::fetch(const std::string& target, std::string& body, long& status) {
  auto request = config_.get(target);
  if (!request) {
    failed(request.error().message);
    return false;
  }
  request->max_response_bytes = kMaxLineBytes;
  request->timeout = std::chrono::seconds(60);
  auto response = http_.send(*request);
  if (!response) {
    failed(response.error().message);
    return false;
  }
  status = response->status;
  body = std::move(response->body);
  return true;
}

bool ResourceWatch::list(std::stop_token& stop) {
  std::string continue_token;
  std::string body;
  handlers_.begin_list();
  while (!stop.stop_requested()) {
    std::string target = target_.path + "?limit=" + std::to_string(kPageLimit);
    if (!target_.selector.empty()) target += "&" + target_.selector;
    if (!continue_token.empty()) target += "&continue=" + net::url_escape(continue_token);
    long status = 0;
    if (!fetch(target, body, status)) return false;
    if (status == 410 && !continue_token.empty()) {  // the continue token expired: start over
      continue_token.clear();
      handlers_.begin_list();
      continue;
    }
    simdjson::dom::element page;
    if (status != 200 || parser_.parse(body).get(page) != simdjson::SUCCESS) {
      failed(fmt::format("list {}: HTTP {} {}", target_.resource, status, body.substr(0, 200)));
      return false;
    }
    simdjson::dom::array items;
    if (page["items"].get(items) == simdjson::SUCCESS) {
      for (simdjson::dom::element item : items) handlers_.listed(item);
    }
    continue_token = std::string(string_at(page, "/metadata/continue"));
    resource_version_ = std::string(string_at(page, "/metadata/resourceVersion"));
    if (continue_token.empty()) break;
  }
  if (stop.stop_requested()) return false;
  if (resource_version_.empty()) {
    failed(fmt::format("list {}: no metadata.resourceVersion in the answer", target_.resource));
    return false;
  }
  handlers_.end_list();
  // A page of 500 pods grew the parser to megabytes; watch lines are one object each.
  parser_ = simdjson::dom::parser();
  recovered();
  return true;
}

ResourceWatch::Outcome ResourceWatch::watch(std::stop_token& stop) {
  std::string target = target_.path + "?watch=1&allowWatchBookmarks=true&resourceVersion=" +
                       net::url_escape(resource_version_) + "&timeoutSeconds=" + std::to_string(watch_timeout_s_);
  if (!target_.selector.empty()) target += "&" + target_.selector;
  auto request = config_.get(target);
  if (!request) {
    failed(request.error().message);
    return Outcome::kFailed;
  }
  request->timeout = std::chrono::seconds(watch_timeout_s_ + 30);
  pending_.clear();
  Outcome outcome = Outcome::kResume;
  std::string error_body;
  auto on_data = [&](std::string_view data) {
    pending_.append(data);
    std::size_t start = 0;
    for (std::size_t nl; (nl = pending_.find('\n', start)) != std::string::npos; start = nl + 1) {
      outcome = on_watch_line(std::string_view(pending_).substr(start, nl - start));
      if (outcome != Outcome::kResume) return false;
    }
    pending_.erase(0, start);
    return pending_.size() <= kMaxLineBytes;
  };
  auto status = http_.stream(*request, on_data);
  if (stop.stop_requested() || outcome != Outcome::kResume) return outcome;
  if (!status) {
    failed(fmt::format("watch {}: {}", target_.resource, status.error().message));
    return Outcome::kFailed;
  }
  if (*status == 410) return Outcome::kRelist;
  if (*status != 200) {
    failed(fmt::format("watch {}: HTTP {} {}", target_.resource, *status, pending_.substr(0, 200)));
    return Outcome::kFailed;
  }
  if (!pending_.empty()) on_watch_line(pending_);  // a last line without its newline
  return Outcome::kResume;
}

ResourceWatch::Outcome ResourceWatch::on_watch_line(std::string_view line) {
  if (line.find_first_not_of(" \r\t") == std::string_view::npos) return Outcome::kResume;
  simdjson::dom::element event;
  if (parser_.parse(line.data(), line.size()).get(event) != simdjson::SUCCESS) {
    failed(fmt::format("watch {}: a line that is not JSON", target_.resource));
    return Outcome::kFailed;
  }
  std::string_view type = string_at(event, "/type");
  simdjson::dom::element object;
  if (event["object"].get(object) != simdjson::SUCCESS) return Outcome::kResume;
  if (type == "ERROR") {
    int64_t code = 0;
    if (object["code"].get(code) != simdjson::SUCCESS) code = 0;
    if (code == 410) return Outcome::kRelist;
    failed(fmt::format("watch {}: {}", target_.resource, string_at(object, "/message")));
    return Outcome::kFailed;
  }
  counters_.watch_events.add();
  std::string_view rv = string_at(object, "/metadata/resourceVersion");
  if (!rv.empty()) resource_version_ = std::string(rv);
  if (type == "ADDED" || type == "MODIFIED" || type == "DELETED") {
    handlers_.changed(type, object);
  } else if (type == "BOOKMARK" && handlers_.bookmarked) {
    handlers_.bookmarked();
  }
  recovered();
  return Outcome::kResume;
}

void ResourceWatch::failed(const std::string& why) {
  counters_.request_errors.add();
  if (why != last_error_) {
    log_warn("kubernetes_metadata: {} from {}: {} (retrying; events pass with what is cached)",
             target_.resource, config_.server, why);
    last_error_ = why;
  }
}

void ResourceWatch::recovered() {
  backoff_.reset();
  if (last_error_.empty()) return;
  log_info("kubernetes_metadata: {} from {}: connected again", target_.resource, config_.server);
  last_error_.clear();
}

void ResourceWatch::pause(std::stop_token& stop) {
  std::unique_lock lock(sleep_mu_);
  sleep_cv_.wait_for(lock, stop, backoff_.next(), [] { return false; });
  http_.reset_abort();
  if (stop.stop_requested()) http_.abort();
}

}  // namespace logferry::k8s
