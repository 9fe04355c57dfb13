// Template: Logstash's sprintf, the one template engine of every component.
//   %{field}, %{a.b}, %{[a][b]}   field values (a.b also finds a top-level key named "a.b")
//   %{+YYYY.MM.dd}                @timestamp formatted with a Joda pattern, UTC
//   %{+%s}                        @timestamp as epoch seconds
//   %{{yyyy-MM-dd}}               java.time form (same letters as far as we support them)
// A missing field renders its placeholder literally ("%{foo}"), as Logstash does; a missing
// @timestamp renders as nothing.
//
// Example:
//   auto t = Template::compile("%{kubernetes.namespace}/%{kubernetes.pod}").value();
//   std::string out;
//   t.render(event, out);
//
// Render is allocation-free once `out` has grown. Not thread-safe (time formats cache a second).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/field_path.h"
#include "core/result.h"
#include "template/time_format.h"

namespace logferry {

class Template {
 public:
  Template() = default;
  static Result<Template> compile(std::string_view text);

  void render(const Event& event, std::string& out) const;
  std::string render(const Event& event) const {
    std::string out;
    render(event, out);
    return out;
  }
  const std::string& text() const { return text_; }
  bool is_constant() const { return constant_; }
  bool empty() const { return text_.empty(); }
  // True when the template is exactly one field reference ("%{message}").
  const FieldPath* single_field() const;
  // Appends the fields the template reads (in order, as written). Returns false when its
  // output also depends on the event's time (%{+...}), so that the fields alone do not decide it.
  bool collect_fields(std::vector<const FieldPath*>& out) const;

 private:
  enum class PartKind { kLiteral, kField, kTime, kEpoch };
  struct Part {
    PartKind kind;
    std::string literal;  // kLiteral text; kField: the placeholder to print when missing
    FieldPath path;
    TimeFormat format;
  };

  std::string text_;
  std::vector<Part> parts_;
  bool constant_ = true;
};

// The event's @timestamp (a timestamp value, or an RFC 3339 string), if any.
const Value* find_timestamp_field(const Event& event);
bool event_timestamp(const Event& event, Timestamp& out);

}  // namespace logferry
