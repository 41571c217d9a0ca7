//===- LinearInputMatch.cpp - The input forms the linear templates stream --===//
//
// A streamed input is a load of an f32 input declared [B, H, T] (or [B, H, T, K] for
// per-channel gates) at exactly the region's (b, h, t): the template copies it per token
// with the same strides it uses for q, k and v, so any other index would be read wrong.
//
//===----------------------------------------------------------------------===//
#include "LinearInputMatch.h"

#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;

namespace attnc::cuda::detail {

namespace {
constexpr size_t kTokenRank = 3;   // [B, H, T]
constexpr size_t kChannelRank = 4; // [B, H, T, K]

/// Whether `load` reads an f32 input of `rank` dims at the region's (b, h, t).
bool isStepLoad(attn::LoadOp load, attn::KernelOp kernel, size_t rank) {
  auto input =
      load ? dyn_cast_or_null<attn::InputOp>(kernel.lookupDecl(load.getInput())) : attn::InputOp();
  return input && input.getElementType().isF32() && load.getIndices().size() == kTokenRank &&
         input.getDimNames().size() == rank && isStepArg(load.getIndices()[0], kBatchArg) &&
         isStepArg(load.getIndices()[1], kHeadArg) && isStepArg(load.getIndices()[2], kTimeArg);
}
} // namespace

InFlightDiagnostic errorAt(Location loc, const Twine &message) {
  return mlir::emitError(loc, message);
}

bool isStepArg(Value v, unsigned number) {
  auto arg = dyn_cast<BlockArgument>(v);
  return arg && arg.getArgNumber() == number;
}

SmallVector<Value> gateValues(attn::StateOp state, StringRef role) {
  SmallVector<Value> values;
  state.getUpdate().walk([&](Operation *op) {
    auto r = op->getAttrOfType<StringAttr>("attn.gate_role");
    if (r && r.getValue() == role && op->getNumResults() == 1)
      values.push_back(op->getResult(0));
  });
  return values;
}

FailureOr<attn::LoadOp> matchStreamedGate(Value gate, attn::KernelOp kernel, bool perChannel) {
  const char *form =
      perChannel ? "diag(exp(g[t])) with g: f32[B, H, T, K]" : "exp(g[t]) with g: f32[B, H, T]";
  auto exp = gate.getDefiningOp<math::ExpOp>();
  auto load = exp ? exp.getOperand().getDefiningOp<attn::LoadOp>() : attn::LoadOp();
  if (!isStepLoad(load, kernel, perChannel ? kChannelRank : kTokenRank))
    return errorAt(gate.getLoc())
           << "expected the gate in the form " << form
           << " (the template streams that input as a log-space gate), got another expression";
  return load;
}

FailureOr<attn::LoadOp> matchStreamedBeta(Value beta, attn::KernelOp kernel) {
  auto load = beta.getDefiningOp<attn::LoadOp>();
  if (!isStepLoad(load, kernel, kTokenRank))
    return errorAt(beta.getLoc())
           << "expected the delta rule's write strength in the form beta[t] with beta: "
              "f32[B, H, T] (the template streams that input), got another expression";
  return load;
}

} // namespace attnc::cuda::detail
