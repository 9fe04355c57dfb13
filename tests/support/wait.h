// wait_until: poll a condition instead of sleeping and hoping. Fails the test with `what` on timeout.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace logferry::testing {

bool wait_until(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(10),
                const std::string& what = "condition");

}  // namespace logferry::testing
