// Durable small-file writes (checkpoints, state): write a temp file, fsync it, rename it over
// the target, fsync the directory. A crash leaves either the old or the new content, never a mix.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace logferry::io {

Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view content);
// nullopt if the file does not exist; an error if it exists but cannot be read.
Result<std::optional<std::string>> read_small_file(const std::filesystem::path& path);

}  // namespace logferry::io
