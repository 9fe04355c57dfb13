#include "core/arena.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

namespace logferry {

Arena::~Arena() {
  for (auto& c : chunks_) ::operator delete(c.data);
}

std::string_view Arena::copy(std::string_view s) {
  if (s.empty()) return {};
  char* p = allocate_chars(s.size());
  std::memcpy(p, s.data(), s.size());
  return {p, s.size()};
}

void Arena::reset() {
  current_ = 0;
  used_ = 0;
  if (chunks_.empty()) {
    cursor_ = end_ = nullptr;
  } else {
    cursor_ = chunks_[0].data;
    end_ = cursor_ + chunks_[0].size;
  }
}

void* Arena::do_allocate(std::size_t bytes, std::size_t alignment) {
  auto p = reinterpret_cast<std::uintptr_t>(cursor_);
  auto aligned = (p + alignment - 1) & ~(static_cast<std::uintptr_t>(alignment) - 1);
  if (cursor_ != nullptr && aligned + bytes <= reinterpret_cast<std::uintptr_t>(end_)) {
    cursor_ = reinterpret_cast<std::byte*>(aligned + bytes);
    used_ += bytes;
    return reinterpret_cast<void*>(aligned);
  }
  return allocate_slow(bytes, alignment);
}

void* Arena::allocate_slow(std::size_t bytes, std::size_t alignment) {
  // Move on to the next kept chunk that fits, else grow.
  while (!chunks_.empty() && current_ + 1 < chunks_.size()) {
    ++current_;
    cursor_ = chunks_[current_].data;
    end_ = cursor_ + chunks_[current_].size;
    if (bytes + alignment <= chunks_[current_].size) return do_allocate(bytes, alignment);
  }
  std::size_t size = next_chunk_size_;
  while (size < bytes + alignment) size *= 2;
  if (next_chunk_size_ < 4 * 1024 * 1024) next_chunk_size_ *= 2;
  auto* data = static_cast<std::byte*>(::operator new(size));
  chunks_.push_back({data, size});
  capacity_ += size;
  current_ = chunks_.size() - 1;
  cursor_ = data;
  end_ = data + size;
  return do_allocate(bytes, alignment);
}

}  // namespace logferry
