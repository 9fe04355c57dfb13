// Logstash's `tags`: a set kept in the `tags` array. add_tag adds a tag if absent (a scalar
// `tags` becomes an array of the old and the new one), remove_tag removes every copy. Shared by
// the sources that tag (beats) and the filters' failure tags and common options.
#pragma once

#include <string_view>

#include "core/event.h"

namespace logferry {

void add_tag(Event& event, std::string_view tag);  // copies the tag into the event's arena
// For tags that outlive every batch (string literals): no copy per event on a source's hot path.
void add_literal_tag(Event& event, std::string_view tag);
void remove_tag(Event& event, std::string_view tag);

}  // namespace logferry
