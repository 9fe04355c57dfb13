// Counts heap allocations made through operator new in this test binary, so tests can check
// that a hot path allocates nothing. In its own translation unit so the compiler never inlines
// these into callers (GCC would warn about malloc/free against the builtin new/delete).
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace logferry::testing {
std::atomic<uint64_t> g_heap_allocations{0};
uint64_t heap_allocations() { return g_heap_allocations.load(std::memory_order_relaxed); }
}  // namespace logferry::testing

void* operator new(std::size_t n) {
  logferry::testing::g_heap_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
// The nothrow forms too (simdjson allocates with them): else the runtime's own new[] would be
// paired with our free-based delete[].
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  logferry::testing::g_heap_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
