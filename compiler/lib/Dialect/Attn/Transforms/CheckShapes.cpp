//===- CheckShapes.cpp - attn-check-shapes ----------------------*- C++ -*-===//
//
// The shape rules of docs/dsl.md over the kernel's declarations: q/k/v/o rank 4 with a
// shared batch; softmax: q.D == k.D, k and v share heads and length, Hq % Hkv == 0 when
// both are known, o is [B, Hq, N, Dv]; linear: shared B/H/T, q.K == k.K, states over
// K and V, row loads ending in K or V. Two dims agree when they are the same symbol or
// both have known, equal values. Each violation is a located error on its declaration.
//
//===----------------------------------------------------------------------===//
#include "attnc/Dialect/Attn/Transforms/Passes.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "attn-check-shapes"

namespace mlir::attn {
#define GEN_PASS_DEF_CHECKSHAPESPASS
#include "attnc/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {

/// Indices of the roles inside a rank-4 q/k/v/o (both families use [B, H, L, D]).
enum Role : unsigned { kBatch = 0, kHeads = 1, kLength = 2, kFeature = 3 };

constexpr const char *kRoleNames[] = {"batch", "heads", "length", "head dim"};

class ShapeChecker {
public:
  explicit ShapeChecker(KernelOp kernel) : kernel(kernel) {}

  LogicalResult run() {
    for (StringRef name : {"q", "k", "v", "o"}) {
      TensorOp t = kernel.lookupTensor(name);
      if (!t) {
        if (name == "o")
          continue;
        return kernel.emitError("expected a declaration of tensor ") << name << ", got none";
      }
      if (t.getDims().size() != 4)
        return t.emitError("expected ") << name << " to have rank 4, got " << t.getDims().size();
    }
    q = kernel.lookupTensor("q");
    k = kernel.lookupTensor("k");
    v = kernel.lookupTensor("v");
    o = kernel.lookupTensor("o");
    return kernel.getFamily() == Family::Softmax ? checkSoftmax() : checkLinear();
  }

private:
  bool sameDim(StringRef a, StringRef b) {
    if (a == b)
      return true;
    std::optional<int64_t> va = kernel.getStaticDimValue(a);
    std::optional<int64_t> vb = kernel.getStaticDimValue(b);
    return va && vb && *va == *vb;
  }

  static StringRef dim(TensorOp t, Role role) {
    return cast<StringAttr>(t.getDims()[role]).getValue();
  }

  /// `t`'s dim at `role` must agree with `ref`'s dim at `refRole`.
  LogicalResult expectSame(TensorOp t, Role role, TensorOp ref, Role refRole) {
    if (sameDim(dim(t, role), dim(ref, refRole)))
      return success();
    return t.emitError("expected ") << kRoleNames[role] << " of " << t.getSymName() << " to be '"
                                    << dim(ref, refRole) << "' (" << kRoleNames[refRole] << " of "
                                    << ref.getSymName() << "), got '" << dim(t, role) << "'";
  }

  LogicalResult checkSoftmax() {
    if (failed(expectSame(k, kBatch, q, kBatch)) || failed(expectSame(v, kBatch, q, kBatch)) ||
        failed(expectSame(k, kFeature, q, kFeature)) || failed(expectSame(v, kHeads, k, kHeads)) ||
        failed(expectSame(v, kLength, k, kLength)))
      return failure();
    std::optional<int64_t> hq = kernel.getStaticDimValue(dim(q, kHeads));
    std::optional<int64_t> hkv = kernel.getStaticDimValue(dim(k, kHeads));
    if (hq && hkv && *hq % *hkv != 0)
      return k.emitError("expected the query heads to be a multiple of the key/value "
                         "heads (Hq % Hkv == 0), got ")
             << *hq << " % " << *hkv << " == " << *hq % *hkv;
    if (o &&
        (failed(expectSame(o, kBatch, q, kBatch)) || failed(expectSame(o, kHeads, q, kHeads)) ||
         failed(expectSame(o, kLength, q, kLength)) ||
         failed(expectSame(o, kFeature, v, kFeature))))
      return failure();
    return success();
  }

  LogicalResult checkLinear() {
    for (TensorOp t : {k, v})
      for (Role role : {kBatch, kHeads, kLength})
        if (failed(expectSame(t, role, q, role)))
          return failure();
    if (failed(expectSame(k, kFeature, q, kFeature)))
      return failure();
    if (o) {
      for (Role role : {kBatch, kHeads, kLength})
        if (failed(expectSame(o, role, q, role)))
          return failure();
      if (failed(expectSame(o, kFeature, v, kFeature)))
        return failure();
    }
    LinearAttentionOp linear = kernel.getLinearAttention();
    for (StateOp state : linear.getBody()->getOps<StateOp>())
      if (failed(checkState(state)))
        return failure();
    WalkResult walk = linear.walk([&](LoadOp load) {
      return failed(checkRowLoad(load)) ? WalkResult::interrupt() : WalkResult::advance();
    });
    return failure(walk.wasInterrupted());
  }

  bool isKOrV(StringRef d) { return sameDim(d, dim(k, kFeature)) || sameDim(d, dim(v, kFeature)); }

  LogicalResult checkState(StateOp state) {
    SmallVector<StringRef> dims = state.getDimNames();
    StringRef kDim = dim(k, kFeature), vDim = dim(v, kFeature);
    if (dims.size() == 2 && !(sameDim(dims[0], kDim) && sameDim(dims[1], vDim)))
      return state.emitError("expected state @")
             << state.getSymName() << " to have dims [" << kDim << ", " << vDim << "], got ["
             << llvm::join(dims, ", ") << "]";
    if (dims.size() == 1 && !isKOrV(dims[0]))
      return state.emitError("expected state @")
             << state.getSymName() << " to have dims [" << kDim << "] or [" << vDim << "], got ["
             << dims[0] << "]";
    return success();
  }

  LogicalResult checkRowLoad(LoadOp load) {
    if (!isVectorType(load.getType()))
      return success();
    auto input = cast<InputOp>(kernel.lookupDecl(load.getInput()));
    StringRef last = input.getDimNames().back();
    if (isKOrV(last))
      return success();
    return load.emitError("expected the last dim of input @")
           << load.getInput() << " to be '" << dim(k, kFeature) << "' or '" << dim(v, kFeature)
           << "' for a row load, got '" << last << "'";
  }

  KernelOp kernel;
  TensorOp q, k, v, o;
};

struct CheckShapesPass : public attn::impl::CheckShapesPassBase<CheckShapesPass> {
  void runOnOperation() override {
    if (failed(ShapeChecker(getOperation()).run()))
      signalPassFailure();
    markAllAnalysesPreserved();
  }
};

} // namespace
