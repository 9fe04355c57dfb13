// Arena: a bump allocator whose chunks survive reset(), so a batch that is refilled again and
// again stops calling malloc once it has grown to its working size. Every string and container
// of an event lives here; nothing on the hot path allocates per event.
#pragma once

#include <cstddef>
#include <memory_resource>
#include <string_view>
#include <vector>

namespace logferry {

class Arena final : public std::pmr::memory_resource {
 public:
  explicit Arena(std::size_t first_chunk = 64 * 1024) : next_chunk_size_(first_chunk) {}
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  ~Arena() override;

  // Copies `s` into the arena; the view stays valid until reset().
  std::string_view copy(std::string_view s);
  // Uninitialised room for n chars, e.g. to render into before knowing the final length.
  char* allocate_chars(std::size_t n) { return static_cast<char*>(allocate(n, 1)); }

  // Forgets every allocation but keeps the chunks for reuse.
  void reset();
  // Bytes handed out since the last reset (used as the batch's size for byte limits).
  std::size_t used() const { return used_; }
  std::size_t capacity() const { return capacity_; }

 private:
  struct Chunk {
    std::byte* data;
    std::size_t size;
  };
  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  void do_deallocate(void*, std::size_t, std::size_t) override {}
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }
  void* allocate_slow(std::size_t bytes, std::size_t alignment);

  std::vector<Chunk> chunks_;
  std::size_t current_ = 0;  // index into chunks_
  std::byte* cursor_ = nullptr;
  std::byte* end_ = nullptr;
  std::size_t next_chunk_size_;
  std::size_t used_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace logferry
