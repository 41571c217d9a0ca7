//===- ImportAST.h - Lower a checked DSL program to the attn dialect -*- C++ -*-===//
//
// The bridge from the DSL front end (attnc::dsl, no MLIR) to the attn dialect: one
// `attn.kernel` per DSL kernel, in a module, with every op located at the DSL source
// (FileLineColLoc(program.path, line, col)).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_IMPORT_IMPORTAST_H
#define ATTNC_IMPORT_IMPORTAST_H

#include "attnc/DSL/AST.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

namespace attnc {

/// Lowers `program`, which must have passed `dsl::checkProgram`, to a module of
/// attn.kernel ops and verifies it. Loads the attn, arith, math and tensor dialects
/// into `context`. Returns null after emitting located diagnostics on `context`.
mlir::OwningOpRef<mlir::ModuleOp> importProgram(mlir::MLIRContext &context,
                                                const dsl::Program &program);

} // namespace attnc

#endif // ATTNC_IMPORT_IMPORTAST_H
