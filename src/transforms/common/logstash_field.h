// Logstash field references for names that filters write (grok captures, dissect keys):
// `[a][b]` nests, anything else is ONE top-level key, dots included. `%{DATA:kubernetes.pod}`
// therefore creates a key literally named "kubernetes.pod", as Logstash does; templates and
// conditions still find it through FieldPath's literal-key rule.
#pragma once

#include <string_view>

#include "core/field_path.h"

namespace logferry::transforms {

FieldPath logstash_field(std::string_view name);
// `[target]` + name's segments, e.g. ("grok", "a.b") -> [grok][a.b].
FieldPath logstash_field_under(std::string_view target, std::string_view name);

}  // namespace logferry::transforms
