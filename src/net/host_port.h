// HOST:PORT as written in addresses of listeners and peers (`address: 0.0.0.0:514`,
// `address: [::1]:6514`, `address: :9880`), one parser for every component.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "core/result.h"

namespace logferry::net {

// Splits "HOST:PORT" / "[v6]:PORT" / ":PORT" (host "0.0.0.0"). Port must be 0..65535.
// kInvalidArgument, naming the address, otherwise.
Result<std::pair<std::string, uint16_t>> split_host_port(const std::string& address);

}  // namespace logferry::net
