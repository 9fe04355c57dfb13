#include "sources/sources.h"

#include "sources/beats/beats_source.h"
#include "sources/file/file_source.h"
#include "sources/kubernetes_logs/kubernetes_logs_source.h"
#include "sources/stdin/stdin_source.h"
#include "sources/syslog/syslog_source.h"

namespace logferry::sources {

void register_sources(config::Registry& registry) {
  registry.add_source<BeatsSource>();
  registry.add_source<FileSource>();
  registry.add_source<KubernetesLogsSource>();
  registry.add_source<StdinSource>();
  registry.add_source<SyslogSource>();
}

}  // namespace logferry::sources
