//===- Main.cpp - attnc command-line entry point ---------------------------===//
//
// `attnc <command> [options]`: dispatches to one subcommand per file. Every subcommand
// takes `--help`; `attnc --version` prints the tool version. Exit codes: 0 ok, 1 user
// error, 2 internal error (an unexpected exception is caught here and reported as such).
//
//===----------------------------------------------------------------------===//
#include "Commands.h"

#include <exception>
#include <functional>
#include <iostream>
#include <map>

using namespace attnc::cli;

namespace {

struct Command {
  std::function<int(const Args &)> run;
  const char *summary;
};

const std::map<std::string, Command> &commands() {
  static const std::map<std::string, Command> table = {
      {"compile", {runCompile, "lower a .attn kernel: AST, MLIR, CUDA, PTX or a cubin"}},
      {"explain", {runExplain, "show the mask analysis: key-block ranges, full/partial/empty tiles"}},
      {"check", {runCheck, "run on the GPU against the float64 CPU reference"}},
      {"run", {runRun, "run on the GPU; --bench prints median time and TFLOP/s"}},
      {"tune", {runTune, "search tile configs on this GPU; every trial goes to the tuning database"}},
      {"db", {runDb, "the tuning database: list, show, lookup, import, export, merge, prune"}},
  };
  return table;
}

void printUsage(std::ostream &os) {
  os << "attnc " ATTNC_VERSION " - an attention-kernel compiler\n\n"
     << "usage: attnc <command> [options]   (attnc <command> --help for its options)\n\n"
     << "commands:\n";
  for (const auto &[name, cmd] : commands())
    os << "  " << name << std::string(10 - name.size(), ' ') << cmd.summary << "\n";
  os << "\n  --version  print the version\n  --help     print this help\n";
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    printUsage(std::cerr);
    return kExitUserError;
  }
  std::string first = argv[1];
  if (first == "--help" || first == "-h" || first == "help") {
    printUsage(std::cout);
    return kExitOk;
  }
  if (first == "--version") {
    std::cout << "attnc " ATTNC_VERSION "\n";
    return kExitOk;
  }
  auto it = commands().find(first);
  if (it == commands().end()) {
    std::cerr << "attnc: error: unknown command '" << first << "'\n\n";
    printUsage(std::cerr);
    return kExitUserError;
  }
  Args args(argv + 2, argv + argc);
  try {
    return it->second.run(args);
  } catch (const std::exception &e) {
    std::cerr << "attnc: internal error: " << e.what() << "\n";
    return kExitInternalError;
  }
}
