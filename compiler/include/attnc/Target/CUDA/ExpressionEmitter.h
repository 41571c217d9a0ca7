//===- ExpressionEmitter.h - attn/arith/math region ops to CUDA C++ -*- C++ -*-===//
//
// Prints the body of a score or mask region as straight-line CUDA C++: one `const`
// local per SSA value, dispatching with TypeSwitch to one printer per op (as MLIR's
// Target/Cpp emitter does). References to params, dims and inputs are spelled through a
// `SymbolAccess` table the caller fills, so the printer knows nothing about the launch
// ABI. An op it cannot print becomes a located diagnostic, never a wrong kernel.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TARGET_CUDA_EXPRESSIONEMITTER_H
#define ATTNC_TARGET_CUDA_EXPRESSIONEMITTER_H

#include "mlir/IR/Region.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace attnc::cuda {

/// How generated code reads each named symbol of a kernel.
struct SymbolAccess {
  /// Param or dim name -> C++ expression of its run-time value (long long or float).
  llvm::StringMap<std::string> values;
  /// Input name -> (C++ expression of its AttncTensorArg, storage type spelled in C++).
  llvm::StringMap<std::pair<std::string, std::string>> inputs;
};

/// Prints `region`'s single block. `argNames` names its block arguments in order. Writes
/// one statement per op to `os` (each line starting with `indent`) and returns the C++
/// name of the value the `attn.yield` returns.
mlir::FailureOr<std::string> emitRegionBody(mlir::Region &region,
                                            const std::vector<std::string> &argNames,
                                            const SymbolAccess &symbols,
                                            llvm::raw_ostream &os, llvm::StringRef indent);

/// Prints only the ops of `region`'s block that `values` depend on (in block order) and
/// returns the C++ names of `values`. For gates inside a linear-family state update, whose
/// region also holds matrix ops no scalar printer handles.
mlir::FailureOr<std::vector<std::string>>
emitValueSlice(mlir::Region &region, llvm::ArrayRef<mlir::Value> values,
               const std::vector<std::string> &argNames, const SymbolAccess &symbols,
               llvm::raw_ostream &os, llvm::StringRef indent);

} // namespace attnc::cuda

#endif // ATTNC_TARGET_CUDA_EXPRESSIONEMITTER_H
