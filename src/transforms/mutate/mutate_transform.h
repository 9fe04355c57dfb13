// mutate: Logstash's mutate filter. Operations run in the plugin's fixed order whatever the
// config's order (mutate.rb `filter`):
//   coerce, rename, update, replace, convert, gsub, uppercase, capitalize, lowercase, strip,
//   split, join, merge, copy
// then, on success, the common options (add_field, remove_field, add_tag, remove_tag).
// A value that cannot be converted (or stripped) aborts the rest, tags the event with
// `tag_on_failure` and skips the common options, as the plugin's `rescue` does.
// Values are templates (%{field}); names in coerce, rename, update and replace may be too.
// New strings go into the batch arena; rendering reuses member buffers, so the common paths
// do not touch the heap per event. Every value an event gets is copied into its arena (even
// constants), so events never point into the transform and may outlive it (reload), whether
// they come through apply() or run() from a .conf conditional.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/schema.h"
#include "core/component.h"
#include "core/metrics.h"
#include "template/template.h"
#include "template/ruby_regex.h"
#include "transforms/common/event_transform.h"
#include "transforms/mutate/convert.h"
#include "transforms/mutate/unicode_case.h"

namespace logferry::transforms {

// gsub: [[field, regex, replacement], ...] or Logstash's flat [field, regex, replacement, ...].
struct GsubRule {
  std::string field, pattern, replacement;
};
struct GsubRules {
  std::vector<GsubRule> rules;
};
std::string decode(const YAML::Node& n, GsubRules& out);

class MutateTransform final : public EventTransform {
 public:
  static constexpr std::string_view kType = "mutate";
  static constexpr std::string_view kDoc =
      "Renames, replaces, converts, rewrites and removes fields and tags (Logstash mutate).";
  struct Options : CommonOptions {
    OrderedMap coerce, rename, update, replace, convert;
    GsubRules gsub;
    std::vector<std::string> uppercase, capitalize, lowercase, strip;
    OrderedMap split, join, merge, copy;
    std::string tag_on_failure = "_mutate_error";
  };
  static void describe(config::Schema<Options>& s);
  static Result<std::unique_ptr<Transform>> build(const Options& options, BuildContext& ctx);

  ~MutateTransform() override;

 private:
  // A field name that may be a template ("foo_%{bar}"); constant ones are parsed once.
  struct Name {
    Template tmpl;
    FieldPath path;
  };
  struct Assign {  // coerce, update, replace
    Name name;
    Template value;
  };
  struct Rename {
    Name from, to;
  };
  struct Convert {
    FieldPath path;
    ConvertTo to;
  };
  struct Gsub {
    FieldPath path;
    RubyRegex re;
    Template replacement;
  };
  struct Separator {
    FieldPath path;
    std::string separator;
  };
  struct Pair {  // merge (destination, added), copy (source, destination)
    FieldPath first, second;
  };

  MutateTransform() = default;
  static Result<Name> compile_name(const std::string& text);
  Result<Assign> compile_assign(const std::string& name, const std::string& value);

  // EventTransform
  Outcome process(Event& event) override;
  void begin_batch() override;
  void end_batch() override;

  // The operations, in Logstash's order. false: the event gets tag_on_failure.
  const FieldPath& resolve(const Name& name, const Event& event);
  Value render(const Assign& a, Event& event);
  void coerce(Event& event);
  void rename(Event& event);
  void update(Event& event);
  void replace(Event& event);
  bool convert(Event& event);
  void gsub(Event& event);
  void change_case(Event& event, const std::vector<FieldPath>& paths, CaseChange how);
  bool strip(Event& event);
  void split(Event& event);
  void join(Event& event);
  void merge(Event& event);
  void copy(Event& event);
  void gsub_value(Value& v, const Gsub& g, std::string_view replacement, Event& event);
  void join_into(std::string& out, const Value& v, std::string_view separator);

  std::vector<Assign> coerce_, update_, replace_;
  std::vector<Rename> rename_;
  std::vector<Convert> convert_;
  std::vector<Gsub> gsub_;
  std::vector<FieldPath> uppercase_, capitalize_, lowercase_, strip_;
  std::vector<Separator> split_, join_;
  std::vector<Pair> merge_, copy_;
  std::string tag_on_failure_;

  NameCache names_;
  std::string value_buf_, scratch_, number_buf_;
  Counter* failures_ = nullptr;
  uint64_t failures_in_batch_ = 0;
};

}  // namespace logferry::transforms
