//===- DeployedKernel.cpp - Lookup plus the winner's stored cubin ----------===//
//
// A cubin is looked for in every layer, not only the one whose record won: a user
// database may re-measure a config whose cubin ships in a read-only database.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/DeployedKernel.h"

namespace attnc::tuner {

using runtime::Expected;

Expected<DeployedKernel> findDeployedKernel(const LayeredDb &db, const std::string &device,
                                            const std::string &kernel, const ProblemKey &problem,
                                            const std::string &archDefault) {
  DeployedKernel out;
  Expected<LookupResult> found = db.lookup(device, kernel, problem, archDefault);
  if (!found)
    return found.takeError();
  out.lookup = found.takeValue();
  if (out.lookup.cubinKey.empty())
    return out;
  for (const TuningDb *layer : db.layers()) {
    Expected<std::optional<CubinRecord>> cubin = layer->cubin(out.lookup.cubinKey);
    if (!cubin)
      return cubin.takeError();
    if (!cubin->has_value())
      continue;
    Expected<runtime::KernelSpec> spec = runtime::parseKernelSpec((*cubin)->specText);
    if (!spec)
      return runtime::makeError(runtime::ErrorCode::IoError,
                                "tuning database " + layer->path() + ": the spec of cubin " +
                                    out.lookup.cubinKey +
                                    " does not parse: " + spec.error().message);
    out.spec = spec.takeValue();
    out.cubin = std::move((*cubin)->cubin);
    return out;
  }
  return out;
}

} // namespace attnc::tuner
