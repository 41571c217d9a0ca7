//===- OptionParsing.h - Shared Boost.Program_options handling ----*- C++ -*-===//
//
// Parses a subcommand's arguments against its option description with one positional
// FILE, handles `--help`, and turns Boost's exceptions into a one-line user error.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_OPTIONPARSING_H
#define ATTNC_TOOLS_OPTIONPARSING_H

#include "Commands.h"

#include <boost/program_options.hpp>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace attnc::cli {

namespace po = boost::program_options;

/// Parses `args`; returns the variables map, or an exit code when the command should stop
/// now (help printed: 0, bad options: 1). `usage` is the one-line synopsis.
inline std::optional<int> parseOptions(const Args &args, po::options_description &desc,
                                       const char *usage, po::variables_map &vm) {
  desc.add_options()("help,h", "print this help");
  po::options_description hidden;
  hidden.add_options()("file", po::value<std::string>(), "input .attn file");
  po::options_description all;
  all.add(desc).add(hidden);
  po::positional_options_description pos;
  pos.add("file", 1);
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error &e) {
    std::cerr << "attnc: error: " << e.what() << "\n" << usage << "\n";
    return kExitUserError;
  }
  if (vm.count("help")) {
    std::cout << usage << "\n\n" << desc << "\n";
    return kExitOk;
  }
  if (!vm.count("file")) {
    std::cerr << "attnc: error: no input file\n" << usage << "\n";
    return kExitUserError;
  }
  return std::nullopt;
}

/// Parses repeated `--param NAME=VALUE` items (VALUE a number) into `out`; prints the
/// offending item and returns false on a malformed one.
inline bool parseParamItems(const std::vector<std::string> &items,
                            std::map<std::string, double> &out) {
  for (const std::string &item : items) {
    size_t eq = item.find('=');
    char *end = nullptr;
    double v = eq == std::string::npos ? 0 : std::strtod(item.c_str() + eq + 1, &end);
    if (eq == std::string::npos || eq == 0 || !end || end == item.c_str() + eq + 1 ||
        *end != '\0') {
      std::cerr << "attnc: error: expected NAME=VALUE after --param, got '" << item << "'\n";
      return false;
    }
    out[item.substr(0, eq)] = v;
  }
  return true;
}

} // namespace attnc::cli

#endif // ATTNC_TOOLS_OPTIONPARSING_H
