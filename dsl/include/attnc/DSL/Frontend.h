//===- Frontend.h - Parse and check a .attn program ---------------*- C++ -*-===//
//
// The entry points of the DSL layer: lex + parse a buffer into a `Program`, then run the
// semantic checks (name resolution, typing, shape and family rules) that annotate it.
// Both report through a `DiagnosticEngine` and return failure instead of throwing, so a
// caller can print every located error and exit with status 1.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DSL_FRONTEND_H
#define ATTNC_DSL_FRONTEND_H

#include "attnc/DSL/AST.h"
#include "attnc/DSL/Diagnostics.h"

#include <optional>
#include <ostream>

namespace attnc::dsl {

/// Lexes and parses `buffer`. Returns nullopt after reporting at least one error.
std::optional<Program> parseProgram(const SourceBuffer &buffer, DiagnosticEngine &diags);

/// Resolves names and computes types in place. Returns false after reporting errors.
bool checkProgram(Program &program, DiagnosticEngine &diags);

/// parseProgram + checkProgram.
std::optional<Program> parseAndCheck(const SourceBuffer &buffer, DiagnosticEngine &diags);

/// Prints the (checked) AST as an indented tree; `attnc compile --emit=ast` uses this.
void printProgram(const Program &program, std::ostream &os);

} // namespace attnc::dsl

#endif // ATTNC_DSL_FRONTEND_H
