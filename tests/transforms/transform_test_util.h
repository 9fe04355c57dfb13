// Builds a transform from YAML options the way the config loader does (schema bind, checks,
// then build), so tests cover decoding and validation too.
#pragma once

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <memory>
#include <string>

#include "config/diagnostics.h"
#include "config/schema.h"
#include "core/component.h"
#include "core/event_batch.h"
#include "core/json.h"
#include "core/metrics.h"

namespace logferry::testing {

// Returns the diagnostics of binding `yaml` into T's options ("" when valid).
template <class T>
std::string option_problems(const std::string& yaml, typename T::Options* out = nullptr) {
  config::Schema<typename T::Options> schema;
  T::describe(schema);
  typename T::Options options;
  config::Diagnostics diags("t.yaml");
  schema.bind(YAML::Load(yaml), options, diags);
  if (out) *out = options;
  return diags.format();
}

template <class T>
std::unique_ptr<Transform> build_transform(const std::string& yaml, Metrics& metrics,
                                           const std::string& name = "t") {
  typename T::Options options;
  std::string problems = option_problems<T>(yaml, &options);
  EXPECT_EQ(problems, "");
  BuildContext ctx{name, metrics, {}, {}, "node"};
  auto built = T::build(options, ctx);
  EXPECT_TRUE(built) << (built ? "" : built.error().message);
  return built ? std::move(*built) : nullptr;
}

inline std::string to_json(const Event& e) {
  std::string out;
  append_json(out, e);
  return out;
}

}  // namespace logferry::testing
