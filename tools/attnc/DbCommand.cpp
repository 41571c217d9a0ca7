//===- DbCommand.cpp - attnc db list|show|lookup|import|export|merge|prune --===//
//
// The tuning database from the command line. Every action takes `--db PATH` (default:
// $ATTNC_DB, else $XDG_DATA_HOME/attnc/tune.db, else ~/.local/share/attnc/tune.db) and
// prints readable tables. `export -o deploy.db --device D` writes a deployment database
// (winners and their cubins for one device); `export --format tsv` and `import` move
// trials as text (see attnc/Tuner/TrialText.h); `lookup` shows which record a runtime
// would use and why.
//
//===----------------------------------------------------------------------===//
#include "Commands.h"
#include "DeviceMatch.h"
#include "OptionParsing.h"

#include "attnc/Tuner/LayeredDb.h"
#include "attnc/Tuner/TrialText.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>

namespace attnc::cli {
namespace {

using tuner::TrialFilter;
using tuner::TrialRecord;
using tuner::TuningDb;

const char *kUsage =
    "usage: attnc db <action> [--db PATH] [options]\n"
    "actions:\n"
    "  list                    one row per (kernel, problem, device): trials and the best config\n"
    "  show                    every trial, grouped by key; '*' marks the winner\n"
    "  lookup --device D --kernel K --problem KEY [--shipped DB ...]\n"
    "                          the config a runtime would use, and why\n"
    "  import FILE.tsv         add trials from the text form (attnc-trials 1)\n"
    "  export -o OUT --device D   a deploy database: winners and their cubins for device D\n"
    "  export --format tsv [-o FILE]   trials as text (to stdout without -o)\n"
    "  merge OTHER.db          add every trial, cubin and blocklist entry of OTHER.db\n"
    "  prune [--losers] [--keep-failed] [--older-than DAYS]\n"
    "                          drop failed (and, with --losers, non-winning) trials";

int reportError(const runtime::Error &error) {
  std::cerr << "attnc: error: " << error.message << "\n";
  return error.code == runtime::ErrorCode::Internal ? kExitInternalError : kExitUserError;
}

std::string deviceLabel(const std::string &fingerprint) {
  return fingerprint.substr(0, fingerprint.find('|')) + " " +
         tuner::archOfFingerprint(fingerprint);
}

std::string ms(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

TrialFilter filterFrom(const po::variables_map &vm) {
  TrialFilter f;
  f.device = vm["device"].as<std::string>();
  f.kernel = vm["kernel"].as<std::string>();
  f.problem = vm["problem"].as<std::string>();
  f.okOnly = vm.count("ok") > 0;
  return f;
}

int runList(TuningDb &db, const po::variables_map &vm) {
  auto rows = db.summary(filterFrom(vm));
  if (!rows)
    return reportError(rows.error());
  std::vector<std::vector<std::string>> cells;
  for (const tuner::SummaryRow &r : *rows)
    cells.push_back({r.kernel.substr(0, 12), r.kernelName, r.problem, deviceLabel(r.device),
                     std::to_string(r.trials), std::to_string(r.okTrials),
                     r.best ? r.best->config : "-", r.best ? ms(r.best->medianMs) : "-"});
  std::cout << "tuning database " << db.path() << ": " << rows->size() << " key(s)\n\n"
            << tuner::formatTable({"KERNEL", "NAME", "PROBLEM", "DEVICE", "TRIALS", "OK",
                                   "BEST CONFIG", "MEDIAN MS"},
                                  cells);
  return kExitOk;
}

int runShow(TuningDb &db, const po::variables_map &vm) {
  auto rows = db.summary(filterFrom(vm));
  auto trials = db.trials(filterFrom(vm));
  if (!rows || !trials)
    return reportError(rows ? trials.error() : rows.error());
  for (const tuner::SummaryRow &r : *rows) {
    std::cout << "kernel " << r.kernel << (r.kernelName.empty() ? "" : " (" + r.kernelName + ")")
              << "\nproblem " << r.problem << "\ndevice " << r.device << "\n";
    std::vector<std::vector<std::string>> cells;
    for (const TrialRecord &t : *trials)
      if (t.device == r.device && t.kernel == r.kernel && t.problem.str() == r.problem)
        cells.push_back({std::to_string(t.id), r.best && r.best->id == t.id ? "*" : "",
                         t.config, tuner::trialStatusName(t.status), ms(t.medianMs),
                         ms(t.minMs), ms(t.maxMs), std::to_string(t.samples), t.createdAt,
                         t.toolVersion, t.reason});
    std::cout << tuner::formatTable({"ID", "", "CONFIG", "STATUS", "MEDIAN MS", "MIN MS",
                                     "MAX MS", "SAMPLES", "DATE", "TOOL", "REASON"},
                                    cells)
              << "\n";
  }
  return kExitOk;
}

int runExport(TuningDb &db, const po::variables_map &vm) {
  std::string out = vm.count("output") ? vm["output"].as<std::string>() : "";
  if (vm["format"].as<std::string>() == "tsv") {
    auto trials = db.trials(filterFrom(vm));
    if (!trials)
      return reportError(trials.error());
    std::string text = tuner::formatTrialsText(*trials);
    if (out.empty() || out == "-") {
      std::cout << text;
      return kExitOk;
    }
    std::ofstream file(out, std::ios::binary);
    if (!(file << text) || !file.flush())
      return reportError(runtime::systemError(errno, "writing " + out));
    return kExitOk;
  }
  if (vm["format"].as<std::string>() != "deploy") {
    std::cerr << "attnc: error: expected --format deploy or tsv, got '"
              << vm["format"].as<std::string>() << "'\n";
    return kExitUserError;
  }
  if (out.empty() || vm["device"].as<std::string>().empty()) {
    std::cerr << "attnc: error: export needs -o OUT.db and --device D\n";
    return kExitUserError;
  }
  auto device = resolveDevice({&db}, vm["device"].as<std::string>());
  if (!device)
    return reportError(device.error());
  auto stats = db.exportDeploy(*device, out);
  if (!stats)
    return reportError(stats.error());
  std::cout << "wrote " << out << ": " << stats->trials << " winning config(s) and "
            << stats->cubins << " cubin(s) for " << *device << "\n";
  return kExitOk;
}

int runImport(TuningDb &db, const std::string &input) {
  std::ifstream in(input, std::ios::binary);
  if (!in)
    return reportError(runtime::systemError(errno, "opening " + input));
  std::stringstream text;
  text << in.rdbuf();
  auto trials = tuner::parseTrialsText(text.str(), input);
  if (!trials)
    return reportError(trials.error());
  if (runtime::Status st = db.recordTrials(*trials); !st)
    return reportError(st.error());
  std::cout << "imported " << trials->size() << " trial(s) from " << input << " into "
            << db.path() << "\n";
  return kExitOk;
}

int runLookup(const std::string &dbPath, const po::variables_map &vm) {
  auto problem = tuner::ProblemKey::parse(vm["problem"].as<std::string>());
  if (!problem)
    return reportError(problem.error());
  std::vector<std::string> shipped;
  if (vm.count("shipped"))
    shipped = vm["shipped"].as<std::vector<std::string>>();
  auto layered = tuner::LayeredDb::open(dbPath, shipped);
  if (!layered)
    return reportError(layered.error());
  auto r = (*layered)->lookup(vm["device"].as<std::string>(), vm["kernel"].as<std::string>(),
                              *problem, vm["default"].as<std::string>());
  if (!r)
    return reportError(r.error());
  std::cout << "config: " << r->config << "\nsource: " << tuner::lookupSourceName(r->source)
            << "\nwhy: " << r->provenance << "\n";
  return kExitOk;
}

} // namespace

namespace {

void addDbOptions(po::options_description &desc) {
  desc.add_options()
      ("db", po::value<std::string>(), "tuning database (default: $ATTNC_DB, else ~/.local/share/attnc/tune.db)")
      ("device", po::value<std::string>()->default_value(""), "device fingerprint, or a substring of one (filters, export, lookup)")
      ("kernel", po::value<std::string>()->default_value(""), "kernel fingerprint prefix or name")
      ("problem", po::value<std::string>()->default_value(""), "problem key (lookup) or a substring of one (filters)")
      ("ok", "only ok trials (list, show, export --format tsv)")
      ("output,o", po::value<std::string>(), "export: output path")
      ("format", po::value<std::string>()->default_value("deploy"), "export: deploy or tsv")
      ("shipped", po::value<std::vector<std::string>>()->composing(), "lookup: a read-only shipped database (repeatable)")
      ("default", po::value<std::string>()->default_value("-"), "lookup: the per-arch default config")
      ("losers", "prune: also drop ok trials that are not their key's winner")
      ("keep-failed", "prune: keep failed, wrong and timed-out trials")
      ("older-than", po::value<int>(), "prune: only trials at least DAYS old")
      ("help,h", "print this help");
}

/// Parses `args` (ACTION [INPUT] options); returns an exit code when the command should stop.
std::optional<int> parseDbArgs(const Args &args, po::variables_map &vm) {
  po::options_description desc("db options");
  addDbOptions(desc);
  po::options_description hidden;
  hidden.add_options()("action", po::value<std::string>(), "")("input", po::value<std::string>(), "");
  po::options_description all;
  all.add(desc).add(hidden);
  po::positional_options_description pos;
  pos.add("action", 1).add("input", 1);
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error &e) {
    std::cerr << "attnc: error: " << e.what() << "\n" << kUsage << "\n";
    return kExitUserError;
  }
  if (vm.count("help")) {
    std::cout << kUsage << "\n\n" << desc << "\n";
    return kExitOk;
  }
  std::string action = vm.count("action") ? vm["action"].as<std::string>() : "";
  static const std::set<std::string> kActions = {"list",   "show",  "lookup", "import",
                                                 "export", "merge", "prune"};
  if (!kActions.count(action)) {
    std::cerr << "attnc: error: "
              << (action.empty() ? "no action" : "unknown action '" + action + "'") << "\n"
              << kUsage << "\n";
    return kExitUserError;
  }
  bool needsInput = action == "import" || action == "merge";
  if (needsInput != (vm.count("input") > 0)) {
    std::cerr << "attnc: error: "
              << (needsInput ? "db " + action + " needs an input file"
                             : "unexpected argument '" + vm["input"].as<std::string>() + "'")
              << "\n" << kUsage << "\n";
    return kExitUserError;
  }
  return std::nullopt;
}

int runMerge(TuningDb &db, const std::string &input) {
  auto stats = db.mergeFrom(input);
  if (!stats)
    return reportError(stats.error());
  std::cout << "merged " << input << " into " << db.path() << ": " << stats->trials
            << " new trial(s), " << stats->cubins << " cubin(s), " << stats->blocked
            << " blocklist entr" << (stats->blocked == 1 ? "y" : "ies") << "\n";
  return kExitOk;
}

int runPrune(TuningDb &db, const po::variables_map &vm) {
  tuner::PruneOptions prune;
  prune.failed = !vm.count("keep-failed");
  prune.losers = vm.count("losers") > 0;
  if (vm.count("older-than"))
    prune.olderThanDays = vm["older-than"].as<int>();
  auto removed = db.prune(prune);
  if (!removed)
    return reportError(removed.error());
  std::cout << "pruned " << *removed << " trial(s) from " << db.path() << "\n";
  return kExitOk;
}

} // namespace

int runDb(const Args &args) {
  po::variables_map vm;
  if (std::optional<int> rc = parseDbArgs(args, vm))
    return *rc;
  std::string action = vm["action"].as<std::string>();
  runtime::Expected<std::string> path =
      vm.count("db") ? vm["db"].as<std::string>() : TuningDb::defaultPath();
  if (!path)
    return reportError(path.error());
  if (action == "lookup")
    return runLookup(*path, vm);
  bool writes = action == "import" || action == "merge" || action == "prune";
  auto db = TuningDb::open(
      *path, {writes ? TuningDb::Mode::ReadWrite : TuningDb::Mode::ReadOnly, 30000});
  if (!db)
    return reportError(db.error());
  if (action == "list")
    return runList(**db, vm);
  if (action == "show")
    return runShow(**db, vm);
  if (action == "export")
    return runExport(**db, vm);
  if (action == "import")
    return runImport(**db, vm["input"].as<std::string>());
  if (action == "merge")
    return runMerge(**db, vm["input"].as<std::string>());
  return runPrune(**db, vm);
}

} // namespace attnc::cli
