#include "net/curl_library.h"

#include <dlfcn.h>

#include <mutex>

namespace logferry::net {

namespace {

struct Loaded {
  CurlLibrary api{};
  bool ok = false;
  std::string error;
};

template <class F>
bool bind(void* handle, const char* name, F& out, std::string& error) {
  out = reinterpret_cast<F>(dlsym(handle, name));
  if (out == nullptr && error.empty()) error = std::string("libcurl has no ") + name;
  return out != nullptr;
}

Loaded load() {
  Loaded l;
  // Never dlclosed: curl's global state lives as long as the process.
  void* h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (h == nullptr) {
    const char* why = dlerror();
    l.error = std::string("cannot load libcurl.so.4 (Debian package libcurl4): ") + (why ? why : "?");
    return l;
  }
  CurlLibrary& a = l.api;
  std::string& e = l.error;
  bool ok = bind(h, "curl_global_init", a.global_init, e) & bind(h, "curl_easy_init", a.easy_init, e) &
            bind(h, "curl_easy_cleanup", a.easy_cleanup, e) & bind(h, "curl_easy_reset", a.easy_reset, e) &
            bind(h, "curl_easy_setopt", a.easy_setopt, e) & bind(h, "curl_easy_perform", a.easy_perform, e) &
            bind(h, "curl_easy_getinfo", a.easy_getinfo, e) &
            bind(h, "curl_easy_strerror", a.easy_strerror, e) &
            bind(h, "curl_slist_append", a.slist_append, e) &
            bind(h, "curl_slist_free_all", a.slist_free_all, e) &
            bind(h, "curl_multi_init", a.multi_init, e) & bind(h, "curl_multi_cleanup", a.multi_cleanup, e) &
            bind(h, "curl_multi_add_handle", a.multi_add_handle, e) &
            bind(h, "curl_multi_remove_handle", a.multi_remove_handle, e) &
            bind(h, "curl_multi_perform", a.multi_perform, e) & bind(h, "curl_multi_poll", a.multi_poll, e) &
            bind(h, "curl_multi_info_read", a.multi_info_read, e);
  if (!ok) return l;
  if (CURLcode rc = a.global_init(CURL_GLOBAL_DEFAULT); rc != CURLE_OK) {
    l.error = std::string("curl_global_init failed: ") + a.easy_strerror(rc);
    return l;
  }
  l.ok = true;
  return l;
}

const Loaded& loaded() {
  static const Loaded l = load();  // thread-safe once
  return l;
}

}  // namespace

const CurlLibrary* CurlLibrary::get() { return loaded().ok ? &loaded().api : nullptr; }

const std::string& CurlLibrary::load_error() { return loaded().error; }

}  // namespace logferry::net
