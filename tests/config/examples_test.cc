#include <gtest/gtest.h>

#include <filesystem>

#include "app/app.h"
#include "config/pipeline_config.h"
#include "support/net_util.h"
#include "support/temp_dir.h"

namespace logferry {
namespace {

namespace fs = std::filesystem;

config::Diagnostics validate_text(const std::string& name, const std::string& yaml) {
  config::Diagnostics d(name);
  config::parse_pipeline(yaml, "/tmp", app::registry(), d);
  return d;
}

// Every shipped example must pass `logferry validate`: users copy them.
TEST(ExamplesTest, EveryExampleConfigValidates) {
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(testing::source_dir() / "examples")) {
    if (entry.path().extension() != ".yaml") continue;
    config::Diagnostics d(entry.path().string());
    config::load_pipeline_file(entry.path(), app::registry(), d);
    EXPECT_TRUE(d.ok()) << d.format();
    ++checked;
  }
  EXPECT_GE(checked, 2);
}

// The configs embedded in the Kubernetes manifests (ConfigMap data) must validate too.
TEST(ExamplesTest, KubernetesConfigMapsValidate) {
  int checked = 0;
  for (const char* manifest : {"deploy/kubernetes/collector.yaml", "deploy/kubernetes/syslog-server.yaml"}) {
    std::string text = testing::read_file(testing::source_dir() / manifest);
    // The config is the block scalar after "<name>.yaml: |", indented by 4 spaces.
    auto start = text.find(".yaml: |\n");
    ASSERT_NE(start, std::string::npos) << manifest;
    start = text.find('\n', start) + 1;
    std::string config;
    while (start < text.size()) {
      auto end = text.find('\n', start);
      std::string line = text.substr(start, end - start);
      if (!line.empty() && line.rfind("    ", 0) != 0) break;
      config += (line.size() >= 4 ? line.substr(4) : "") + "\n";
      if (end == std::string::npos) break;
      start = end + 1;
    }
    auto d = validate_text(manifest, config);
    EXPECT_TRUE(d.ok()) << d.format() << config;
    ++checked;
  }
  EXPECT_EQ(checked, 2);
}

}  // namespace
}  // namespace logferry
