#include "transforms/transforms.h"

#include "transforms/dissect/dissect_transform.h"
#include "transforms/date/date_transform.h"
#include "transforms/decorate/decorate_transform.h"
#include "transforms/drop/drop_transform.h"
#include "transforms/conditional/conditional_transform.h"
#include "transforms/filter/filter_transform.h"
#include "transforms/grok/grok_transform.h"
#include "transforms/kubernetes_metadata/kubernetes_metadata_transform.h"
#include "transforms/multiline/multiline_transform.h"
#include "transforms/mutate/mutate_transform.h"
#include "transforms/parse_json/parse_json_transform.h"

namespace logferry::transforms {

void register_transforms(config::Registry& registry) {
  registry.add_transform<FilterTransform>();
  registry.add_transform<MutateTransform>();
  registry.add_transform<ParseJsonTransform>();
  registry.add_transform<GrokTransform>();
  registry.add_transform<DissectTransform>();
  registry.add_transform<DateTransform>();
  registry.add_transform<DropTransform>();
  registry.add_transform<DecorateTransform>();
  registry.add_transform<MultilineTransform>();
  registry.add_transform<KubernetesMetadataTransform>();
  registry.set_conditional(&ConditionalTransform::build);
}

}  // namespace logferry::transforms
