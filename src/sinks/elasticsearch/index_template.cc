#include "sinks/elasticsearch/index_template.h"

namespace logferry::sinks::elasticsearch {

namespace {

constexpr std::string_view kSettings = R"({"index.refresh_interval":"5s","number_of_shards":1})";

std::string mappings_body(bool with_all_disabled) {
  std::string m = "{";
  if (with_all_disabled) m += R"("_all":{"enabled":false},)";
  m += R"("dynamic_templates":[)"
       R"({"message_field":{"path_match":"message","match_mapping_type":"string",)"
       R"("mapping":{"type":"text","norms":false}}},)"
       R"({"string_fields":{"match":"*","match_mapping_type":"string",)"
       R"("mapping":{"type":"text","norms":false,)"
       R"("fields":{"keyword":{"type":"keyword","ignore_above":256}}}}}],)"
       R"("properties":{"@timestamp":{"type":"date"},"@version":{"type":"keyword"},)"
       R"("geoip":{"dynamic":true,"properties":{"ip":{"type":"ip"},)"
       R"("location":{"type":"geo_point"},"latitude":{"type":"half_float"},)"
       R"("longitude":{"type":"half_float"}}}}})";
  return m;
}

}  // namespace

std::string default_index_template(int major) {
  if (major >= 8) {
    return std::string(R"({"index_patterns":"logstash-*","version":80001,"template":{"settings":)") +
           std::string(kSettings) + R"(,"mappings":)" + mappings_body(false) +
           R"(},"priority":200,"_meta":{"description":"index template for logstash-output-elasticsearch"}})";
  }
  if (major == 7) {
    return std::string(R"({"index_patterns":"logstash-*","version":60001,"settings":)") +
           std::string(kSettings) + R"(,"mappings":)" + mappings_body(false) + "}";
  }
  if (major == 6) {
    return std::string(R"({"index_patterns":"logstash-*","version":60001,"settings":)") +
           std::string(kSettings) + R"(,"mappings":{"_default_":)" + mappings_body(false) + "}}";
  }
  return std::string(R"({"template":"logstash-*","version":50001,"settings":{"index.refresh_interval":"5s"})") +
         R"(,"mappings":{"_default_":)" + mappings_body(true) + "}}";
}

std::string_view template_endpoint(int major) { return major >= 8 ? "_index_template" : "_template"; }

}  // namespace logferry::sinks::elasticsearch
