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
#include <iostream>
#include <optional>

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

} // namespace attnc::cli

#endif // ATTNC_TOOLS_OPTIONPARSING_H
