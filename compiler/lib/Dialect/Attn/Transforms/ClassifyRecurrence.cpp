//===- ClassifyRecurrence.cpp - attn-classify-recurrence --------*- C++ -*-===//
//
// Decides which chunkwise template a linear-attention kernel can use by matching each
// attn.state update against the recurrences the templates implement. An update is
// flattened into signed terms `scalars * [diag(g)] * base` with base the state itself,
// outer(x, y) or a row (vector states); the term list then must be one of: plain,
// scalar_decay, vector_gate, delta_rule, gated_delta_rule, or the mLSTM pair C[K,V]/n[K].
// Matching is structural (two `beta[t]` loads are the same gate), commutative in + and *,
// and distributes a decay over a parenthesised sum. The result goes on
// attn.linear_attention as `recurrence`, `recurrence_gates` (role -> the inputs and params
// the gate reads) and,
// where it applies, `recurrence_decay` / `mlstm_input_gate`; each gate's defining op is
// marked with `attn.gate_role`. Anything else is a located error saying what was expected.
//
//===----------------------------------------------------------------------===//
#include "attnc/Dialect/Attn/Transforms/Passes.h"

#include "llvm/ADT/SetVector.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "attn-classify-recurrence"

namespace mlir::attn {
#define GEN_PASS_DEF_CLASSIFYRECURRENCEPASS
#include "attnc/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {

constexpr const char *kExpected =
    "state update is not of a supported form: expected S + outer(k[t], v[t]), a * S + "
    "outer(k[t], v[t]) with a scalar a, diag(exp(g[t])) * S + outer(k[t], v[t]), the delta "
    "rule S - beta[t] * outer(k[t], k[t] @ S) + beta[t] * outer(k[t], v[t]) (optionally "
    "with its first part scaled by a decay), or the mLSTM pair C[K, V] / n[K]";

/// Structural equality of pure expressions (the import does not CSE). The (b, h, t)
/// arguments of different state/output regions are the same step indices.
bool equivalent(Value a, Value b) {
  if (a == b)
    return true;
  auto argA = dyn_cast<BlockArgument>(a), argB = dyn_cast<BlockArgument>(b);
  if (argA || argB)
    return argA && argB && argA.getArgNumber() == argB.getArgNumber() &&
           isa<StateOp, OutputOp>(argA.getOwner()->getParentOp()) &&
           isa<StateOp, OutputOp>(argB.getOwner()->getParentOp());
  auto ra = dyn_cast<OpResult>(a), rb = dyn_cast<OpResult>(b);
  if (!ra || !rb || ra.getResultNumber() != rb.getResultNumber())
    return false;
  Operation *x = ra.getOwner(), *y = rb.getOwner();
  if (x->getName() != y->getName() || x->getAttrDictionary() != y->getAttrDictionary() ||
      x->getNumOperands() != y->getNumOperands() || x->getNumRegions() != 0 ||
      a.getType() != b.getType())
    return false;
  for (auto [p, q] : llvm::zip(x->getOperands(), y->getOperands()))
    if (!equivalent(p, q))
      return false;
  return true;
}

bool sameMultiset(ArrayRef<Value> a, ArrayRef<Value> b) {
  if (a.size() != b.size())
    return false;
  SmallVector<bool> used(b.size(), false);
  for (Value v : a) {
    bool found = false;
    for (size_t k = 0; k < b.size() && !found; ++k)
      if (!used[k] && equivalent(v, b[k]))
        used[k] = found = true;
    if (!found)
      return false;
  }
  return true;
}

/// One signed additive term of an update: scalars * [diag(diag)] * base.
struct Term {
  enum Kind { State, Outer, Row } kind;
  bool negative = false;
  SmallVector<Value> scalars;
  Value diag;
  Operation *base = nullptr;
};

/// Flattens a state update into terms; fails with the reason.
class Flattener {
public:
  explicit Flattener(StateOp state) : state(state) {}

  LogicalResult flatten(Value v, bool neg, SmallVector<Value> scalars, Value diag) {
    Operation *op = v.getDefiningOp();
    if (!op)
      return fail("a block argument");
    if (auto add = dyn_cast<arith::AddFOp>(op))
      return success(succeeded(flatten(add.getLhs(), neg, scalars, diag)) &&
                     succeeded(flatten(add.getRhs(), neg, scalars, diag)));
    if (auto sub = dyn_cast<arith::SubFOp>(op))
      return success(succeeded(flatten(sub.getLhs(), neg, scalars, diag)) &&
                     succeeded(flatten(sub.getRhs(), !neg, scalars, diag)));
    if (auto n = dyn_cast<arith::NegFOp>(op))
      return flatten(n.getOperand(), !neg, scalars, diag);
    if (auto mul = dyn_cast<arith::MulFOp>(op)) {
      for (auto [s, x] :
           {std::pair(mul.getLhs(), mul.getRhs()), std::pair(mul.getRhs(), mul.getLhs())})
        if (auto bc = s.getDefiningOp<BroadcastOp>()) {
          scalars.push_back(bc.getValue());
          return flatten(x, neg, scalars, diag);
        }
      return fail("an elementwise product of two vectors or matrices");
    }
    if (auto ds = dyn_cast<DiagScaleOp>(op)) {
      if (diag)
        return fail("two nested diag() gates");
      return flatten(ds.getMatrix(), neg, scalars, ds.getScale());
    }
    Term t{Term::State, neg, std::move(scalars), diag, op};
    if (auto ref = dyn_cast<StateRefOp>(op)) {
      if (ref.getState() != state.getSymName())
        return fail("a read of another state @" + ref.getState().str());
    } else if (isa<OuterOp>(op)) {
      t.kind = Term::Outer;
    } else if (isa<RowOp>(op)) {
      t.kind = Term::Row;
    } else {
      return fail(op->getName().getStringRef().str());
    }
    terms.push_back(std::move(t));
    return success();
  }

  LogicalResult fail(const std::string &what) {
    why = "got " + what + " in the update";
    return failure();
  }

  StateOp state;
  SmallVector<Term> terms;
  std::string why;
};

/// A row q/k/v[t] of the region's step index.
bool isRow(Value v, StringRef tensor) {
  auto row = v.getDefiningOp<RowOp>();
  auto t = row ? dyn_cast<BlockArgument>(row.getIndex()) : BlockArgument();
  return row && row.getTensor() == tensor && t && t.getArgNumber() == 2;
}

bool isWrite(const Term &t) {
  auto o = dyn_cast<OuterOp>(t.base);
  return t.kind == Term::Outer && !t.negative && !t.diag && isRow(o.getLhs(), "k") &&
         isRow(o.getRhs(), "v");
}

bool isErase(const Term &t, StringRef state) {
  auto o = dyn_cast<OuterOp>(t.base);
  if (t.kind != Term::Outer || !t.negative || t.diag || !isRow(o.getLhs(), "k"))
    return false;
  auto vm = o.getRhs().getDefiningOp<VecMatOp>();
  auto ref = vm ? vm.getMatrix().getDefiningOp<StateRefOp>() : StateRefOp();
  return vm && isRow(vm.getVector(), "k") && ref && ref.getState() == state;
}

/// What one state's update is, with the values of its gates by role.
struct StateForm {
  Recurrence kind = Recurrence::Plain;
  SmallVector<std::pair<StringRef, SmallVector<Value>>> roles;
  SmallVector<Value> writeScalars; ///< scalars on outer(k, v) / k (an mLSTM input gate)
};

FailureOr<StateForm> classifyMatrixState(StateOp state, std::string &why) {
  Flattener f(state);
  auto yield = cast<YieldOp>(state.getUpdate().front().getTerminator());
  if (failed(f.flatten(yield.getValue(), false, {}, Value()))) {
    why = f.why;
    return failure();
  }
  const Term *self = nullptr, *write = nullptr, *erase = nullptr;
  for (const Term &t : f.terms) {
    const Term **slot = t.kind == Term::State && !t.negative ? &self
                        : isWrite(t)                         ? &write
                        : isErase(t, state.getSymName())     ? &erase
                                                             : nullptr;
    if (!slot || *slot) {
      why = slot ? "got a repeated term"
                 : "got a term that is none of S, outer(k[t], v[t]), "
                   "-outer(k[t], k[t] @ S)";
      return failure();
    }
    *slot = &t;
  }
  if (!self || !write) {
    why = !self ? "got no S term (the previous state)" : "got no outer(k[t], v[t]) term";
    return failure();
  }
  StateForm form;
  form.writeScalars = write->scalars;
  if (!erase) {
    if (self->diag && !self->scalars.empty()) {
      why = "got both a diag() gate and a scalar decay on S";
      return failure();
    }
    form.kind = self->diag              ? Recurrence::VectorGate
                : self->scalars.empty() ? Recurrence::Plain
                                        : Recurrence::ScalarDecay;
    if (self->diag)
      form.roles.push_back({"gate", {self->diag}});
    else if (!self->scalars.empty())
      form.roles.push_back({"decay", self->scalars});
    return form;
  }
  // Delta rule: the erase term carries the decay and beta, the write term beta.
  SmallVector<Value> expected(self->scalars);
  expected.append(write->scalars.begin(), write->scalars.end());
  if (self->diag || write->scalars.empty() || !sameMultiset(erase->scalars, expected)) {
    why = "got a delta-rule update whose erase term is not (decay * beta) * "
          "outer(k[t], k[t] @ S) with the beta of the write term";
    return failure();
  }
  form.kind = self->scalars.empty() ? Recurrence::DeltaRule : Recurrence::GatedDeltaRule;
  if (!self->scalars.empty())
    form.roles.push_back({"decay", self->scalars});
  form.roles.push_back({"beta", write->scalars});
  form.writeScalars.clear();
  return form;
}

/// n[K] of the mLSTM pair: f * n + i * k[t].
LogicalResult matchNormaliser(StateOp n, ArrayRef<Value> forget, ArrayRef<Value> input,
                              std::string &why) {
  Flattener f(n);
  auto yield = cast<YieldOp>(n.getUpdate().front().getTerminator());
  if (failed(f.flatten(yield.getValue(), false, {}, Value()))) {
    why = f.why;
    return failure();
  }
  bool ok = f.terms.size() == 2;
  for (const Term &t : f.terms) {
    if (t.negative || t.diag)
      ok = false;
    else if (t.kind == Term::State)
      ok &= sameMultiset(t.scalars, forget);
    else
      ok &=
          t.kind == Term::Row && isRow(t.base->getResult(0), "k") && sameMultiset(t.scalars, input);
  }
  if (!ok)
    why = "got a normaliser state @" + n.getSymName().str() +
          " that is not f * n + i * k[t] with the gates of the matrix state";
  return success(ok);
}

/// Whether the output reads max(abs(x @ n), ...) of the normaliser n.
bool hasMaxAbsNormaliser(OutputOp out, StringRef n) {
  bool found = false;
  out.getValue().walk([&](arith::MaximumFOp max) {
    for (Value v : max->getOperands()) {
      auto abs = v.getDefiningOp<math::AbsFOp>();
      auto dot = abs ? abs.getOperand().getDefiningOp<DotOp>() : DotOp();
      if (!dot)
        continue;
      for (Value d : {dot.getLhs(), dot.getRhs()})
        if (auto ref = d.getDefiningOp<StateRefOp>())
          found |= ref.getState() == n;
    }
  });
  return found;
}

StringRef inputGateKind(ArrayRef<Value> gate) {
  if (gate.size() != 1)
    return "other";
  if (gate[0].getDefiningOp<math::ExpOp>())
    return "exp";
  // sigmoid(x) lowers to 1 / (1 + exp(-x)).
  if (auto div = gate[0].getDefiningOp<arith::DivFOp>())
    if (auto add = div.getRhs().getDefiningOp<arith::AddFOp>())
      for (Value v : {add.getLhs(), add.getRhs()})
        if (auto e = v.getDefiningOp<math::ExpOp>())
          if (e.getOperand().getDefiningOp<arith::NegFOp>())
            return "sigmoid";
  return "other";
}

/// Inputs and params a gate reads, and whether it depends on the step t.
void gateInputs(Value v, llvm::SetVector<Attribute> &inputs, bool &perToken) {
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    perToken |= arg.getArgNumber() == 2;
    return;
  }
  Operation *op = v.getDefiningOp();
  if (auto load = dyn_cast<LoadOp>(op))
    inputs.insert(load.getInputAttr());
  if (auto param = dyn_cast<ParamRefOp>(op))
    inputs.insert(param.getParamAttr());
  for (Value operand : op->getOperands())
    gateInputs(operand, inputs, perToken);
}

struct ClassifyRecurrencePass
    : public attn::impl::ClassifyRecurrencePassBase<ClassifyRecurrencePass> {
  void runOnOperation() override;
  LogicalResult classify(LinearAttentionOp op, StateForm &form, StringRef &inputGate);
};

LogicalResult ClassifyRecurrencePass::classify(LinearAttentionOp op, StateForm &form,
                                               StringRef &inputGate) {
  SmallVector<StateOp> states(op.getBodyRegion().getOps<StateOp>());
  StateOp matrix, vector;
  for (StateOp s : states)
    (isMatrixType(s.getValueType()) ? matrix : vector) = s;
  bool shapeOk = matrix && (states.size() == 1 || (states.size() == 2 && vector));
  if (!shapeOk)
    return op.emitError(kExpected) << "; got " << states.size()
                                   << " state(s) that are not one [K, V] matrix "
                                      "(optionally with one [K] normaliser)";
  std::string why;
  FailureOr<StateForm> m = classifyMatrixState(matrix, why);
  if (failed(m))
    return matrix.emitError(kExpected) << "; " << why;
  form = *m;
  if (!vector) {
    if (!form.writeScalars.empty())
      return matrix.emitError(kExpected)
             << "; got an input gate on outer(k[t], v[t]) without a normaliser state n[K] "
                "(mLSTM)";
    return success();
  }
  if (form.kind != Recurrence::ScalarDecay || form.writeScalars.empty())
    return vector.emitError(kExpected)
           << "; got a second state @" << vector.getSymName() << " but @" << matrix.getSymName()
           << " is not f * C + i * outer(k[t], v[t]) (mLSTM)";
  SmallVector<Value> forget = form.roles.front().second;
  if (failed(matchNormaliser(vector, forget, form.writeScalars, why)))
    return vector.emitError(kExpected) << "; " << why;
  if (!hasMaxAbsNormaliser(op.getOutput(), vector.getSymName()))
    return op.getOutput().emitError("mLSTM output is not of a supported form: expected "
                                    "(q @ C) / max(abs(q @ ")
           << vector.getSymName() << "), ...)";
  form.kind = Recurrence::MLSTM;
  form.roles = {{"forget_gate", forget}, {"input_gate", form.writeScalars}};
  inputGate = inputGateKind(form.writeScalars);
  return success();
}

void ClassifyRecurrencePass::runOnOperation() {
  LinearAttentionOp op = getOperation().getLinearAttention();
  if (!op)
    return; // softmax family
  StateForm form;
  StringRef inputGate;
  if (failed(classify(op, form, inputGate)))
    return signalPassFailure();
  MLIRContext *ctx = op.getContext();
  Builder b(ctx);
  SmallVector<NamedAttribute> gates;
  bool decayPerToken = false;
  for (auto &[role, values] : form.roles) {
    llvm::SetVector<Attribute> inputs;
    bool perToken = false;
    for (Value v : values) {
      gateInputs(v, inputs, perToken);
      decayPerToken |= perToken && role == "decay";
      if (Operation *def = v.getDefiningOp())
        def->setAttr("attn.gate_role", b.getStringAttr(role));
    }
    if (inputs.size() == 1)
      gates.push_back(b.getNamedAttr(role, inputs.front()));
    else if (!inputs.empty())
      gates.push_back(b.getNamedAttr(role, b.getArrayAttr(inputs.getArrayRef())));
  }
  op->setAttr("recurrence", RecurrenceAttr::get(ctx, form.kind));
  op->setAttr("recurrence_gates", b.getDictionaryAttr(gates));
  if (form.kind == Recurrence::ScalarDecay || form.kind == Recurrence::GatedDeltaRule)
    op->setAttr("recurrence_decay", b.getStringAttr(decayPerToken ? "per_token" : "per_head"));
  if (form.kind == Recurrence::MLSTM)
    op->setAttr("mlstm_input_gate", b.getStringAttr(inputGate));
  LLVM_DEBUG(llvm::dbgs() << "@" << getOperation().getSymName() << ": "
                          << stringifyRecurrence(form.kind) << "\n");
}

} // namespace
