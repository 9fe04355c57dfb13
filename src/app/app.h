// The command line (PRODUCT.md "Command line"): run, validate, demo, --version, --help.
#pragma once

#include <filesystem>
#include <string>

#include "config/registry.h"

namespace logferry::app {

// Exit codes: 0 ok, 1 runtime failure, 2 bad config or usage.
int main(int argc, char** argv);

const config::Registry& registry();

// `logferry run -c FILE` as a function; returns the exit code.
int run_pipeline(const std::filesystem::path& config_file);
// `logferry validate -c FILE`.
int validate(const std::filesystem::path& config_file);
// `logferry demo`: see demo.cc.
int run_demo(const std::filesystem::path& dir, bool keep_running);

std::string node_name();

// The configuration reference (docs/configuration.md), generated from the component schemas.
std::string reference_markdown();

}  // namespace logferry::app
