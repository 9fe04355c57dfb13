#include <gtest/gtest.h>

#include "app/app.h"
#include "support/net_util.h"
#include "support/temp_dir.h"

namespace logferry {
namespace {

// docs/configuration.md is generated from the schemas; this keeps the committed copy honest.
// To refresh it: scripts/refresh-docs.sh
TEST(ReferenceDocsTest, CommittedReferenceMatchesTheSchemas) {
  std::string committed = testing::read_file(testing::source_dir() / "docs/configuration.md");
  EXPECT_EQ(committed, app::reference_markdown())
      << "docs/configuration.md is stale: run `build/logferry docs > docs/configuration.md`";
}

}  // namespace
}  // namespace logferry
