// libcurl, loaded with dlopen when the first HTTP client is made rather than linked: only the
// elasticsearch sink and the alert webhook use it, and linking it maps libcurl and what it
// links (libldap, GnuTLS, Kerberos, libssh2, nettle, p11-kit, ...) into every process, about
// 3.5 MiB of resident pages in a collector that never speaks HTTP (issue 9).
//
// Example:
//   const CurlLibrary* curl = CurlLibrary::get();
//   if (curl == nullptr) return error(CurlLibrary::load_error());
//   CURL* c = curl->easy_init();
#pragma once

#include <curl/curl.h>

#include <string>

namespace logferry::net {

struct CurlLibrary {
  decltype(&::curl_global_init) global_init;
  decltype(&::curl_easy_init) easy_init;
  decltype(&::curl_easy_cleanup) easy_cleanup;
  decltype(&::curl_easy_reset) easy_reset;
  decltype(&::curl_easy_setopt) easy_setopt;
  decltype(&::curl_easy_perform) easy_perform;
  decltype(&::curl_easy_getinfo) easy_getinfo;
  decltype(&::curl_easy_strerror) easy_strerror;
  decltype(&::curl_slist_append) slist_append;
  decltype(&::curl_slist_free_all) slist_free_all;
  decltype(&::curl_multi_init) multi_init;
  decltype(&::curl_multi_cleanup) multi_cleanup;
  decltype(&::curl_multi_add_handle) multi_add_handle;
  decltype(&::curl_multi_remove_handle) multi_remove_handle;
  decltype(&::curl_multi_perform) multi_perform;
  decltype(&::curl_multi_poll) multi_poll;
  decltype(&::curl_multi_info_read) multi_info_read;

  // Loads libcurl.so.4 and runs curl_global_init once (thread-safe); nullptr if it cannot.
  static const CurlLibrary* get();
  // Why get() returned nullptr (dlopen's or dlsym's message).
  static const std::string& load_error();
};

}  // namespace logferry::net
