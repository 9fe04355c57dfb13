#pragma once
#include <cstdint>
namespace logferry::net {
// A TCP port on 127.0.0.1 that was free a moment ago (bind to 0, read back, close). For the
// demo and tools that must tell one process where another listens.
uint16_t pick_free_loopback_port();
}  // namespace logferry::net
