// Registry: the component types logferry knows, by stage. Each stage has one explicit list
// (src/sources/sources.cc, src/transforms/transforms.cc, src/sinks/sinks.cc): greppable, no
// static-initialisation order, no linker tricks.
//
// A component type T provides:
//   static constexpr std::string_view kType = "syslog";
//   static constexpr std::string_view kDoc = "One line for --help and the docs.";
//   struct Options { ... };                        // defaults in member initialisers
//   static void describe(config::Schema<Options>&);
//   static Result<std::unique_ptr<Base>> build(const Options&, BuildContext&);
// Parsing (validate) never opens files or sockets; build() does.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/diagnostics.h"
#include "config/schema.h"
#include "core/component.h"
#include "core/result.h"
#include "core/sink.h"
#include "core/source.h"
#include "core/transform.h"

namespace logferry::config {

template <class Base>
using Builder = std::function<Result<std::unique_ptr<Base>>(BuildContext&)>;

template <class Base>
struct ComponentType {
  std::string type;
  std::string doc;
  std::vector<FieldDoc> fields;
  // Binds the options (reporting problems) and returns a builder that may be called many times.
  std::function<Builder<Base>(const YAML::Node&, Diagnostics&, const std::string& prefix,
                              const std::set<std::string>& reserved)>
      parse;
};

// The composite transform a .conf conditional becomes (src/transforms/conditional): for each
// event the first branch whose condition holds runs its chain of per-event transforms. Set by
// the transforms stage, which config cannot depend on.
struct ConditionalBranch {
  std::string condition;  // empty: the `else`
  std::vector<std::pair<std::string, Builder<Transform>>> chain;  // (component name, builder)
};
using ConditionalBuilder = std::function<Result<std::unique_ptr<Transform>>(
    const std::vector<ConditionalBranch>&, BuildContext&)>;

class Registry {
 public:
  void set_conditional(ConditionalBuilder b) { conditional_ = std::move(b); }
  const ConditionalBuilder& conditional() const { return conditional_; }

  template <class T>
  void add_source() { sources_.push_back(make<Source, T>()); }
  template <class T>
  void add_transform() { transforms_.push_back(make<Transform, T>()); }
  template <class T>
  void add_sink() { sinks_.push_back(make<Sink, T>()); }

  const ComponentType<Source>* find_source(std::string_view type) const { return find(sources_, type); }
  const ComponentType<Transform>* find_transform(std::string_view type) const {
    return find(transforms_, type);
  }
  const ComponentType<Sink>* find_sink(std::string_view type) const { return find(sinks_, type); }

  const std::vector<ComponentType<Source>>& sources() const { return sources_; }
  const std::vector<ComponentType<Transform>>& transforms() const { return transforms_; }
  const std::vector<ComponentType<Sink>>& sinks() const { return sinks_; }

 private:
  template <class Base, class T>
  static ComponentType<Base> make() {
    using Options = typename T::Options;
    ComponentType<Base> c;
    c.type = std::string(T::kType);
    c.doc = std::string(T::kDoc);
    Schema<Options> schema;
    T::describe(schema);
    c.fields = schema.docs();
    c.parse = [](const YAML::Node& node, Diagnostics& diags, const std::string& prefix,
                 const std::set<std::string>& reserved) -> Builder<Base> {
      Schema<Options> s;
      T::describe(s);
      auto options = std::make_shared<Options>();
      s.bind(node, *options, diags, prefix, reserved);
      return [options](BuildContext& ctx) -> Result<std::unique_ptr<Base>> {
        auto built = T::build(*options, ctx);
        if (!built) return unexpected(built.error());
        return std::unique_ptr<Base>(std::move(*built));
      };
    };
    return c;
  }
  template <class Base>
  static const ComponentType<Base>* find(const std::vector<ComponentType<Base>>& v,
                                         std::string_view type) {
    for (const auto& c : v)
      if (c.type == type) return &c;
    return nullptr;
  }

  std::vector<ComponentType<Source>> sources_;
  std::vector<ComponentType<Transform>> transforms_;
  std::vector<ComponentType<Sink>> sinks_;
  ConditionalBuilder conditional_;
};

}  // namespace logferry::config
