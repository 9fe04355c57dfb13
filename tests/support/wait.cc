#include "support/wait.h"

#include <gtest/gtest.h>

#include <thread>

namespace logferry::testing {

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                const std::string& what) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (condition()) return true;
  ADD_FAILURE() << "timed out after " << timeout.count() << " ms waiting for " << what;
  return false;
}

}  // namespace logferry::testing
