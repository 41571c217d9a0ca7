//===- ProblemOptions.h - Problem and tuning-database options of GPU commands -*- C++ -*-===//
//
// What check, run and tune share: --param and --input (values and files that complete a
// problem shape), --device, and the tuning databases (--db, the user database, read-write;
// --shipped-db, read-only layers beneath it; ATTNC_DB names the user database when --db
// is not given and a command asks for one).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_PROBLEMOPTIONS_H
#define ATTNC_TOOLS_PROBLEMOPTIONS_H

#include "OptionParsing.h"

#include "attnc/Driver/GpuHarness.h"
#include "attnc/Tuner/LayeredDb.h"

#include <memory>
#include <optional>
#include <string>

namespace attnc::cli {

/// Adds --param, --input and --device.
void addProblemOptions(po::options_description &desc);
/// Parses `shapeText` and completes it with --param and --input; prints an error and
/// returns nullopt on bad input.
std::optional<ProblemShape> parseProblem(const po::variables_map &vm,
                                         const std::string &shapeText);

/// Adds --db and --shipped-db.
void addDatabaseOptions(po::options_description &desc);
/// Opens the layers the options name; null (and no error) when none is named. With
/// `userRequired`, the user database falls back to TuningDb::defaultPath(). Prints an
/// error and sets `failed` when a database cannot be opened.
std::unique_ptr<tuner::LayeredDb> openDatabases(const po::variables_map &vm, bool userRequired,
                                                bool &failed);

} // namespace attnc::cli

#endif // ATTNC_TOOLS_PROBLEMOPTIONS_H
