// A Logstash pipeline (.conf, or every *.conf of a directory) as ONE native pipeline:
// inputs -> sources, the filter sections -> one linear chain of transforms (a conditional
// block -> one `conditional` transform, `if C { drop {} }` -> a `filter` transform), outputs
// -> sinks reading the chain's end (a conditional output gets a `filter` in front). Plugin
// settings are adapted (plugin_adapters.h) and bound by the native components' own schemas,
// so every problem is reported as FILE:LINE of the .conf.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "config/diagnostics.h"
#include "config/pipeline_config.h"
#include "config/registry.h"

namespace logferry::config::logstash {

struct ConfText {
  std::filesystem::path file;
  std::string text;
};

// Reads FILE.conf, or every *.conf of DIR in name order (a DIR holding YAML is an error).
// Problems go to `diags`, each naming its own file.
PipelineConfig load_conf(const std::filesystem::path& path, const Registry& registry,
                         Diagnostics& diags, const ConfDefaults& defaults);

// The files of a `-c DIR` in the order Logstash concatenates them; problems go to `diags`.
std::vector<std::filesystem::path> conf_files(const std::filesystem::path& dir, Diagnostics& diags);

// From texts (tests): concatenated in order, as Logstash concatenates the files of a DIR.
PipelineConfig conf_to_pipeline(const std::vector<ConfText>& texts, const Registry& registry,
                                Diagnostics& diags, const ConfDefaults& defaults);

// The generated part of docs/logstash.md: every plugin and every setting, from the adapter
// tables and the native schemas.
std::string reference_markdown(const Registry& registry);

}  // namespace logferry::config::logstash
