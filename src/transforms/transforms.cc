#include "transforms/transforms.h"

#include "transforms/conditional/conditional_transform.h"
#include "transforms/filter/filter_transform.h"
#include "transforms/mutate/mutate_transform.h"
#include "transforms/parse_json/parse_json_transform.h"

namespace logferry::transforms {

void register_transforms(config::Registry& registry) {
  registry.add_transform<FilterTransform>();
  registry.add_transform<MutateTransform>();
  registry.add_transform<ParseJsonTransform>();
  registry.set_conditional(&ConditionalTransform::build);
}

}  // namespace logferry::transforms
