#include "sources/syslog/relp_session.h"

namespace logferry::sources::syslog {

std::string relp_response(uint64_t txnr, std::string_view data) {
  std::string out = std::to_string(txnr);
  out += " rsp ";
  out += std::to_string(data.size());
  if (!data.empty()) {
    out += ' ';
    out += data;
  }
  out += '\n';
  return out;
}

}  // namespace logferry::sources::syslog
