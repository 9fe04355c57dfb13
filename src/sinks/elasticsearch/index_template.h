// The index template installed when manage_template is on and no `template` file is given:
// logstash-output-elasticsearch's ECS-disabled template ("logstash-*": refresh 5s, one shard,
// `message` as text, other strings as text with a .keyword subfield, @timestamp date,
// @version keyword, geoip fields), in the shape each server generation expects:
//   ES 5: legacy _template, "template": "logstash-*", mappings under "_default_" (with _all off)
//   ES 6: legacy _template, "index_patterns", mappings under "_default_"
//   ES 7: legacy _template, typeless mappings
//   ES 8+: composable _index_template ("template": {settings, mappings}, priority 200)
#pragma once

#include <string>
#include <string_view>

namespace logferry::sinks::elasticsearch {

std::string default_index_template(int server_major);
// "_index_template" from ES 8 on (as the plugin's template_api => auto), else "_template".
std::string_view template_endpoint(int server_major);

}  // namespace logferry::sinks::elasticsearch
