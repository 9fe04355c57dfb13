// Host list handling: what the plugin accepts in `hosts` ("es1", "es1:9201",
// "https://es1:9200/prefix", "[::1]:9200") turned into base URLs without a trailing slash,
// with the plugin's defaults (scheme http, or https when ssl is on; port 9200; the `path`
// option as a prefix when the host has none).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace logferry::sinks::elasticsearch {

// `ssl`: the ssl option when set (it decides the scheme of hosts written without one, and
// contradicts an explicit http:// or https://).
Result<std::string> host_base_url(const std::string& host, std::optional<bool> ssl, const std::string& path);

// "Basic <base64(user:password)>" / "ApiKey <...>" (an "id:key" pair is base64-encoded, an
// already encoded key is sent as is, as the plugin does).
std::string basic_auth_header(const std::string& user, const std::string& password);
std::string api_key_header(const std::string& api_key);
std::string base64_encode(std::string_view in);

}  // namespace logferry::sinks::elasticsearch
