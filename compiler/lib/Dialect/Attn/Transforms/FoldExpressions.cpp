//===- FoldExpressions.cpp - attn-fold-expressions --------------*- C++ -*-===//
//
// Canonicalizes the expressions of one kernel, then CSEs them: every loaded dialect's
// canonicalization patterns and folders (arith and math do constant folding, `x * 1.0`,
// `select(true, a, b)`, `a && true`, ...) plus the few identities upstream leaves out because they
// change the sign of a zero, which no score, mask or state depends on. Params stay
// run-time values: nothing here reads a param's default.
//
//===----------------------------------------------------------------------===//
#include "attnc/Dialect/Attn/Transforms/Passes.h"

#include "mlir/IR/Dominance.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Rewrite/FrozenRewritePatternSet.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "attn-fold-expressions"

namespace mlir::attn {
#define GEN_PASS_DEF_FOLDEXPRESSIONSPASS
#include "attnc/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {

/// True for a float constant equal to `value`, or an attn.broadcast of one.
static bool isFloatSplat(Value v, double value) {
  if (auto broadcast = v.getDefiningOp<BroadcastOp>())
    v = broadcast.getValue();
  FloatAttr attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return false;
  return attr.getValue().isExactlyValue(value);
}

/// x + 0.0 -> x and 0.0 + x -> x, on scalars and on broadcast zeros.
struct AddFZero : OpRewritePattern<arith::AddFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::AddFOp op, PatternRewriter &rewriter) const override {
    for (auto [zero, other] :
         {std::pair(op.getRhs(), op.getLhs()), std::pair(op.getLhs(), op.getRhs())}) {
      if ((isFloatSplat(zero, 0.0) || isFloatSplat(zero, -0.0)) &&
          other.getType() == op.getType()) {
        rewriter.replaceOp(op, other);
        return success();
      }
    }
    return failure();
  }
};

/// x * broadcast(1.0) -> x (the scalar case is arith.mulf's own folder).
struct MulFBroadcastOne : OpRewritePattern<arith::MulFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::MulFOp op, PatternRewriter &rewriter) const override {
    for (auto [one, other] :
         {std::pair(op.getRhs(), op.getLhs()), std::pair(op.getLhs(), op.getRhs())}) {
      if (one.getDefiningOp<BroadcastOp>() && isFloatSplat(one, 1.0) &&
          other.getType() == op.getType()) {
        rewriter.replaceOp(op, other);
        return success();
      }
    }
    return failure();
  }
};

/// diag_scale(broadcast(1.0), S) -> S.
struct DiagScaleOne : OpRewritePattern<DiagScaleOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DiagScaleOp op, PatternRewriter &rewriter) const override {
    if (!op.getScale().getDefiningOp<BroadcastOp>() || !isFloatSplat(op.getScale(), 1.0))
      return failure();
    rewriter.replaceOp(op, op.getMatrix());
    return success();
  }
};

struct FoldExpressionsPass : public attn::impl::FoldExpressionsPassBase<FoldExpressionsPass> {
  LogicalResult initialize(MLIRContext *ctx) override {
    RewritePatternSet owned(ctx);
    for (Dialect *dialect : ctx->getLoadedDialects())
      dialect->getCanonicalizationPatterns(owned);
    for (RegisteredOperationName op : ctx->getRegisteredOperations())
      op.getCanonicalizationPatterns(owned, ctx);
    owned.add<AddFZero, MulFBroadcastOne, DiagScaleOne>(ctx);
    patterns = FrozenRewritePatternSet(std::move(owned));
    return success();
  }

  void runOnOperation() override {
    GreedyRewriteConfig config;
    // Entry-block arguments are the documented region signature: keep them.
    config.enableRegionSimplification = GreedySimplifyRegionLevel::Disabled;
    if (failed(applyPatternsAndFoldGreedily(getOperation(), patterns, config)))
      LLVM_DEBUG(llvm::dbgs() << "did not converge on @" << getOperation().getSymName() << "\n");
    // The import lowers every occurrence of a name (k[t], a param) separately; merge
    // the copies so analyses see one value per name. Sibling regions stay apart.
    IRRewriter rewriter(&getContext());
    DominanceInfo domInfo(getOperation());
    eliminateCommonSubExpressions(rewriter, domInfo, getOperation());
  }

  FrozenRewritePatternSet patterns;
};

} // namespace
