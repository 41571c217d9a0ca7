//===- AnalyzeMasks.cpp - attn-analyze-masks --------------------*- C++ -*-===//
//
// Turns the mask region of attn.softmax_attention into the block-classification model of
// attnc/Analysis (a DNF of key bounds j >= f(i), j <= f(i) and row conditions) by
// interpreting its arith/math/attn ops in the MaskBuilder algebra, and attaches
// `mask_kind` and `mask_bounds` to the op. Values the model cannot express (inputs, the
// batch/head index, floats, unsigned compares) become run-time atoms with the reason, so
// the result is always sound: the emitter may skip EMPTY tiles and drop the mask in FULL
// ones. Also the read-back used by the emitter and `attnc explain` (MaskFromIR.h).
//
//===----------------------------------------------------------------------===//
#include "attnc/Analysis/MaskBuilder.h"
#include "attnc/Analysis/MaskFromIR.h"
#include "attnc/Dialect/Attn/Transforms/Passes.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "attn-analyze-masks"

namespace mlir::attn {
#define GEN_PASS_DEF_ANALYZEMASKSPASS
#include "attnc/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;
using namespace attnc::analysis;

namespace {

/// Interprets one mask region; values are memoised so shared subexpressions cost once.
class MaskInterpreter {
public:
  explicit MaskInterpreter(Block &block) : block(block) {}

  Cond boolOf(Value v);
  IntValue intOf(Value v);

private:
  IntValue intOfOp(Operation *op);
  Cond boolOfOp(Operation *op);

  Block &block;
  llvm::DenseMap<Value, IntValue> ints;
  llvm::DenseMap<Value, Cond> bools;
};

std::optional<CmpPred> toPred(arith::CmpIPredicate p) {
  switch (p) {
  case arith::CmpIPredicate::eq:
    return CmpPred::Eq;
  case arith::CmpIPredicate::ne:
    return CmpPred::Ne;
  case arith::CmpIPredicate::slt:
    return CmpPred::Lt;
  case arith::CmpIPredicate::sle:
    return CmpPred::Le;
  case arith::CmpIPredicate::sgt:
    return CmpPred::Gt;
  case arith::CmpIPredicate::sge:
    return CmpPred::Ge;
  default:
    return std::nullopt;
  }
}

std::string opName(Operation *op) { return op->getName().getStringRef().str(); }

IntValue MaskInterpreter::intOf(Value v) {
  auto it = ints.find(v);
  if (it != ints.end())
    return it->second;
  IntValue r;
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    // (%s, %b, %h, %i, %j)
    unsigned n = arg.getArgNumber();
    r = n == 3   ? IntValue::i()
        : n == 4 ? IntValue::j()
                 : IntValue::runtime(n == 1 ? "depends on the batch index b"
                                            : "depends on the head index h");
  } else {
    r = intOfOp(v.getDefiningOp());
  }
  ints[v] = r;
  return r;
}

IntValue MaskInterpreter::intOfOp(Operation *op) {
  auto bin = [&](auto fn) { return fn(intOf(op->getOperand(0)), intOf(op->getOperand(1))); };
  return llvm::TypeSwitch<Operation *, IntValue>(op)
      .Case([&](arith::ConstantOp c) {
        if (auto a = dyn_cast<IntegerAttr>(c.getValue()))
          return IntValue::constant(a.getInt());
        return IntValue::runtime("a non-integer constant");
      })
      .Case([&](ParamRefOp p) { return IntValue::symbol(p.getParam().str()); })
      .Case([&](DimRefOp d) { return IntValue::symbol(d.getDim().str()); })
      .Case([&](LoadOp l) { return IntValue::runtime("reads input " + l.getInput().str()); })
      .Case([&](arith::AddIOp) { return bin(intAdd); })
      .Case([&](arith::SubIOp) { return bin(intSub); })
      .Case([&](arith::MulIOp) { return bin(intMul); })
      .Case([&](arith::FloorDivSIOp) { return bin(intFloorDiv); })
      .Case([&](arith::MinSIOp) { return bin(intMin); })
      .Case([&](arith::MaxSIOp) { return bin(intMax); })
      .Case([&](math::AbsIOp a) { return intAbs(intOf(a.getOperand())); })
      .Case([&](arith::SelectOp s) {
        return intSelect(boolOf(s.getCondition()), intOf(s.getTrueValue()),
                         intOf(s.getFalseValue()));
      })
      .Default([&](Operation *o) {
        return IntValue::runtime("uses " + opName(o) + " (not an affine integer op)");
      });
}

Cond MaskInterpreter::boolOf(Value v) {
  auto it = bools.find(v);
  if (it != bools.end())
    return it->second;
  Cond r = isa<BlockArgument>(v) ? Cond::runtime("reads a block argument as a bool")
                                 : boolOfOp(v.getDefiningOp());
  bools[v] = r;
  return r;
}

Cond MaskInterpreter::boolOfOp(Operation *op) {
  return llvm::TypeSwitch<Operation *, Cond>(op)
      .Case([&](arith::ConstantOp c) {
        if (auto a = dyn_cast<IntegerAttr>(c.getValue()))
          return a.getValue().isZero() ? Cond::falsity() : Cond::truth();
        return Cond::runtime("a non-integer constant");
      })
      .Case([&](arith::CmpIOp c) {
        std::optional<CmpPred> pred = toPred(c.getPredicate());
        if (!pred)
          return Cond::runtime("an unsigned comparison");
        return compare(*pred, intOf(c.getLhs()), intOf(c.getRhs()));
      })
      .Case([&](arith::CmpFOp) { return Cond::runtime("compares float values"); })
      .Case([&](arith::AndIOp a) { return condAnd(boolOf(a.getLhs()), boolOf(a.getRhs())); })
      .Case([&](arith::OrIOp o) { return condOr(boolOf(o.getLhs()), boolOf(o.getRhs())); })
      .Case([&](arith::XOrIOp x) {
        Cond a = boolOf(x.getLhs()), b = boolOf(x.getRhs());
        if (b.isTrue())
          return condNot(a);
        if (a.isTrue())
          return condNot(b);
        return condOr(condAnd(a, condNot(b)), condAnd(condNot(a), b));
      })
      .Case([&](arith::SelectOp s) {
        return condSelect(boolOf(s.getCondition()), boolOf(s.getTrueValue()),
                          boolOf(s.getFalseValue()));
      })
      .Case([&](LoadOp l) { return Cond::runtime("reads input " + l.getInput().str()); })
      .Default([&](Operation *o) {
        return Cond::runtime("uses " + opName(o) + " (not an affine condition)");
      });
}

attnc::analysis::MaskKind toModelKind(attn::MaskKind k) {
  switch (k) {
  case attn::MaskKind::None:
    return attnc::analysis::MaskKind::None;
  case attn::MaskKind::Affine:
    return attnc::analysis::MaskKind::Affine;
  case attn::MaskKind::AffineBlockMap:
    return attnc::analysis::MaskKind::AffineBlockMap;
  case attn::MaskKind::BlockMap:
    return attnc::analysis::MaskKind::BlockMap;
  }
  return attnc::analysis::MaskKind::BlockMap;
}

attn::MaskKind toAttrKind(attnc::analysis::MaskKind k) {
  switch (k) {
  case attnc::analysis::MaskKind::None:
    return attn::MaskKind::None;
  case attnc::analysis::MaskKind::Affine:
    return attn::MaskKind::Affine;
  case attnc::analysis::MaskKind::AffineBlockMap:
    return attn::MaskKind::AffineBlockMap;
  case attnc::analysis::MaskKind::BlockMap:
    return attn::MaskKind::BlockMap;
  }
  return attn::MaskKind::BlockMap;
}

struct AnalyzeMasksPass : public attn::impl::AnalyzeMasksPassBase<AnalyzeMasksPass> {
  void runOnOperation() override {
    SoftmaxAttentionOp op = getOperation().getSoftmaxAttention();
    if (!op)
      return; // linear family: nothing to do
    FailureOr<MaskModel> model = attnc::analyzeMaskRegion(op);
    if (failed(model))
      return signalPassFailure();
    LLVM_DEBUG(llvm::dbgs() << "mask of @" << getOperation().getSymName() << ": " << model->str()
                            << " [" << toString(model->kind()) << "]\n");
    MLIRContext *ctx = op.getContext();
    op->setAttr(attnc::kMaskKindAttrName, MaskKindAttr::get(ctx, toAttrKind(model->kind())));
    if (!model->hasMask()) {
      op->removeAttr(attnc::kMaskBoundsAttrName);
      return;
    }
    std::vector<std::string> bounds = model->disjunctStrings();
    SmallVector<StringRef> refs(bounds.begin(), bounds.end());
    op->setAttr(attnc::kMaskBoundsAttrName, Builder(ctx).getStrArrayAttr(refs));
  }
};

} // namespace

void attnc::fillSymbolInfo(KernelOp kernel, MaskModel &model) {
  auto &info = model.symbolInfo();
  info.clear();
  auto lengthSymbol = [&](StringRef tensor) -> std::optional<std::string> {
    TensorOp t = kernel.lookupTensor(tensor);
    if (!t || t.getDims().size() != 4)
      return std::nullopt;
    return cast<StringAttr>(t.getDims()[2]).getValue().str();
  };
  if (auto n = lengthSymbol("q"))
    info.push_back({*n, SymbolInfo::Role::QueryLength, kernel.getStaticDimValue(*n)});
  if (auto m = lengthSymbol("k"))
    info.push_back({*m, SymbolInfo::Role::KeyLength, kernel.getStaticDimValue(*m)});
  for (Operation &op : kernel.getBodyRegion().front()) {
    if (auto p = dyn_cast<ParamOp>(op)) {
      std::optional<int64_t> def;
      if (auto a = dyn_cast_or_null<IntegerAttr>(p.getDefaultValueAttr()))
        def = a.getInt();
      info.push_back({p.getSymName().str(), SymbolInfo::Role::Param, def});
    } else if (auto d = dyn_cast<DimOp>(op)) {
      info.push_back({d.getSymName().str(), SymbolInfo::Role::Dim, d.getValue()});
    }
  }
}

FailureOr<MaskModel> attnc::analyzeMaskRegion(SoftmaxAttentionOp op) {
  MaskModel model = MaskModel::none();
  if (op.hasMask()) {
    Block &block = op.getMask().front();
    auto yield = dyn_cast<YieldOp>(block.getTerminator());
    if (!yield || block.getNumArguments() != 5)
      return op.emitError("expected a mask region (%s, %b, %h, %i, %j) ending in attn.yield");
    MaskInterpreter interp(block);
    model = toModel(interp.boolOf(yield.getValue()));
  }
  fillSymbolInfo(op->getParentOfType<KernelOp>(), model);
  return model;
}

FailureOr<MaskModel> attnc::maskModelFromOp(SoftmaxAttentionOp op) {
  auto kind = op->getAttrOfType<MaskKindAttr>(kMaskKindAttrName);
  if (!kind)
    return op.emitError("expected a mask_kind attribute (run attn-analyze-masks first)");
  MaskModel model = MaskModel::none();
  if (kind.getValue() != attn::MaskKind::None) {
    auto bounds = op->getAttrOfType<ArrayAttr>(kMaskBoundsAttrName);
    if (!bounds)
      return op.emitError("expected a mask_bounds string array next to mask_kind");
    std::vector<Conjunction> disjuncts;
    for (Attribute a : bounds) {
      auto s = dyn_cast<StringAttr>(a);
      std::string error;
      std::optional<MaskModel> part =
          s ? MaskModel::parse(s.getValue().str(), &error) : std::nullopt;
      if (!part)
        return op.emitError("malformed mask_bounds entry ") << a << ": " << error;
      disjuncts.insert(disjuncts.end(), part->disjuncts().begin(), part->disjuncts().end());
    }
    model = MaskModel::fromDisjuncts(std::move(disjuncts));
    if (toModelKind(kind.getValue()) != model.kind())
      return op.emitError("mask_kind ")
             << stringifyMaskKind(kind.getValue()) << " disagrees with mask_bounds ("
             << toString(model.kind()) << ")";
  }
  fillSymbolInfo(op->getParentOfType<KernelOp>(), model);
  return model;
}

FailureOr<MaskModel> attnc::maskModelFromKernel(KernelOp kernel) {
  SoftmaxAttentionOp op = kernel.getSoftmaxAttention();
  if (!op)
    return kernel.emitError("expected a softmax-family kernel, got no attn.softmax_attention");
  return maskModelFromOp(op);
}
