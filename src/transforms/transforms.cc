#include "transforms/transforms.h"

#include "transforms/filter/filter_transform.h"
#include "transforms/mutate/mutate_transform.h"

namespace logferry::transforms {

void register_transforms(config::Registry& registry) {
  registry.add_transform<FilterTransform>();
  registry.add_transform<MutateTransform>();
}

}  // namespace logferry::transforms
