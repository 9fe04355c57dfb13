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

// Rotated names are `F.<UTC time>.<index>` (e.g. `app.log.20261105T090301Z.17`): the time is
// for people and for retention by age, the index orders the files. The index of a base only ever
// grows (the next one is one past the largest in use), so a rotation never takes a name that
// sorts before an older file, however many rotations fall in one second or one clock tick.
// Names of older releases, `F.<time>` and `F.<time>-N` (N counted per second), are still listed,
// as older than every indexed file.
struct RotatedFile {
  std::filesystem::path path;
  Timestamp rotated_at;  // from the name
  uint64_t index = 0;    // the `.<index>` suffix; 0 for the older names
  int sequence = 0;      // the -N suffix of the older names, 0 when absent
  bool compressed = false;
};

// The rotated siblings of `base`, oldest first (by index; older names first, by time then -N).
// Temporary files of a compression in progress are not listed.
std::vector<RotatedFile> list_rotated(const std::filesystem::path& base);

// One past the largest index among the rotated siblings of `base` (1 when there is none).
uint64_t next_rotation_index(const std::filesystem::path& base);

struct RotatedName {
  std::filesystem::path path;
  uint64_t index = 0;  // the index used; the next rotation takes index + 1
};
// The name `base` gets when rotated at `now` with index `index` or, if a file of that name
// exists in any form (compressed ones included), the next free index.
RotatedName rotated_name(const std::filesystem::path& base, Timestamp now, uint64_t index);

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
