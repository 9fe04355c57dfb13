#include "sinks/sinks.h"

#include "sinks/alert/alert_sink.h"
#include "sinks/blackhole/blackhole_sink.h"
#include "sinks/console/console_sink.h"
#include "sinks/elasticsearch/elasticsearch_sink.h"
#include "sinks/file/file_sink.h"
#include "sinks/syslog/syslog_sink.h"

namespace logferry::sinks {

void register_sinks(config::Registry& registry) {
  registry.add_sink<SyslogSink>();
  registry.add_sink<ElasticsearchSink>();
  registry.add_sink<FileSink>();
  registry.add_sink<AlertSink>();
  registry.add_sink<ConsoleSink>();
  registry.add_sink<BlackholeSink>();
}

}  // namespace logferry::sinks
