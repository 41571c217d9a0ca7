//===- TuneCommand.cpp - attnc tune ----------------------------------------===//
//
// `attnc tune FILE --shapes "B=2,H=16,N=4096;B=2,H=16,N=16384" --db tune.db`: for each
// shape, searches the kernel family's tile space on this GPU (tuner/gpu PrefillTuner for
// softmax kernels, LinearTuner for the linear family: NVRTC in forked children on a
// thread pool, each candidate checked against the float64 reference and timed in a child
// process under a watchdog), commits every trial to the database as it ends, and prints
// a progress bar (configs done/total, best so far, ETA), then the top configs with their
// registers and their speed against the per-arch default. --svg draws the landscape.
// Configs are labelled in the family's text form ("128x64 w4 s2 q:smem", "c64 sub32 v64 w4").
//
//===----------------------------------------------------------------------===//
#include "Commands.h"
#include "OptionParsing.h"
#include "ProblemOptions.h"
#include "LinearSelection.h"
#include "SourceLoading.h"

#include "attnc/Tuner/DeviceProbe.h"
#include "attnc/Tuner/LandscapeSvg.h"
#include "attnc/Tuner/LinearTuner.h"
#include "attnc/Tuner/PrefillTuner.h"
#include "attnc/Tuner/ProgressLine.h"
#include "attnc/Tuner/Spaces.h"
#include "attnc/Tuner/TopK.h"
#include "attnc/Tuner/TunedKernel.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <fstream>
#include <iostream>
#include <thread>
#include <unistd.h>

namespace attnc::cli {
namespace {

const char *kUsage = "usage: attnc tune FILE --shapes \"B=..,H=..,N=..[;...]\" [--db tune.db] "
                     "[--budget N] [--time-budget SECONDS] [options]";
constexpr int kProgressEvery = 10; ///< trials between progress lines when not on a terminal

std::vector<std::string> splitShapes(const std::string &text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(';', start);
    std::string item = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (item.find_first_not_of(" \t") != std::string::npos)
      out.push_back(item);
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  return out;
}

/// "tune.svg" for one shape; "tune-1.svg", "tune-2.svg", ... for several.
std::string svgPath(const std::string &path, size_t index, size_t count) {
  if (count == 1)
    return path;
  size_t dot = path.rfind('.');
  std::string suffix = "-" + std::to_string(index + 1);
  return dot == std::string::npos ? path + suffix : path.substr(0, dot) + suffix + path.substr(dot);
}

using ConfigLabel = std::function<std::string(const tuner::Candidate &)>;

std::string prefillLabel(const tuner::Candidate &c) { return tuner::toPrefillConfig(c).str(); }
std::string linearLabel(const tuner::Candidate &c) { return tuner::toLinearConfig(c).str(); }

void printTable(const tuner::TuneReport &report, size_t k, const ConfigLabel &configLabel) {
  const tuner::SearchResult &r = report.result;
  std::vector<size_t> top = tuner::topK(r, k);
  const tuner::Trial *def = report.defaultTrial ? &r.trials[*report.defaultTrial] : nullptr;
  std::printf("%4s  %-22s %10s  %-19s %5s %8s %8s %10s\n", "rank", "config", "median ms",
              "min..max ms", "regs", "smem KB", "vs best", "vs default");
  for (size_t n = 0; n < top.size(); ++n) {
    const tuner::Trial &t = r.trials[top[n]];
    const tuner::Measurement &m = t.measurement;
    std::printf("%4zu  %-22s %10.4f  %8.4f..%-9.4f %5d %8.1f %7.2fx %9.2fx%s\n", n + 1,
                configLabel(t.candidate).c_str(), m.medianMs, m.minMs, m.maxMs,
                t.compile.registers, t.compile.sharedBytes / 1024.0,
                m.medianMs / r.trials[top[0]].measurement.medianMs,
                def ? def->measurement.medianMs / m.medianMs : 0.0,
                top[n] == report.defaultTrial ? "  (default)" : "");
  }
  int failed = 0, rejected = 0;
  for (const tuner::Trial &t : r.trials)
    if (!t.ok())
      (t.outcome == tuner::TrialOutcome::Measured ? failed : rejected) += 1;
  std::printf("%d measured, %d rejected after compiling (local memory, registers), %d failed "
              "or wrong (blocklisted), %zu pruned before compiling%s%s\n",
              r.measuredCount(), rejected, failed, r.pruned.size(),
              r.budgetExhausted ? "; measurement budget spent" : "",
              r.timeExhausted ? "; time budget spent" : "");
  for (const tuner::Trial &t : r.trials)
    if (t.outcome == tuner::TrialOutcome::Measured && !t.ok())
      std::printf("  %s: %s: %s\n", configLabel(t.candidate).c_str(),
                  tuner::measureStatusName(t.measurement.status), t.measurement.reason.c_str());
  if (const tuner::Trial *best = r.bestTrial()) {
    if (def)
      std::printf("tuned %s: %.4f ms; per-arch default %s: %.4f ms; tuning gains %.2fx\n",
                  configLabel(best->candidate).c_str(), best->measurement.medianMs,
                  configLabel(def->candidate).c_str(), def->measurement.medianMs,
                  def->measurement.medianMs / best->measurement.medianMs);
    else
      std::printf("tuned %s: %.4f ms; no per-arch default ran correctly here\n",
                  configLabel(best->candidate).c_str(), best->measurement.medianMs);
  }
}

/// What p means for a linear problem of `tokens` per sequence: the segments' starting
/// states go through HBM every tokens / p tokens (TFLA's chunk size); c is the tile walked
/// with the state in registers inside a segment.
void printLinearSplitNote(int64_t tokens) {
  std::printf("p: segments per sequence, each starting from a state materialised in HBM, so "
              "the state goes through HBM every T/p tokens at T=%lld:",
              static_cast<long long>(tokens));
  for (int p = 2; p <= cuda::kMaxLinearSegments; p *= 2)
    std::printf(" p%d %lld%s", p, static_cast<long long>((tokens + p - 1) / p),
                p < cuda::kMaxLinearSegments ? "," : "");
  std::printf("; p1 never; p0 lets each launch choose from the SM count; c: the chunk "
              "tile walked with the state in registers\n");
}

/// The linear tune of the same problem, options and database as a prefill request.
tuner::LinearTuneRequest linearRequest(const tuner::TuneRequest &req, int headDimV) {
  tuner::LinearTuneRequest out;
  out.program = req.program;
  out.ast = req.ast;
  out.kernel = req.kernel;
  out.headDimK = req.headDim;
  out.headDimV = headDimV;
  out.shape = req.shape;
  out.device = req.device;
  out.cacheDir = req.cacheDir;
  out.db = req.db;
  out.plan.strategy = req.strategy;
  out.plan.budget = req.budget;
  out.plan.compileThreads = req.compileThreads;
  out.plan.seed = req.seed;
  out.plan.progress = req.progress;
  out.watchdog = req.watchdog;
  out.warmup = req.warmup;
  out.iterations = req.iterations;
  out.toolVersion = req.toolVersion;
  return out;
}

} // namespace

int runTune(const Args &args) {
  po::options_description desc("tune options");
  desc.add_options()
      ("shapes", po::value<std::string>(), "problems to tune, ';'-separated: B=..,Hq=..,Hkv=..,N=..,M=.. each")
      ("kernel", po::value<std::string>()->default_value(""), "kernel to tune when the file holds several")
      ("head-dim", po::value<int>(), "head dim D, the key head dim K of a linear kernel (default: the declared one, else 128)")
      ("head-dim-v", po::value<int>(), "linear family: value head dim V (default: the declared one, else K)")
      ("budget", po::value<int>()->default_value(0), "configs to measure per shape (0: all valid ones)")
      ("time-budget", po::value<double>()->default_value(0), "seconds per shape (0: no limit)")
      ("strategy", po::value<std::string>()->default_value("auto"), "auto, exhaustive, random-local or evolutionary")
      ("top", po::value<size_t>()->default_value(8), "rows of the final table")
      ("svg", po::value<std::string>(), "write the tuning landscape (time per config) as SVG")
      ("compile-threads", po::value<unsigned>()->default_value(std::max(2u, std::thread::hardware_concurrency())), "NVRTC compiles in parallel")
      ("watchdog", po::value<double>()->default_value(30), "seconds before a measurement is killed as hung")
      ("iters", po::value<int>()->default_value(30), "timed launches per config")
      ("warmup", po::value<int>()->default_value(5), "untimed launches per config")
      ("seed", po::value<unsigned long long>()->default_value(1), "seed of the search strategies");
  addProblemOptions(desc);
  addDatabaseOptions(desc);
  po::variables_map vm;
  if (auto rc = parseOptions(args, desc, kUsage, vm))
    return *rc;
  if (!vm.count("shapes")) {
    std::cerr << "attnc: error: --shapes is required\n" << kUsage << "\n";
    return kExitUserError;
  }
  if (vm["budget"].as<int>() < 0 || vm["time-budget"].as<double>() < 0 ||
      vm["watchdog"].as<double>() <= 0 || vm["iters"].as<int>() <= 0 ||
      vm["warmup"].as<int>() < 0) {
    std::cerr << "attnc: error: --budget, --time-budget and --warmup must not be negative; "
                 "--watchdog and --iters must be positive\n";
    return kExitUserError;
  }
  const std::string file = vm["file"].as<std::string>();
  std::optional<LoadedProgram> ast = loadProgram(file);
  if (!ast)
    return kExitUserError;
  std::unique_ptr<CompiledProgram> program = CompiledProgram::load(file, std::cerr);
  if (!program)
    return kExitUserError;
  const dsl::Kernel *kernel = selectKernel(*ast, vm["kernel"].as<std::string>());
  if (!kernel)
    return kExitUserError;
  const bool linear = program->family(kernel->name) == "linear";
  std::optional<int> declared = program->declaredHeadDim(kernel->name);
  int headDim = vm.count("head-dim") ? vm["head-dim"].as<int>() : declared.value_or(128);
  if ((declared && *declared != headDim) || (headDim != 64 && headDim != 128 && headDim != 256)) {
    std::cerr << "attnc: error: head dim " << headDim << " is not one kernel '" << kernel->name
              << "' can be tuned for (64, 128 or 256"
              << (declared ? ", and it declares " + std::to_string(*declared) : std::string())
              << ")\n";
    return kExitUserError;
  }
  std::optional<int> headDimV;
  if (linear) {
    headDimV = chooseValueDim(*program, kernel->name, headDim, vm);
    if (!headDimV)
      return kExitUserError;
    // The template must fit these head dims before a GPU is looked for.
    if (!tuner::generateLinearDefault(*program, kernel->name, headDim, *headDimV, std::cerr))
      return kExitUserError;
  } else if (vm.count("head-dim-v")) {
    std::cerr << "attnc: error: --head-dim-v applies to linear kernels; kernel '"
              << kernel->name << "' is a softmax one\n";
    return kExitUserError;
  }
  std::vector<ProblemShape> shapes;
  for (const std::string &text : splitShapes(vm["shapes"].as<std::string>())) {
    std::optional<ProblemShape> shape = parseProblem(vm, text);
    if (!shape)
      return kExitUserError;
    if (linear && (shape->headsKv != shape->headsQ || shape->seqK != shape->seqQ)) {
      std::cerr << "attnc: error: kernel '" << kernel->name
                << "' is of the linear family; its --shapes take B, H and N (the length T), "
                   "got '" << text << "'\n";
      return kExitUserError;
    }
    shapes.push_back(*shape);
  }
  if (shapes.empty()) {
    std::cerr << "attnc: error: --shapes names no shape\n";
    return kExitUserError;
  }
  runtime::Expected<runtime::DeviceInfo> device = tuner::probeDeviceInChild(vm["device"].as<int>());
  if (!device) {
    std::cerr << "attnc: error: no GPU to tune on: " << device.error().message << "\n";
    return kExitUserError;
  }
  bool dbFailed = false;
  std::unique_ptr<tuner::LayeredDb> db = openDatabases(vm, true, dbFailed);
  if (dbFailed)
    return kExitUserError;
  std::string dims = linear ? "K=" + std::to_string(headDim) + " V=" + std::to_string(*headDimV)
                            : "D=" + std::to_string(headDim);
  std::printf("tuning '%s' (%s) on %s [%s]; trials go to %s\n", kernel->name.c_str(),
              dims.c_str(), device->name.c_str(), device->arch().c_str(),
              db->user()->path().c_str());
  const ConfigLabel configLabel = linear ? ConfigLabel(linearLabel) : ConfigLabel(prefillLabel);

  const bool tty = ::isatty(STDERR_FILENO);
  for (size_t s = 0; s < shapes.size(); ++s) {
    tuner::TuneRequest req;
    req.program = program.get();
    req.ast = kernel;
    req.kernel = kernel->name;
    req.headDim = headDim;
    req.shape = shapes[s];
    req.device = *device;
    req.db = db->user();
    req.strategy = vm["strategy"].as<std::string>();
    req.budget.maxMeasured = vm["budget"].as<int>();
    req.budget.maxTime = std::chrono::milliseconds(
        static_cast<int64_t>(vm["time-budget"].as<double>() * 1000));
    req.compileThreads = vm["compile-threads"].as<unsigned>();
    req.seed = vm["seed"].as<unsigned long long>();
    req.watchdog =
        std::chrono::milliseconds(static_cast<int64_t>(vm["watchdog"].as<double>() * 1000));
    req.iterations = vm["iters"].as<int>();
    req.warmup = vm["warmup"].as<int>();
    req.toolVersion = ATTNC_VERSION;
    req.progress = [tty](const tuner::Progress &p) {
      if (tty)
        std::fprintf(stderr, "\r%s\033[K", tuner::formatProgress(p).c_str());
      else if (p.trials % kProgressEvery == 0 || p.done == p.total)
        std::fprintf(stderr, "%s\n", tuner::formatProgress(p).c_str());
    };
    std::printf("\n== %s\n", shapes[s].str().c_str());
    std::fflush(stdout);
    runtime::Expected<tuner::TuneReport> report =
        linear ? tuner::tuneLinear(linearRequest(req, *headDimV)) : tuner::tunePrefill(req);
    if (tty)
      std::fprintf(stderr, "\n");
    if (!report) {
      std::cerr << "attnc: error: " << report.error().message << "\n";
      return kExitUserError;
    }
    std::printf("problem %s; kernel %.16s; %s search over %d valid configs (%d blocklisted); "
                "checked on %s; %.1f s\n",
                report->problem.str().c_str(), report->kernelFingerprint.c_str(),
                report->strategy.c_str(), report->validPoints, report->blockedPoints,
                report->checkShape.str().c_str(), report->elapsed.count() / 1000.0);
    printTable(*report, vm["top"].as<size_t>(), configLabel);
    if (linear && std::any_of(report->result.trials.begin(), report->result.trials.end(),
                              [](const tuner::Trial &t) {
                                return t.ok() && t.candidate.get("p") > 1;
                              }))
      printLinearSplitNote(shapes[s].seqQ);
    if (!report->storedCubinKey.empty())
      std::printf("winner's cubin stored (key %.16s): `attnc db export` ships it\n",
                  report->storedCubinKey.c_str());
    if (vm.count("svg")) {
      std::string path = svgPath(vm["svg"].as<std::string>(), s, shapes.size());
      std::ofstream out(path);
      tuner::LandscapeOptions opts;
      opts.title = kernel->name + " " + shapes[s].str() + " on " + device->name;
      opts.defaultTrial = report->defaultTrial;
      opts.label = configLabel;
      tuner::writeLandscapeSvg(out, report->result, opts);
      if (!out) {
        std::cerr << "attnc: error: cannot write '" << path << "'\n";
        return kExitUserError;
      }
      std::printf("landscape written to %s\n", path.c_str());
    }
  }
  return kExitOk;
}

} // namespace attnc::cli
