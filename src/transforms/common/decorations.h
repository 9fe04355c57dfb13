// Logstash's options common to every filter (add_field, add_tag, remove_field, remove_tag,
// id), bound once and applied once: a filter that succeeded on an event gets them, one that
// failed or had nothing to do does not (Logstash's filter_matched). Tags are a set kept in
// the `tags` array.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config/schema.h"
#include "core/event.h"
#include "core/result.h"
#include "template/template.h"

namespace logferry::transforms {

// A YAML map kept in document order (rename a->b then b->c must run in that order).
struct OrderedMap {
  std::vector<std::pair<std::string, std::string>> entries;
};
std::string decode(const YAML::Node& n, OrderedMap& out);

struct CommonOptions {
  OrderedMap add_field;
  std::vector<std::string> add_tag, remove_field, remove_tag;
  std::string id;  // Logstash's plugin id: names the component in metrics and the monitoring API
};

void check_common(const CommonOptions& o, config::CheckContext& ctx);

// Registers the common options on a filter's schema. O derives from CommonOptions.
template <class O>
void describe_common(config::Schema<O>& s) {
  using Map = OrderedMap O::*;
  using List = std::vector<std::string> O::*;
  s.field("add_field", static_cast<Map>(&O::add_field))
      .doc("name: template, added when the filter succeeds; an existing field becomes an array.");
  s.field("add_tag", static_cast<List>(&O::add_tag)).doc("Tags (templates) added on success.");
  s.field("remove_field", static_cast<List>(&O::remove_field))
      .doc("Fields (names may be templates) removed on success.");
  s.field("remove_tag", static_cast<List>(&O::remove_tag)).doc("Tags (templates) removed on success.");
  s.field("id", static_cast<std::string O::*>(&O::id)).doc("Plugin id (Logstash's `id`).");
  s.check([](const O& o, config::CheckContext& ctx) { check_common(o, ctx); });
}

// `tags` as a set: add if absent (a scalar `tags` becomes an array), remove every copy.
void add_tag(Event& event, std::string_view tag);
void remove_tag(Event& event, std::string_view tag);
// Logstash's add_field rule: set when absent, else append (a scalar becomes [old, new]).
void add_field_value(Event& event, const FieldPath& path, Value value);

// Field names that are templates ("by_%{ns}"), rendered per event and parsed once per distinct
// text: a bounded cache, so a steady stream of names does not allocate per event.
class NameCache {
 public:
  // The path for `tmpl` rendered on `event`, or `constant` when tmpl has no placeholders.
  // Valid until the next call to begin_event().
  const FieldPath& resolve(const Template& tmpl, const FieldPath& constant, const Event& event);
  // Call before an event's first resolve(): empties the cache when it is full.
  void begin_event() {
    if (cache_.size() > kMaxNames) cache_.clear();
  }

 private:
  static constexpr std::size_t kMaxNames = 4096;
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, FieldPath, Hash, std::equal_to<>> cache_;
  std::string buf_;
};

class Decorations {
 public:
  static Result<Decorations> compile(const CommonOptions& options);
  bool empty() const { return add_field_.empty() && add_tag_.empty() && remove_field_.empty() && remove_tag_.empty(); }
  // Applies them in Logstash's order: add_field, remove_field, add_tag, remove_tag.
  void apply(Event& event);

 private:
  struct Name {
    Template tmpl;
    FieldPath path;  // used when tmpl is constant
  };
  std::vector<std::pair<Name, Template>> add_field_;
  std::vector<Name> remove_field_;
  std::vector<Template> add_tag_, remove_tag_;
  std::string buf_;
  NameCache names_;
};

}  // namespace logferry::transforms
