#include "sinks/elasticsearch/bulk_response.h"

#include <simdjson.h>

namespace logferry::sinks::elasticsearch {

namespace {

namespace od = simdjson::ondemand;

Result<bool> fail(std::string_view what) {
  return unexpected(ErrorCode::kDataLoss, "not a bulk response: " + std::string(what));
}

// The action as a view of static text: simdjson unescapes keys into its own buffer, which the
// next parse reuses.
std::string_view intern_action(std::string_view key) {
  for (std::string_view a : {"index", "create", "update", "delete"})
    if (key == a) return a;
  return "unknown";
}

// One item: {"<action>": {"status": N, "error": {...}, ...}}.
bool parse_item(od::value item, BulkItemResult& r) {
  od::object outer;
  if (item.get_object().get(outer) != simdjson::SUCCESS) return false;
  for (auto field : outer) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return false;
    r.action = intern_action(key);
    od::object props;
    if (field.value().get_object().get(props) != simdjson::SUCCESS) return false;
    bool have_status = false;
    for (auto p : props) {
      std::string_view name;
      if (p.unescaped_key().get(name) != simdjson::SUCCESS) return false;
      if (name == "status") {
        int64_t status = 0;
        if (p.value().get_int64().get(status) != simdjson::SUCCESS) return false;
        r.status = static_cast<int>(status);
        have_status = true;
      } else if (name == "error") {
        od::value err;
        if (p.value().get(err) != simdjson::SUCCESS) return false;
        od::json_type t;
        if (err.type().get(t) != simdjson::SUCCESS) return false;
        if (t == od::json_type::object) {
          od::object eo;
          if (err.get_object().get(eo) != simdjson::SUCCESS) return false;
          std::string_view raw;
          if (eo.raw_json().get(raw) != simdjson::SUCCESS) return false;
          r.error_json = raw;
          // raw_json() consumed the object; find the type in the raw text's own parse below.
        } else {
          std::string_view raw = err.raw_json_token();
          r.error_json = raw;
          // Old servers answer "error": "text"; keep the text without its quotes.
          r.error_type = raw.size() >= 2 && raw.front() == '"' ? raw.substr(1, raw.size() - 2) : raw;
        }
      }
      // Other fields (_index, _id, result, _shards, ...) are skipped unread.
    }
    return have_status;  // one action key per item; anything after it is ignored
  }
  return false;
}

// The "type" member of a raw error object, without unescaping (ES types are plain words).
std::string_view error_type_of(std::string_view error_json) {
  // The first "type" key at depth 1 of the object.
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < error_json.size(); ++i) {
    char c = error_json[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    else if (c == '}' || c == ']') --depth;
    else if (c == '"') {
      if (depth == 1 && error_json.compare(i, 7, "\"type\":") == 0) {
        std::size_t start = i + 7;
        while (start < error_json.size() && error_json[start] == ' ') ++start;
        if (start < error_json.size() && error_json[start] == '"') {
          std::size_t end = error_json.find('"', start + 1);
          if (end != std::string_view::npos) return error_json.substr(start + 1, end - start - 1);
        }
        return {};
      }
      in_string = true;
    }
  }
  return {};
}

}  // namespace

Result<bool> parse_bulk_response(std::string& body, BulkResponse& out) {
  out.errors = false;
  out.items.clear();
  std::size_t len = body.size();
  if (body.capacity() < len + simdjson::SIMDJSON_PADDING) body.reserve(len + simdjson::SIMDJSON_PADDING);
  // One parser per thread: its buffers are reused, so a steady sink does not allocate here.
  thread_local od::parser parser;
  od::document doc;
  if (parser.iterate(simdjson::padded_string_view(body.data(), len, body.capacity())).get(doc) !=
      simdjson::SUCCESS)
    return fail("not JSON");
  od::object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) return fail("not an object");
  bool have_items = false;
  for (auto field : root) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return fail("bad key");
    if (key == "errors") {
      if (field.value().get_bool().get(out.errors) != simdjson::SUCCESS) return fail("errors is not a bool");
    } else if (key == "items") {
      od::array items;
      if (field.value().get_array().get(items) != simdjson::SUCCESS) return fail("items is not an array");
      for (auto item : items) {
        od::value v;
        if (item.get(v) != simdjson::SUCCESS) return fail("bad item");
        BulkItemResult& r = out.items.emplace_back();
        if (!parse_item(v, r)) return fail("item " + std::to_string(out.items.size()) + " has no status");
        if (r.error_type.empty() && !r.error_json.empty()) r.error_type = error_type_of(r.error_json);
      }
      have_items = true;
    }
  }
  if (!have_items) return fail("no items");
  return true;
}

Result<bool> parse_bulk_response_copy(std::string_view body, std::string& scratch, BulkResponse& out) {
  scratch.assign(body);
  return parse_bulk_response(scratch, out);
}

}  // namespace logferry::sinks::elasticsearch
