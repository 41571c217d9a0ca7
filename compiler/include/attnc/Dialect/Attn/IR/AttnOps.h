//===- AttnOps.h - Operations of the attn dialect ---------------*- C++ -*-===//
//
// Declares the ops generated from AttnOps.td: attn.kernel, the declarations, the
// reference ops, the softmax/linear attention ops and their helpers.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DIALECT_ATTN_IR_ATTNOPS_H
#define ATTNC_DIALECT_ATTN_IR_ATTNOPS_H

#include "attnc/Dialect/Attn/IR/AttnDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/RegionKindInterface.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <optional>

namespace mlir::attn {
class TensorOp;
class SoftmaxAttentionOp;
class LinearAttentionOp;
class StateOp;
class OutputOp;
} // namespace mlir::attn

#define GET_OP_CLASSES
#include "attnc/Dialect/Attn/IR/AttnOps.h.inc"

#endif // ATTNC_DIALECT_ATTN_IR_ATTNOPS_H
