//===- ExprLowering.h - DSL expressions to arith/math/attn ops --*- C++ -*-===//
//
// Lowers one checked DSL expression tree into the current insertion block: literals to
// arith.constant, names to block arguments or attn reference ops, operators and
// functions to arith/math (ints promoted to f32 where mixed, scalars broadcast over
// vectors and matrices) and the linear-family algebra to attn.outer/vecmat/dot/
// diag_scale. Private to the import.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_LIB_IMPORT_EXPRLOWERING_H
#define ATTNC_LIB_IMPORT_EXPRLOWERING_H

#include "attnc/DSL/AST.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/StringMap.h"

#include <functional>

namespace attnc::detail {

class ExprLowering {
public:
  /// `indexVars` maps b/h/i/j/t (and `s` for the score) to block arguments; `locOf`
  /// turns a DSL location into an MLIR one.
  ExprLowering(mlir::OpBuilder &builder, const dsl::Kernel &kernel,
               llvm::StringMap<mlir::Value> indexVars,
               std::function<mlir::Location(dsl::SourceLoc)> locOf)
      : builder(builder), kernel(kernel), indexVars(std::move(indexVars)), locOf(std::move(locOf)) {
  }

  /// The value of `expr`, or null after a located error.
  mlir::Value lower(const dsl::Expr &expr);

private:
  mlir::Value lowerRef(const dsl::Expr &e, mlir::Location loc);
  mlir::Value lowerIndex(const dsl::Expr &e, mlir::Location loc);
  mlir::Value lowerUnary(const dsl::Expr &e, mlir::Location loc);
  mlir::Value lowerBinary(const dsl::Expr &e, mlir::Location loc);
  mlir::Value lowerArithmetic(dsl::BinaryOp op, mlir::Value lhs, mlir::Value rhs,
                              mlir::Location loc);
  mlir::Value lowerCompare(dsl::BinaryOp op, mlir::Value lhs, mlir::Value rhs, mlir::Location loc);
  mlir::Value lowerMatMul(mlir::Value lhs, mlir::Value rhs, mlir::Location loc);
  mlir::Value lowerCall(const dsl::Expr &e, mlir::Location loc);
  mlir::Value lowerUnaryFunction(llvm::StringRef name, mlir::Value x, mlir::Location loc);

  /// sitofp for i64 scalars; floats and tensors unchanged.
  mlir::Value toFloat(mlir::Value v, mlir::Location loc);
  /// Brings two numeric operands to one type: int+float -> f32, scalar+tensor ->
  /// attn.broadcast. Returns false (after an error) for vector vs matrix.
  bool unify(mlir::Value &lhs, mlir::Value &rhs, mlir::Location loc);
  /// An f32 constant shaped like `like` (a scalar, or a broadcast over a tensor).
  mlir::Value splat(double value, mlir::Value like, mlir::Location loc);

  mlir::OpBuilder &builder;
  const dsl::Kernel &kernel;
  llvm::StringMap<mlir::Value> indexVars;
  std::function<mlir::Location(dsl::SourceLoc)> locOf;
};

} // namespace attnc::detail

#endif // ATTNC_LIB_IMPORT_EXPRLOWERING_H
