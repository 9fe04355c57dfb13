// TmpfsMount: a small file system of the test's own (a tmpfs with `size=`) for real disk-full,
// read-only and immutable-directory faults. Mounting needs root (CAP_SYS_ADMIN); where the
// machine forbids it, available() is false and the test skips with why().
//
// Example:
//   TmpfsMount fs(dir / "small", "1m");
//   if (!fs.available()) GTEST_SKIP() << fs.why();
//   fs.fill();                 // ENOSPC from now on
//   fs.free_filler();          // space again
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace logferry::testing {

class TmpfsMount {
 public:
  TmpfsMount(std::filesystem::path dir, const std::string& size);
  ~TmpfsMount();  // unmounts (lazily, so a still-open descriptor cannot keep it)
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;

  bool available() const { return mounted_; }
  const std::string& why() const { return why_; }
  const std::filesystem::path& path() const { return dir_; }

  // Writes a filler file until the file system is full; returns the bytes it took.
  uint64_t fill();
  // Deletes the filler: the space is back.
  void free_filler();
  // Remounts read-only or read-write (fails with EBUSY while a file is open for writing).
  bool remount(bool read_only);
  // Sets or clears the immutable attribute of a directory (nothing can be created in it, even
  // by root, unlike mode bits).
  static bool set_immutable(const std::filesystem::path& dir, bool on);
  // The same for the append-only attribute of a file (writes only at the end; no truncate).
  static bool set_append_only(const std::filesystem::path& file, bool on);

 private:
  std::filesystem::path dir_;
  bool mounted_ = false;
  std::string why_;
};

}  // namespace logferry::testing
