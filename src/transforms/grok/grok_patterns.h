// The grok patterns logferry ships, under the names Logstash users write (%{IPORHOST},
// %{COMBINEDAPACHELOG}, ...), with Logstash's legacy (`ecs_compatibility => disabled`) field
// names. Written for logferry; the capture names are the compatibility contract.
#pragma once

#include <string_view>

namespace logferry::transforms::grok {

// Lines of `NAME regex`, the format of a patterns_dir file; `#` starts a comment line.
std::string_view builtin_pattern_text();

}  // namespace logferry::transforms::grok
