// mutate: Logstash's mutate filter for YAML configs. Operations run in Logstash's order:
//   coerce, rename, update, replace, convert, gsub, uppercase, capitalize, lowercase, strip,
//   split, join, copy, then the common decorations add_field, remove_field, add_tag, remove_tag.
// Values are templates (%{field}); names in rename, add_field and remove_field may be too.
// New strings go into the batch arena; rendering reuses member buffers, so the common paths
// do not touch the heap per event.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config/schema.h"
#include "core/component.h"
#include "core/metrics.h"
#include "core/transform.h"
#include "template/template.h"
#include "transforms/common/decorations.h"

namespace re2 {
class RE2;
}

namespace logferry::transforms {

// gsub: [[field, regex, replacement], ...] or Logstash's flat [field, regex, replacement, ...].
struct GsubRule {
  std::string field, pattern, replacement;
};
struct GsubRules {
  std::vector<GsubRule> rules;
};
std::string decode(const YAML::Node& n, GsubRules& out);

class MutateTransform final : public Transform {
 public:
  static constexpr std::string_view kType = "mutate";
  static constexpr std::string_view kDoc =
      "Renames, replaces, converts, rewrites and removes fields and tags (Logstash mutate).";
  struct Options {
    OrderedMap coerce, rename, update, replace, convert;
    GsubRules gsub;
    std::vector<std::string> uppercase, capitalize, lowercase, strip;
    OrderedMap split, join, copy, add_field;
    std::vector<std::string> remove_field, add_tag, remove_tag;
  };
  static void describe(config::Schema<Options>& s);
  static Result<std::unique_ptr<Transform>> build(const Options& options, BuildContext& ctx);

  ~MutateTransform() override;
  // Transform
  void apply(EventBatch& batch) override;

  enum class ConvertTo { kInteger, kFloat, kString, kBoolean, kIntegerEu, kFloatEu };

 private:
  // A field name that may be a template ("foo_%{bar}"); constant ones are parsed once.
  struct Name {
    Template tmpl;
    FieldPath path;
  };
  struct Assign {  // coerce, update, replace, add_field
    Name name;
    Template value;
    int constant = -1;  // index into constants_ when `value` has no placeholders
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
    std::unique_ptr<re2::RE2> re;
    int groups = 0;
    Template replacement;
  };
  struct Separator {
    FieldPath path;
    std::string separator;
  };
  struct Copy {
    FieldPath from, to;
  };

  MutateTransform() = default;
  static Result<Name> compile_name(const std::string& text);
  Result<Assign> compile_assign(const std::string& name, const std::string& value);

  const FieldPath& resolve(const Name& name, const Event& event);
  Value render(const Assign& a, Event& event);
  void mutate(Event& event);
  bool convert_value(Value& v, ConvertTo to, const Event& event);
  void gsub_value(Value& v, const Gsub& g, std::string_view replacement, Event& event);
  void add_tag(Event& event, std::string_view tag);
  void remove_tag(Event& event, std::string_view tag);

  std::vector<Assign> coerce_, update_, replace_, add_field_;
  std::vector<Rename> rename_;
  std::vector<Convert> convert_;
  std::vector<Gsub> gsub_;
  std::vector<FieldPath> uppercase_, capitalize_, lowercase_, strip_;
  std::vector<Separator> split_, join_;
  std::vector<Copy> copy_;
  std::vector<Name> remove_field_;
  std::vector<Template> add_tag_, remove_tag_;
  FieldPath tags_path_ = FieldPath::parse("tags");

  // Constant values live here; each batch that gets one retains this (once per batch).
  std::shared_ptr<std::vector<std::string>> constants_ = std::make_shared<std::vector<std::string>>();

  // Rendered dynamic field names -> parsed paths; bounded, cleared between batches when full.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, FieldPath, Hash, std::equal_to<>> name_cache_;
  std::string name_buf_, value_buf_, scratch_;
  Counter* convert_failures_ = nullptr;
  uint64_t failures_in_batch_ = 0;
};

}  // namespace logferry::transforms
