#include "sinks/elasticsearch/hosts.h"

#include <gtest/gtest.h>

#include "sinks/elasticsearch/index_template.h"

namespace logferry::sinks::elasticsearch {
namespace {

std::string url(const std::string& h, std::optional<bool> ssl = std::nullopt, const std::string& path = "") {
  auto r = host_base_url(h, ssl, path);
  return r ? *r : "error: " + r.error().message;
}

TEST(EsHostsTest, PluginHostForms) {
  EXPECT_EQ(url("127.0.0.1"), "http://127.0.0.1:9200");
  EXPECT_EQ(url("//127.0.0.1"), "http://127.0.0.1:9200");
  EXPECT_EQ(url("es1:9201"), "http://es1:9201");
  EXPECT_EQ(url("es1", true), "https://es1:9200");
  EXPECT_EQ(url("https://es1/prefix/"), "https://es1:9200/prefix");
  EXPECT_EQ(url("http://es1:9200", std::nullopt, "proxy/es"), "http://es1:9200/proxy/es");
  EXPECT_EQ(url("http://es1:9200/own", std::nullopt, "proxy"), "http://es1:9200/own");
  EXPECT_EQ(url("[::1]"), "http://[::1]:9200");
  EXPECT_EQ(url("[::1]:9300"), "http://[::1]:9300");
  EXPECT_EQ(url("http://u:p@es1"), "http://u:p@es1:9200");
  EXPECT_TRUE(url("ftp://es1").starts_with("error"));
  EXPECT_TRUE(url("http://es1", true).starts_with("error"));
  EXPECT_TRUE(url("es1:99999").starts_with("error"));
  EXPECT_TRUE(url("").starts_with("error"));
}

TEST(EsHostsTest, AuthorizationHeaders) {
  EXPECT_EQ(basic_auth_header("elastic", "changeme"), "Authorization: Basic ZWxhc3RpYzpjaGFuZ2VtZQ==");
  EXPECT_EQ(api_key_header("id:secret"), "Authorization: ApiKey aWQ6c2VjcmV0");
  EXPECT_EQ(api_key_header("aWQ6c2VjcmV0"), "Authorization: ApiKey aWQ6c2VjcmV0");
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("a"), "YQ==");
  EXPECT_EQ(base64_encode("ab"), "YWI=");
  EXPECT_EQ(base64_encode("abc"), "YWJj");
}

TEST(EsIndexTemplateTest, ShapePerServerGeneration) {
  EXPECT_EQ(template_endpoint(7), "_template");
  EXPECT_EQ(template_endpoint(8), "_index_template");
  std::string t8 = default_index_template(8);
  EXPECT_TRUE(t8.starts_with(R"({"index_patterns":"logstash-*","version":80001,"template":{"settings":)")) << t8;
  EXPECT_NE(t8.find(R"("priority":200)"), std::string::npos);
  std::string t7 = default_index_template(7);
  EXPECT_NE(t7.find(R"("mappings":{"dynamic_templates")"), std::string::npos) << t7;
  std::string t6 = default_index_template(6);
  EXPECT_NE(t6.find(R"("mappings":{"_default_":{"dynamic_templates")"), std::string::npos) << t6;
  std::string t5 = default_index_template(5);
  EXPECT_TRUE(t5.starts_with(R"({"template":"logstash-*")")) << t5;
}

}  // namespace
}  // namespace logferry::sinks::elasticsearch
