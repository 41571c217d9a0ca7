//===- ServeKernel.cpp - The serving path both kernel families share -------===//
//
// serveKernel: lookup, deployed-cubin load, or compile with the spill-free fallback over
// the defaults; timings split into lookup (key + database) and load (module, and compile).
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/ServeKernel.h"

#include "attnc/Tuner/DeployedKernel.h"

namespace attnc::tuner {

namespace {
using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}
} // namespace

runtime::Error generationError(const std::string &kernel, const std::ostringstream &diag) {
  return runtime::Error{runtime::ErrorCode::InvalidArgument,
                        "cannot generate kernel '" + kernel + "': " + diag.str()};
}

runtime::Expected<TunedKernel> serveKernel(runtime::Runtime &rt, const CompiledProgram &program,
                                           const std::string &kernel, const ProblemKey &key,
                                           const ServingFamily &family, const LayeredDb *db,
                                           Clock::time_point started) {
  TunedKernel out;
  out.lookup.source = LookupSource::ArchDefault;
  out.lookup.config = family.defaults.front();
  out.lookup.provenance = "no tuning database: the per-arch default";
  if (db) {
    runtime::Expected<DeployedKernel> found =
        findDeployedKernel(*db, rt.device().fingerprint(), program.fingerprint(kernel), key,
                           family.defaults.front());
    if (!found)
      return found.takeError();
    out.lookup = found->lookup;
    out.lookupMs = msSince(started);
    if (found->spec) {
      auto load = Clock::now();
      auto loaded = rt.load(found->cubin, *found->spec);
      if (!loaded)
        return loaded.takeError();
      out.kernel = loaded.takeValue();
      out.generated = family.deployed(*found->spec, found->lookup.config);
      out.deployedCubin = true;
      out.loadMs = msSince(load);
      return out;
    }
  }

  // Compile: the looked-up config, or the defaults in order until one is spill-free.
  std::vector<std::string> configs = family.defaults;
  if (out.lookup.source != LookupSource::ArchDefault) {
    if (!family.parses(out.lookup.config))
      return runtime::Error{runtime::ErrorCode::IoError,
                            "tuning database " + out.lookup.dbPath + ": config '" +
                                out.lookup.config + "' is not a " + family.configWord +
                                " tile config"};
    configs = {out.lookup.config};
  }
  auto load = Clock::now();
  std::ostringstream diag;
  for (const std::string &config : configs) {
    std::optional<GeneratedKernel> generated = family.generate(config, diag);
    if (!generated)
      return generationError(kernel, diag);
    auto compiled = rt.compile(generated->source, generated->spec);
    if (!compiled)
      return compiled.takeError();
    out.kernel = compiled.takeValue();
    out.generated = *generated;
    if (out.kernel->resources().localBytes == 0)
      break;
  }
  out.loadMs = msSince(load);
  return out;
}

} // namespace attnc::tuner
