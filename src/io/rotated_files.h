// Rotated files of an appended log file: naming, listing, compression and retention.
//
// A file `<base>` is rotated by renaming it to `<base>.<YYYYmmddTHHMMSSZ>` (UTC rotation time;
// `-N` is added when that name is taken within the same second). Compression turns it into
// `<base>.<stamp>.gz` or `.zst`. Names carry the rotation time so retention by age follows the
// injected Clock (testable) rather than file system times, and no rename chain (`.1` -> `.2`)
// is needed.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/value.h"

namespace logferry::io {

enum class Compression { kNone, kGzip, kZstd };

std::optional<Compression> parse_compression(std::string_view name);  // gzip|zstd|none
std::string_view compression_suffix(Compression c);                    // "", ".gz", ".zst"

struct RotatedFile {
  std::filesystem::path path;
  Timestamp rotated_at;  // from the name
  int sequence = 0;      // the -N suffix, 0 when absent
  bool compressed = false;
};

// The rotated siblings of `base`, oldest first. Temporary files of a compression in progress
// are not listed.
std::vector<RotatedFile> list_rotated(const std::filesystem::path& base);

// The name `base` gets when rotated at `now`; never an existing file (compressed forms included).
std::filesystem::path rotated_name(const std::filesystem::path& base, Timestamp now);

// Compresses `src` into `src + suffix` (through a temporary file that is fsync'd and renamed),
// then removes `src`. On any failure `src` is left untouched and the temporary file removed.
Result<std::filesystem::path> compress_file(const std::filesystem::path& src, Compression c);

struct RetentionPolicy {
  int64_t max_files = 0;               // keep at most this many rotated files; 0 = no limit
  std::chrono::nanoseconds max_age{0};  // delete rotated files rotated longer ago; 0 = never
  bool enabled() const { return max_files > 0 || max_age.count() > 0; }
};

// Deletes the rotated files of `base` that the policy no longer keeps; returns how many.
int apply_retention(const std::filesystem::path& base, const RetentionPolicy& policy, Timestamp now);

}  // namespace logferry::io
