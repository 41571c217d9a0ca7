//===- AttnDialect.cpp - The attn dialect -----------------------*- C++ -*-===//
//
// Registers the attn ops and attributes and keeps folded constants inside the
// score/mask/state/output regions: without the fold interface below, the folder would
// hoist them into the kernel body (the nearest isolated region), among the declarations.
//
//===----------------------------------------------------------------------===//
#include "attnc/Dialect/Attn/IR/AttnDialect.h"
#include "attnc/Dialect/Attn/IR/AttnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/Interfaces/FoldInterfaces.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::attn;

#include "attnc/Dialect/Attn/IR/AttnDialect.cpp.inc"
#include "attnc/Dialect/Attn/IR/AttnEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "attnc/Dialect/Attn/IR/AttnAttributes.cpp.inc"

namespace {
/// Materializes constants in the expression region being folded, so each region stays
/// self-contained for the analyses and the emitter.
struct AttnFoldInterface : public DialectFoldInterface {
  using DialectFoldInterface::DialectFoldInterface;
  bool shouldMaterializeInto(Region *region) const final {
    return isa<SoftmaxAttentionOp, StateOp, OutputOp>(region->getParentOp());
  }
};
} // namespace

void AttnDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "attnc/Dialect/Attn/IR/AttnOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "attnc/Dialect/Attn/IR/AttnAttributes.cpp.inc"
      >();
  addInterfaces<AttnFoldInterface>();
}

RankedTensorType mlir::attn::getVectorType(MLIRContext *ctx) {
  return RankedTensorType::get({ShapedType::kDynamic}, Float32Type::get(ctx));
}

RankedTensorType mlir::attn::getMatrixType(MLIRContext *ctx) {
  return RankedTensorType::get({ShapedType::kDynamic, ShapedType::kDynamic}, Float32Type::get(ctx));
}

bool mlir::attn::isVectorType(Type type) { return type == getVectorType(type.getContext()); }

bool mlir::attn::isMatrixType(Type type) { return type == getMatrixType(type.getContext()); }
