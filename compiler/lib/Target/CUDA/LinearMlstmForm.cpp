//===- LinearMlstmForm.cpp - What the mLSTM template hard-codes ------------===//
//
// Pattern matching over the imported expression trees: logsigmoid(x) arrives as
// -log1p(exp(-x)), sigmoid(x) as 1 / (1 + exp(-x)) (ExprLowering), scalars are broadcast
// before they multiply vectors. The gates are read from the matrix state's update, where
// the classification marked them (`attn.gate_role`).
//
//===----------------------------------------------------------------------===//
#include "attnc/Target/CUDA/LinearMlstmForm.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;

namespace attnc::cuda {
namespace {

constexpr unsigned kBatchArg = 0, kHeadArg = 1, kTimeArg = 2; // (b, h, t) of the regions
constexpr size_t kTokenInputRank = 3;                          // [B, H, T]

bool isStepArg(Value v, unsigned number) {
  auto arg = dyn_cast<BlockArgument>(v);
  return arg && arg.getArgNumber() == number;
}

bool isConstant(Value v, double want) {
  auto c = v.getDefiningOp<arith::ConstantOp>();
  auto f = c ? dyn_cast<FloatAttr>(c.getValue()) : FloatAttr();
  return f && f.getValueAsDouble() == want;
}

/// The input x of x[b, h, t] when `v` is that load of an f32 [B, H, T] input, else "".
std::string tokenInput(Value v, attn::KernelOp kernel) {
  auto load = v.getDefiningOp<attn::LoadOp>();
  auto input =
      load ? dyn_cast_or_null<attn::InputOp>(kernel.lookupDecl(load.getInput())) : attn::InputOp();
  bool ok = input && input.getElementType().isF32() && load.getIndices().size() == 3 &&
            input.getDimNames().size() == kTokenInputRank &&
            isStepArg(load.getIndices()[0], kBatchArg) &&
            isStepArg(load.getIndices()[1], kHeadArg) && isStepArg(load.getIndices()[2], kTimeArg);
  return ok ? load.getInput().str() : "";
}

/// x of -x.
Value negated(Value v) {
  auto neg = v.getDefiningOp<arith::NegFOp>();
  return neg ? neg.getOperand() : Value();
}

/// x of exp(logsigmoid(x)) = exp(-log1p(exp(-x))).
Value expLogSigmoidArg(Value v) {
  auto outer = v.getDefiningOp<math::ExpOp>();
  Value softplus = outer ? negated(outer.getOperand()) : Value();
  auto log1p = softplus ? softplus.getDefiningOp<math::Log1pOp>() : math::Log1pOp();
  auto inner = log1p ? log1p.getOperand().getDefiningOp<math::ExpOp>() : math::ExpOp();
  return inner ? negated(inner.getOperand()) : Value();
}

/// x of sigmoid(x) = 1 / (1 + exp(-x)).
Value sigmoidArg(Value v) {
  auto div = v.getDefiningOp<arith::DivFOp>();
  auto add = div && isConstant(div.getLhs(), 1.0) ? div.getRhs().getDefiningOp<arith::AddFOp>()
                                                  : arith::AddFOp();
  if (!add)
    return Value();
  for (auto [one, e] : {std::pair(add.getLhs(), add.getRhs()), std::pair(add.getRhs(), add.getLhs())})
    if (auto exp = e.getDefiningOp<math::ExpOp>(); exp && isConstant(one, 1.0))
      return negated(exp.getOperand());
  return Value();
}

/// The one op of `state`'s update the classification marked with `role`.
Value gateOfRole(attn::StateOp state, StringRef role) {
  Value found;
  state.getUpdate().walk([&](Operation *op) {
    auto r = op->getAttrOfType<StringAttr>("attn.gate_role");
    if (r && r.getValue() == role && op->getNumResults() == 1)
      found = op->getResult(0);
  });
  return found;
}

/// Whether `v` is scale * q[t] (in either order).
bool isScaledQuery(Value v) {
  auto mul = v.getDefiningOp<arith::MulFOp>();
  if (!mul)
    return false;
  for (auto [s, x] : {std::pair(mul.getLhs(), mul.getRhs()), std::pair(mul.getRhs(), mul.getLhs())}) {
    auto bc = s.getDefiningOp<attn::BroadcastOp>();
    auto row = x.getDefiningOp<attn::RowOp>();
    if (bc && bc.getValue().getDefiningOp<attn::ScaleOp>() && row && row.getTensor() == "q" &&
        isStepArg(row.getIndex(), kTimeArg))
      return true;
  }
  return false;
}

bool readsState(Value v, StringRef state) {
  auto ref = v.getDefiningOp<attn::StateRefOp>();
  return ref && ref.getState() == state;
}

/// Whether the output is ((scale * q[t]) @ C) / max(abs((scale * q[t]) @ n), 1.0).
bool isNormalisedOutput(attn::OutputOp out, StringRef matrix, StringRef norm) {
  auto yield = cast<attn::YieldOp>(out.getValue().front().getTerminator());
  auto div = yield->getOperand(0).getDefiningOp<arith::DivFOp>();
  auto num = div ? div.getLhs().getDefiningOp<attn::VecMatOp>() : attn::VecMatOp();
  auto bc = div ? div.getRhs().getDefiningOp<attn::BroadcastOp>() : attn::BroadcastOp();
  auto max = bc ? bc.getValue().getDefiningOp<arith::MaximumFOp>() : arith::MaximumFOp();
  if (!num || !max || !isScaledQuery(num.getVector()) || !readsState(num.getMatrix(), matrix))
    return false;
  for (auto [a, one] : {std::pair(max.getLhs(), max.getRhs()), std::pair(max.getRhs(), max.getLhs())}) {
    auto abs = a.getDefiningOp<math::AbsFOp>();
    auto dot = abs ? abs.getOperand().getDefiningOp<attn::DotOp>() : attn::DotOp();
    if (!dot || !isConstant(one, 1.0))
      continue;
    if ((isScaledQuery(dot.getLhs()) && readsState(dot.getRhs(), norm)) ||
        (isScaledQuery(dot.getRhs()) && readsState(dot.getLhs(), norm)))
      return true;
  }
  return false;
}

} // namespace

FailureOr<MlstmForm> matchMlstmForm(attn::KernelOp kernel, attn::LinearAttentionOp op,
                                    attn::StateOp matrix, attn::StateOp norm) {
  MlstmForm form;
  auto kind = op->getAttrOfType<StringAttr>("mlstm_input_gate");
  form.exponential = kind && kind.getValue() == "exp";
  Value forget = gateOfRole(matrix, "forget_gate");
  Value input = gateOfRole(matrix, "input_gate");
  if (!forget || !input)
    return mlir::emitError(op.getLoc(),
                           "expected the classified mLSTM gates (attn.gate_role) in the update");
  Value f = expLogSigmoidArg(forget);
  form.forgetInput = f ? tokenInput(f, kernel) : "";
  if (form.forgetInput.empty())
    return mlir::emitError(forget.getLoc(),
                           "expected the forget gate in the form exp(logsigmoid(f[t])) with "
                           "f: f32[B, H, T] (the template streams f's pre-activations), got "
                           "another expression");
  if (form.exponential) {
    auto exp = input.getDefiningOp<math::ExpOp>();
    form.inputInput = exp ? tokenInput(exp.getOperand(), kernel) : "";
  } else if (Value x = sigmoidArg(input)) {
    form.inputInput = tokenInput(x, kernel);
  }
  if (form.inputInput.empty())
    return mlir::emitError(input.getLoc(),
                           "expected the input gate in the form exp(i[t]) or sigmoid(i[t]) with "
                           "i: f32[B, H, T] (the template streams i's pre-activations), got "
                           "another expression");
  if (form.inputInput == form.forgetInput)
    return mlir::emitError(input.getLoc())
           << "expected the input and forget gates to read two inputs, got '"
           << form.inputInput << "' for both";
  if (!isNormalisedOutput(op.getOutput(), matrix.getSymName(), norm.getSymName()))
    return mlir::emitError(op.getOutput().getLoc())
           << "expected the output ((scale * q[t]) @ " << matrix.getSymName()
           << ") / max(abs((scale * q[t]) @ " << norm.getSymName()
           << "), 1.0), which is what the chunkwise mLSTM template computes";
  return form;
}

} // namespace attnc::cuda
