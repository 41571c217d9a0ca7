//===- ProblemOptions.cpp - Problem and tuning-database options -------------===//
//
// Error messages name the option and the offending item.
//
//===----------------------------------------------------------------------===//
#include "ProblemOptions.h"

#include <iostream>

namespace attnc::cli {

void addProblemOptions(po::options_description &desc) {
  desc.add_options()
      ("param", po::value<std::vector<std::string>>()->composing(), "NAME=VALUE for a param (repeatable)")
      ("input", po::value<std::vector<std::string>>()->composing(), "NAME=FILE: read an extra input from raw little-endian values in its declared shape (default: random)")
      ("device", po::value<int>()->default_value(0), "CUDA device ordinal");
}

std::optional<ProblemShape> parseProblem(const po::variables_map &vm,
                                         const std::string &shapeText) {
  std::string error;
  std::optional<ProblemShape> shape = parseShape(shapeText, &error);
  if (!shape) {
    std::cerr << "attnc: error: " << error << "\n";
    return std::nullopt;
  }
  if (vm.count("param") &&
      !parseParamItems(vm["param"].as<std::vector<std::string>>(), shape->params))
    return std::nullopt;
  if (vm.count("input"))
    for (const std::string &item : vm["input"].as<std::vector<std::string>>()) {
      size_t eq = item.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == item.size()) {
        std::cerr << "attnc: error: expected NAME=FILE after --input, got '" << item << "'\n";
        return std::nullopt;
      }
      shape->inputFiles[item.substr(0, eq)] = item.substr(eq + 1);
    }
  return shape;
}

void addDatabaseOptions(po::options_description &desc) {
  desc.add_options()
      ("db", po::value<std::string>(), "user tuning database (read-write; default for tune: $ATTNC_DB, else ~/.local/share/attnc/tune.db)")
      ("shipped-db", po::value<std::vector<std::string>>()->composing(), "read-only tuning database beneath the user one (repeatable; e.g. a deploy.db)");
}

std::unique_ptr<tuner::LayeredDb> openDatabases(const po::variables_map &vm, bool userRequired,
                                                bool &failed) {
  failed = false;
  std::string user = vm.count("db") ? vm["db"].as<std::string>() : "";
  std::vector<std::string> shipped =
      vm.count("shipped-db") ? vm["shipped-db"].as<std::vector<std::string>>()
                             : std::vector<std::string>();
  if (user.empty() && userRequired) {
    runtime::Expected<std::string> path = tuner::TuningDb::defaultPath();
    if (!path) {
      std::cerr << "attnc: error: " << path.error().message << "\n";
      failed = true;
      return nullptr;
    }
    user = *path;
  }
  if (user.empty() && shipped.empty())
    return nullptr;
  runtime::Expected<std::unique_ptr<tuner::LayeredDb>> db = tuner::LayeredDb::open(user, shipped);
  if (!db) {
    std::cerr << "attnc: error: " << db.error().message << "\n";
    failed = true;
    return nullptr;
  }
  return db.takeValue();
}

} // namespace attnc::cli
