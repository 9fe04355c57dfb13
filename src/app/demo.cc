#include <cstdio>

#include "app/app.h"

namespace logferry::app {

int run_demo(const std::filesystem::path& dir, bool keep_running) {
  (void)keep_running;
  std::fprintf(stderr, "demo: not built yet in this version (%s)\n", dir.c_str());
  return 1;
}

}  // namespace logferry::app
