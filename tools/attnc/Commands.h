//===- Commands.h - Subcommands of the attnc CLI ------------------*- C++ -*-===//
//
// Each subcommand is a function taking the arguments after its name and returning the
// process exit code: 0 success, 1 user error (bad input, bad options), 2 internal error.
// Main.cpp dispatches on the first argument.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_COMMANDS_H
#define ATTNC_TOOLS_COMMANDS_H

#include <string>
#include <vector>

namespace attnc::cli {

enum ExitCode { kExitOk = 0, kExitUserError = 1, kExitInternalError = 2 };

using Args = std::vector<std::string>;

int runCompile(const Args &args);
int runExplain(const Args &args);
int runCheck(const Args &args);
int runRun(const Args &args);
int runDb(const Args &args);
int runTune(const Args &args);

} // namespace attnc::cli

#endif // ATTNC_TOOLS_COMMANDS_H
