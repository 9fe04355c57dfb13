#include "template/template.h"

#include <charconv>

#include "core/json.h"
#include "core/time_util.h"

namespace logferry {

namespace {
const FieldPath& timestamp_path() {
  static const FieldPath path = FieldPath::parse("@timestamp");
  return path;
}
}  // namespace

const Value* find_timestamp_field(const Event& event) { return event.find(timestamp_path()); }

bool event_timestamp(const Event& event, Timestamp& out) {
  const Value* v = find_timestamp_field(event);
  if (v == nullptr) return false;
  if (v->kind() == Value::Kind::kTimestamp) {
    out = v->as_timestamp();
    return true;
  }
  if (v->is_string()) {
    if (auto t = parse_rfc3339(v->as_string())) {
      out = *t;
      return true;
    }
  }
  return false;
}

Result<Template> Template::compile(std::string_view text) {
  Template t;
  t.text_ = std::string(text);
  auto add_literal = [&t](std::string_view s) {
    if (s.empty()) return;
    if (!t.parts_.empty() && t.parts_.back().kind == PartKind::kLiteral) {
      t.parts_.back().literal += s;
    } else {
      t.parts_.push_back({PartKind::kLiteral, std::string(s), {}, {}});
    }
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t open = text.find("%{", pos);
    if (open == std::string_view::npos) {
      add_literal(text.substr(pos));
      break;
    }
    add_literal(text.substr(pos, open - pos));
    bool java_time = open + 2 < text.size() && text[open + 2] == '{';
    std::size_t close = text.find(java_time ? "}}" : "}", open + 2);
    if (close == std::string_view::npos) {  // no closing brace: Logstash prints it as is
      add_literal(text.substr(open));
      break;
    }
    std::string_view placeholder = text.substr(open, close + (java_time ? 2 : 1) - open);
    std::string_view inner = text.substr(open + (java_time ? 3 : 2),
                                         close - open - (java_time ? 3 : 2));
    pos = close + (java_time ? 2 : 1);
    t.constant_ = false;
    if (java_time || (!inner.empty() && inner.front() == '+')) {
      std::string_view pattern = java_time ? inner : inner.substr(1);
      if (pattern == "%s") {
        t.parts_.push_back({PartKind::kEpoch, std::string(placeholder), {}, {}});
        continue;
      }
      auto format = TimeFormat::compile(pattern);
      if (!format) return unexpected(format.error());
      t.parts_.push_back({PartKind::kTime, std::string(placeholder), {}, std::move(*format)});
      continue;
    }
    if (inner.empty()) {
      add_literal(placeholder);
      continue;
    }
    t.parts_.push_back(
        {PartKind::kField, std::string(placeholder), FieldPath::parse(inner), {}});
  }
  return t;
}

const FieldPath* Template::single_field() const {
  if (parts_.size() == 1 && parts_[0].kind == PartKind::kField) return &parts_[0].path;
  return nullptr;
}

bool Template::collect_fields(std::vector<const FieldPath*>& out) const {
  bool time_free = true;
  for (const Part& part : parts_) {
    if (part.kind == PartKind::kField) out.push_back(&part.path);
    if (part.kind == PartKind::kTime || part.kind == PartKind::kEpoch) time_free = false;
  }
  return time_free;
}

void Template::render(const Event& event, std::string& out) const {
  for (const Part& part : parts_) {
    switch (part.kind) {
      case PartKind::kLiteral: out += part.literal; break;
      case PartKind::kField: {
        const Value* v = event.find(part.path);
        if (v == nullptr) {
          out += part.literal;
        } else {
          append_text(out, *v);
        }
        break;
      }
      case PartKind::kTime: {
        Timestamp ts;
        if (event_timestamp(event, ts)) part.format.append(out, ts);
        break;
      }
      case PartKind::kEpoch: {
        Timestamp ts;
        if (event_timestamp(event, ts)) {
          char buf[24];
          auto r = std::to_chars(buf, buf + sizeof buf, ts.seconds());
          out.append(buf, r.ptr);
        }
        break;
      }
    }
  }
}

}  // namespace logferry
