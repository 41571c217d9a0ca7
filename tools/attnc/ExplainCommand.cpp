//===- ExplainCommand.cpp - attnc explain ----------------------------------===//
//
// `attnc explain FILE --N .. --M .. --block BMxBN`: shows what mask analysis derived for a
// softmax kernel on one problem size: per query block the key-block range a kernel
// visits and its full/partial/empty tiles, totals, and FLOPs against dense attention;
// or, for masks that read data, that a run-time block map is needed. With --db, also which
// tuning record a run of that problem would use and why (ExplainTuning.h).
//
//===----------------------------------------------------------------------===//
#include "Commands.h"
#include "ExplainTuning.h"
#include "OptionParsing.h"

#include "attnc/Analysis/BlockClassification.h"
#include "attnc/Driver/CompiledProgram.h"

#include <iostream>

namespace attnc::cli {
namespace {

const char *kUsage = "usage: attnc explain FILE --N QUERIES [--M KEYS] [--block BM[xBN]] "
                     "[--param NAME=VALUE ...] [options]";

/// Parses "128" or "128x64".
bool parseBlock(const std::string &text, int64_t &bm, int64_t &bn) {
  size_t x = text.find('x');
  try {
    size_t used = 0;
    bm = std::stoll(text.substr(0, x), &used);
    if (used != (x == std::string::npos ? text.size() : x))
      return false;
    bn = x == std::string::npos ? bm : std::stoll(text.substr(x + 1), &used);
    if (x != std::string::npos && used != text.size() - x - 1)
      return false;
  } catch (const std::exception &) {
    return false;
  }
  return bm > 0 && bn > 0;
}

/// Parses --param items into symbol overrides; mask symbols are integers.
bool parseOverrides(const std::vector<std::string> &items, analysis::SymbolValues &out) {
  std::map<std::string, double> values;
  if (!parseParamItems(items, values))
    return false;
  for (const auto &[name, v] : values) {
    if (v != static_cast<double>(static_cast<int64_t>(v))) {
      std::cerr << "attnc: error: expected an integer value for '" << name << "', got " << v
                << "\n";
      return false;
    }
    out[name] = static_cast<int64_t>(v);
  }
  return true;
}

} // namespace

int runExplain(const Args &args) {
  po::options_description desc("explain options");
  desc.add_options()
      ("N", po::value<int64_t>(), "number of queries")
      ("M", po::value<int64_t>(), "number of keys (default: N)")
      ("block", po::value<std::string>()->default_value("128x64"), "tile shape BM or BMxBN")
      ("param", po::value<std::vector<std::string>>()->composing(), "NAME=VALUE for a param or dim symbol (repeatable)")
      ("kernel", po::value<std::string>()->default_value(""), "kernel to explain when the file holds several")
      ("head-dim", po::value<int64_t>()->default_value(128), "head dim D for the FLOP counts")
      ("rows", po::value<size_t>()->default_value(32), "query blocks to print (0: all)")
      ("summary", "print only the totals");
  addExplainTuningOptions(desc);
  po::variables_map vm;
  if (auto rc = parseOptions(args, desc, kUsage, vm))
    return *rc;
  if (!vm.count("N")) {
    std::cerr << "attnc: error: --N is required\n" << kUsage << "\n";
    return kExitUserError;
  }
  analysis::Tiling tiling;
  tiling.N = vm["N"].as<int64_t>();
  tiling.M = vm.count("M") ? vm["M"].as<int64_t>() : tiling.N;
  if (tiling.N <= 0 || tiling.M <= 0) {
    std::cerr << "attnc: error: --N and --M must be positive\n";
    return kExitUserError;
  }
  if (!parseBlock(vm["block"].as<std::string>(), tiling.BM, tiling.BN)) {
    std::cerr << "attnc: error: expected --block BM or BMxBN with positive sizes, got '"
              << vm["block"].as<std::string>() << "'\n";
    return kExitUserError;
  }
  analysis::SymbolValues overrides;
  if (vm.count("param") &&
      !parseOverrides(vm["param"].as<std::vector<std::string>>(), overrides))
    return kExitUserError;

  std::unique_ptr<CompiledProgram> program =
      CompiledProgram::load(vm["file"].as<std::string>(), std::cerr);
  if (!program)
    return kExitUserError;
  std::string kernel = vm["kernel"].as<std::string>();
  std::vector<std::string> names = program->kernelNames();
  if (kernel.empty()) {
    if (names.size() != 1) {
      std::cerr << "attnc: error: the file holds " << names.size()
                << " kernels; choose one with --kernel NAME\n";
      return kExitUserError;
    }
    kernel = names.front();
  }
  std::optional<analysis::MaskModel> model = program->maskModel(kernel, std::cerr);
  if (!model)
    return kExitUserError;
  std::string error;
  std::optional<analysis::ExplainReport> report =
      analysis::explainMask(*model, tiling, vm["head-dim"].as<int64_t>(), overrides, &error);
  if (!report) {
    std::cerr << "attnc: error: " << error << "\n";
    return kExitUserError;
  }
  report->kernelName = kernel;
  analysis::printExplain(std::cout, *report, vm.count("summary") ? 1 : vm["rows"].as<size_t>());
  if (wantsTuningExplanation(vm))
    return explainTuning(vm, *program, kernel, static_cast<int>(vm["head-dim"].as<int64_t>()),
                         std::cout);
  return kExitOk;
}

} // namespace attnc::cli
