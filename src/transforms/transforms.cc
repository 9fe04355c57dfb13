#include "transforms/transforms.h"

namespace logferry::transforms {

void register_transforms(config::Registry& registry) {
  (void)registry;
}

}  // namespace logferry::transforms
