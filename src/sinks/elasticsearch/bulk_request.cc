#include "sinks/elasticsearch/bulk_request.h"

#include "core/json.h"

namespace logferry::sinks::elasticsearch {

namespace {

const FieldPath& type_path() {
  static const FieldPath p = FieldPath::parse("type");
  return p;
}

void append_member(std::string& out, std::string_view key, std::string_view value) {
  out += ',';
  append_json_string(out, key);
  out += ':';
  append_json_string(out, value);
}

}  // namespace

BulkEncoder::BulkEncoder(ActionConfig config) : config_(std::move(config)) {
  if (config_.action.is_constant() && config_.action.text() == "index") constant_action_ = BulkAction::kIndex;
  if (config_.action.is_constant() && config_.action.text() == "create") constant_action_ = BulkAction::kCreate;
}

void BulkEncoder::append_type(const Event& event, std::string& out) {
  if (config_.document_type) {
    if (major_ >= 8) return;
    scratch_.clear();
    config_.document_type->render(event, scratch_);
    append_member(out, "_type", scratch_);
    return;
  }
  if (major_ >= 7) return;
  if (major_ == 6) {
    append_member(out, "_type", "doc");
    return;
  }
  const Value* t = event.find(type_path());
  append_member(out, "_type", t != nullptr && t->is_string() ? t->as_string() : "doc");
}

std::optional<MappingError> BulkEncoder::encode(const Event& event, std::string& out, BulkItem& item) {
  std::size_t start = out.size();
  if (constant_action_) {
    item.action = *constant_action_;
  } else {
    scratch_.clear();
    config_.action.render(event, scratch_);
    if (scratch_ == "index") {
      item.action = BulkAction::kIndex;
    } else if (scratch_ == "create") {
      item.action = BulkAction::kCreate;
    } else {
      return MappingError{"Elasticsearch doesn't support [" + scratch_ + "] action"};
    }
  }
  out += item.action == BulkAction::kIndex ? "{\"index\":{\"_index\":" : "{\"create\":{\"_index\":";
  scratch_.clear();
  config_.index.render(event, scratch_);
  if (scratch_.find("%{") != std::string::npos) {
    out.resize(start);
    return MappingError{"Badly formatted index, after interpolation still contains placeholder: [" +
                        scratch_ + "]"};
  }
  append_json_string(out, scratch_);
  append_type(event, out);
  auto optional_member = [&](const std::optional<Template>& t, std::string_view key) {
    if (!t) return;
    scratch_.clear();
    t->render(event, scratch_);
    // The plugin treats an empty pipeline as none; an empty _id or routing is sent as is
    // (Elasticsearch then rejects the item, which goes to the dead letter file).
    if (key == "pipeline" && scratch_.empty()) return;
    append_member(out, key, scratch_);
  };
  optional_member(config_.document_id, "_id");
  optional_member(config_.routing, "routing");
  optional_member(config_.pipeline, "pipeline");
  out += "}}\n";
  append_json(out, event, kLogstashDocument);  // matches what Logstash would have indexed
  out += '\n';
  item.offset = static_cast<uint32_t>(start);
  item.size = static_cast<uint32_t>(out.size() - start);
  return std::nullopt;
}

void gather_items(std::string_view buffer, std::span<const BulkItem> items,
                  std::span<const uint32_t> which, std::string& out) {
  out.clear();
  for (uint32_t i : which) out.append(buffer.substr(items[i].offset, items[i].size));
}

}  // namespace logferry::sinks::elasticsearch
