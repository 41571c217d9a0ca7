//===- ExplainTuning.cpp - Which tuning record a run would use, and why -----===//
//
// The key is computed exactly as the tuner and the serving path compute it
// (tuner::prefillProblemKey over the generated default kernel).
//
//===----------------------------------------------------------------------===//
#include "ExplainTuning.h"
#include "Commands.h"
#include "DeviceMatch.h"
#include "ProblemOptions.h"

#include "attnc/Runtime/Runtime.h"
#include "attnc/Tuner/TunedKernel.h"

#include <iostream>
#include <sstream>

namespace attnc::cli {

void addExplainTuningOptions(po::options_description &desc) {
  addDatabaseOptions(desc);
  desc.add_options()
      ("shape", po::value<std::string>(), "with --db: the problem to look up (B=..,Hq=..,Hkv=..,N=..,M=..)")
      ("device-match", po::value<std::string>(), "with --db: the device, as a substring of a fingerprint in the databases (default: this machine's GPU)");
}

bool wantsTuningExplanation(const po::variables_map &vm) {
  return vm.count("db") || vm.count("shipped-db");
}

int explainTuning(const po::variables_map &vm, const CompiledProgram &program,
                  const std::string &kernel, int headDim, std::ostream &os) {
  if (!vm.count("shape")) {
    std::cerr << "attnc: error: --db needs --shape: the problem whose tuned config to explain\n";
    return kExitUserError;
  }
  std::string error;
  std::optional<ProblemShape> shape = parseShape(vm["shape"].as<std::string>(), &error);
  if (!shape) {
    std::cerr << "attnc: error: " << error << "\n";
    return kExitUserError;
  }
  bool failed = false;
  std::unique_ptr<tuner::LayeredDb> db = openDatabases(vm, false, failed);
  if (failed)
    return kExitUserError;

  std::string device;
  if (vm.count("device-match")) {
    runtime::Expected<std::string> match = resolveDevice(db->layers(), vm["device-match"].as<std::string>());
    if (!match) {
      std::cerr << "attnc: error: " << match.error().message << "\n";
      return kExitUserError;
    }
    device = *match;
  } else {
    auto rt = runtime::Runtime::create(0);
    if (!rt) {
      std::cerr << "attnc: error: no GPU here (" << rt.error().message
                << "); name the device with --device-match (see `attnc db list`)\n";
      return kExitUserError;
    }
    device = (*rt)->device().fingerprint();
  }

  const cuda::PrefillConfig fallback =
      cuda::prefillCandidates(headDim, tuner::archOfFingerprint(device), program.maskReach(kernel))
          .front();
  std::ostringstream diag;
  std::optional<GeneratedKernel> generated = program.generate(kernel, headDim, fallback, diag);
  if (!generated) {
    std::cerr << diag.str();
    return kExitUserError;
  }
  tuner::ProblemKey key = tuner::prefillProblemKey(*generated, *shape);
  std::string fingerprint = program.fingerprint(kernel);
  auto found = db->lookup(device, fingerprint, key, fallback.str());
  if (!found) {
    std::cerr << "attnc: error: " << found.error().message << "\n";
    return kExitUserError;
  }
  os << "\ntuning lookup for " << shape->str() << "\n"
     << "  device:  " << device << "\n"
     << "  kernel:  " << fingerprint << "\n"
     << "  problem: " << key.str() << "\n"
     << "  config:  " << found->config << " (" << tuner::lookupSourceName(found->source)
     << (found->cubinKey.empty() ? "" : ", with a stored cubin: no NVRTC at launch") << ")\n"
     << "  why:     " << found->provenance << "\n";
  return kExitOk;
}

} // namespace attnc::cli
