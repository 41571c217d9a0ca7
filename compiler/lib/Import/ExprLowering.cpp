//===- ExprLowering.cpp - DSL expressions to arith/math/attn ops -*- C++ -*-===//
//
// One method per expression kind. Types follow docs/dialect.md: int is i64, float f32,
// bool i1, linear-family vectors/matrices tensor<?xf32>/tensor<?x?xf32>. `/` and `%` on
// ints are floor division and floor modulo; sigmoid, logsigmoid and softplus expand to
// exp/log1p so later passes and the emitter see only upstream math ops.
//
//===----------------------------------------------------------------------===//
#include "ExprLowering.h"

#include "attnc/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace attnc::dsl;
using attnc::detail::ExprLowering;

static bool isInt(Value v) { return v.getType().isInteger(64); }
static bool isBool(Value v) { return v.getType().isInteger(1); }
static bool isTensor(Value v) { return isa<RankedTensorType>(v.getType()); }

Value ExprLowering::lower(const Expr &e) {
  Location loc = locOf(e.loc);
  switch (e.kind) {
  case Expr::Kind::IntLit:
    return builder.create<arith::ConstantOp>(loc, builder.getI64IntegerAttr(e.intValue));
  case Expr::Kind::FloatLit:
    return builder.create<arith::ConstantOp>(
        loc, builder.getF32FloatAttr(static_cast<float>(e.floatValue)));
  case Expr::Kind::BoolLit:
    return builder.create<arith::ConstantOp>(loc, builder.getBoolAttr(e.boolValue));
  case Expr::Kind::Ref:
    return lowerRef(e, loc);
  case Expr::Kind::Index:
    return lowerIndex(e, loc);
  case Expr::Kind::Unary:
    return lowerUnary(e, loc);
  case Expr::Kind::Binary:
    return lowerBinary(e, loc);
  case Expr::Kind::Call:
    return lowerCall(e, loc);
  }
  emitError(loc) << "unknown expression kind";
  return {};
}

Value ExprLowering::lowerRef(const Expr &e, Location loc) {
  MLIRContext *ctx = builder.getContext();
  auto sym = FlatSymbolRefAttr::get(ctx, e.name);
  switch (e.refKind) {
  case RefKind::IndexVar:
  case RefKind::Score:
    if (Value v = indexVars.lookup(e.name))
      return v;
    emitError(loc) << "'" << e.name << "' is not available here";
    return {};
  case RefKind::Param: {
    const ParamDecl *param = kernel.findParam(e.name);
    Type type = param && param->type == ElementType::F32 ? Type(builder.getF32Type())
                                                         : Type(builder.getI64Type());
    return builder.create<attn::ParamRefOp>(loc, type, sym);
  }
  case RefKind::Dim:
    return builder.create<attn::DimRefOp>(loc, builder.getI64Type(), sym);
  case RefKind::Scale:
    return builder.create<attn::ScaleOp>(loc, builder.getF32Type());
  case RefKind::State: {
    const StateDecl *state = kernel.findState(e.name);
    Type type = state && state->dims.size() == 1 ? Type(attn::getVectorType(ctx))
                                                 : Type(attn::getMatrixType(ctx));
    return builder.create<attn::StateRefOp>(loc, type, sym);
  }
  case RefKind::Unresolved:
    break;
  }
  emitError(loc) << "unresolved name '" << e.name << "' (was the program checked?)";
  return {};
}

Value ExprLowering::lowerIndex(const Expr &e, Location loc) {
  MLIRContext *ctx = builder.getContext();
  auto sym = FlatSymbolRefAttr::get(ctx, e.name);
  const InputDecl *input = kernel.findInput(e.name);
  bool linear = kernel.family == Family::Linear;
  if (!input && linear && (e.name == "q" || e.name == "k" || e.name == "v")) {
    Value t = lower(*e.operands.front());
    if (!t)
      return {};
    return builder.create<attn::RowOp>(loc, attn::getVectorType(ctx), sym, t);
  }
  if (!input) {
    emitError(loc) << "'" << e.name << "' cannot be indexed";
    return {};
  }
  SmallVector<Value> indices;
  size_t rank = input->dims.size();
  const Expr &first = *e.operands.front();
  // Linear family: g[t] is the row of a [B, H, T, ...] input at step t.
  bool stepRow = linear && e.operands.size() == 1 && first.kind == Expr::Kind::Ref &&
                 first.name == "t" && rank >= 3;
  if (stepRow) {
    indices = {indexVars.lookup("b"), indexVars.lookup("h")};
    if (!indices[0] || !indices[1]) {
      emitError(loc) << "'" << e.name << "[t]' needs the b and h index variables";
      return {};
    }
  }
  for (const ExprPtr &operand : e.operands) {
    Value index = lower(*operand);
    if (!index)
      return {};
    indices.push_back(index);
  }
  Type element =
      input->type == ElementType::I32 ? Type(builder.getI64Type()) : Type(builder.getF32Type());
  Type result = element;
  if (stepRow && rank == 4)
    result = attn::getVectorType(ctx);
  if (stepRow && rank > 4) {
    emitError(loc) << "expected an input row of rank 0 or 1 for '" << e.name << "[t]', got rank "
                   << rank - 3;
    return {};
  }
  return builder.create<attn::LoadOp>(loc, result, sym, indices);
}

Value ExprLowering::lowerUnary(const Expr &e, Location loc) {
  Value x = lower(*e.operands[0]);
  if (!x)
    return {};
  if (e.unaryOp == UnaryOp::Not) {
    Value one = builder.create<arith::ConstantOp>(loc, builder.getBoolAttr(true));
    return builder.create<arith::XOrIOp>(loc, x, one);
  }
  if (isInt(x)) {
    Value zero = builder.create<arith::ConstantOp>(loc, builder.getI64IntegerAttr(0));
    return builder.create<arith::SubIOp>(loc, zero, x);
  }
  return builder.create<arith::NegFOp>(loc, x);
}

Value ExprLowering::lowerBinary(const Expr &e, Location loc) {
  const Expr &lhsExpr = *e.operands[0];
  // diag(x) * y: rows of a matrix y scaled by x, or x * y elementwise for a vector y.
  if (e.binaryOp == BinaryOp::Mul && lhsExpr.kind == Expr::Kind::Call && lhsExpr.name == "diag") {
    Value x = lower(*lhsExpr.operands[0]);
    Value y = x ? lower(*e.operands[1]) : Value();
    if (!y)
      return {};
    if (attn::isMatrixType(y.getType()))
      return builder.create<attn::DiagScaleOp>(loc, y.getType(), x, y);
    return builder.create<arith::MulFOp>(loc, x, y);
  }
  Value lhs = lower(lhsExpr);
  Value rhs = lhs ? lower(*e.operands[1]) : Value();
  if (!rhs)
    return {};
  switch (e.binaryOp) {
  case BinaryOp::And:
    return builder.create<arith::AndIOp>(loc, lhs, rhs);
  case BinaryOp::Or:
    return builder.create<arith::OrIOp>(loc, lhs, rhs);
  case BinaryOp::Lt:
  case BinaryOp::Le:
  case BinaryOp::Gt:
  case BinaryOp::Ge:
  case BinaryOp::Eq:
  case BinaryOp::Ne:
    return lowerCompare(e.binaryOp, lhs, rhs, loc);
  case BinaryOp::MatMul:
    return lowerMatMul(lhs, rhs, loc);
  default:
    return lowerArithmetic(e.binaryOp, lhs, rhs, loc);
  }
}

Value ExprLowering::lowerArithmetic(BinaryOp op, Value lhs, Value rhs, Location loc) {
  if (isInt(lhs) && isInt(rhs)) {
    switch (op) {
    case BinaryOp::Add:
      return builder.create<arith::AddIOp>(loc, lhs, rhs);
    case BinaryOp::Sub:
      return builder.create<arith::SubIOp>(loc, lhs, rhs);
    case BinaryOp::Mul:
      return builder.create<arith::MulIOp>(loc, lhs, rhs);
    case BinaryOp::Div:
      return builder.create<arith::FloorDivSIOp>(loc, lhs, rhs);
    case BinaryOp::Mod: {
      // Floor modulo: a - floordiv(a, b) * b takes the sign of b, like Python.
      Value quotient = builder.create<arith::FloorDivSIOp>(loc, lhs, rhs);
      Value product = builder.create<arith::MulIOp>(loc, quotient, rhs);
      return builder.create<arith::SubIOp>(loc, lhs, product);
    }
    default:
      break;
    }
  }
  if (!unify(lhs, rhs, loc))
    return {};
  switch (op) {
  case BinaryOp::Add:
    return builder.create<arith::AddFOp>(loc, lhs, rhs);
  case BinaryOp::Sub:
    return builder.create<arith::SubFOp>(loc, lhs, rhs);
  case BinaryOp::Mul:
    return builder.create<arith::MulFOp>(loc, lhs, rhs);
  case BinaryOp::Div:
    return builder.create<arith::DivFOp>(loc, lhs, rhs);
  default:
    emitError(loc) << "expected int operands for '" << toString(op) << "', got " << lhs.getType()
                   << " and " << rhs.getType();
    return {};
  }
}

Value ExprLowering::lowerCompare(BinaryOp op, Value lhs, Value rhs, Location loc) {
  using IP = arith::CmpIPredicate;
  using FP = arith::CmpFPredicate;
  if ((isInt(lhs) && isInt(rhs)) || (isBool(lhs) && isBool(rhs))) {
    IP pred = op == BinaryOp::Lt   ? IP::slt
              : op == BinaryOp::Le ? IP::sle
              : op == BinaryOp::Gt ? IP::sgt
              : op == BinaryOp::Ge ? IP::sge
              : op == BinaryOp::Eq ? IP::eq
                                   : IP::ne;
    return builder.create<arith::CmpIOp>(loc, pred, lhs, rhs);
  }
  lhs = toFloat(lhs, loc);
  rhs = toFloat(rhs, loc);
  FP pred = op == BinaryOp::Lt   ? FP::OLT
            : op == BinaryOp::Le ? FP::OLE
            : op == BinaryOp::Gt ? FP::OGT
            : op == BinaryOp::Ge ? FP::OGE
            : op == BinaryOp::Eq ? FP::OEQ
                                 : FP::UNE;
  return builder.create<arith::CmpFOp>(loc, pred, lhs, rhs);
}

Value ExprLowering::lowerMatMul(Value lhs, Value rhs, Location loc) {
  if (attn::isVectorType(lhs.getType()) && attn::isMatrixType(rhs.getType()))
    return builder.create<attn::VecMatOp>(loc, lhs.getType(), lhs, rhs);
  if (attn::isVectorType(lhs.getType()) && attn::isVectorType(rhs.getType()))
    return builder.create<attn::DotOp>(loc, builder.getF32Type(), lhs, rhs);
  emitError(loc) << "expected a vector @ a vector or matrix, got " << lhs.getType() << " @ "
                 << rhs.getType();
  return {};
}

Value ExprLowering::lowerCall(const Expr &e, Location loc) {
  if (e.name == "diag") {
    emitError(loc) << "'diag(...)' may only be the left operand of '*'";
    return {};
  }
  SmallVector<Value> args;
  for (const ExprPtr &operand : e.operands) {
    Value v = lower(*operand);
    if (!v)
      return {};
    args.push_back(v);
  }
  if (e.name == "where") {
    Value a = args[1], b = args[2];
    bool same = (isInt(a) && isInt(b)) || (isBool(a) && isBool(b));
    if (!same && !unify(a, b, loc))
      return {};
    return builder.create<arith::SelectOp>(loc, args[0], a, b);
  }
  if (e.name == "outer")
    return builder.create<attn::OuterOp>(loc, attn::getMatrixType(builder.getContext()),
                                         toFloat(args[0], loc), toFloat(args[1], loc));
  if (e.name == "min" || e.name == "max") {
    Value a = args[0], b = args[1];
    bool isMin = e.name == "min";
    if (isInt(a) && isInt(b))
      return isMin ? builder.create<arith::MinSIOp>(loc, a, b).getResult()
                   : builder.create<arith::MaxSIOp>(loc, a, b).getResult();
    if (!unify(a, b, loc))
      return {};
    return isMin ? builder.create<arith::MinimumFOp>(loc, a, b).getResult()
                 : builder.create<arith::MaximumFOp>(loc, a, b).getResult();
  }
  if (e.name == "abs" && isInt(args[0]))
    return builder.create<math::AbsIOp>(loc, args[0]);
  return lowerUnaryFunction(e.name, toFloat(args[0], loc), loc);
}

Value ExprLowering::lowerUnaryFunction(StringRef name, Value x, Location loc) {
  if (name == "exp")
    return builder.create<math::ExpOp>(loc, x);
  if (name == "log")
    return builder.create<math::LogOp>(loc, x);
  if (name == "exp2")
    return builder.create<math::Exp2Op>(loc, x);
  if (name == "log2")
    return builder.create<math::Log2Op>(loc, x);
  if (name == "tanh")
    return builder.create<math::TanhOp>(loc, x);
  if (name == "sqrt")
    return builder.create<math::SqrtOp>(loc, x);
  if (name == "abs")
    return builder.create<math::AbsFOp>(loc, x);
  if (name == "softplus") // log(1 + exp(x))
    return builder.create<math::Log1pOp>(loc, builder.create<math::ExpOp>(loc, x));
  if (name == "logsigmoid") { // -softplus(-x)
    Value neg = builder.create<arith::NegFOp>(loc, x);
    Value sp = lowerUnaryFunction("softplus", neg, loc);
    return builder.create<arith::NegFOp>(loc, sp);
  }
  if (name == "sigmoid") { // 1 / (1 + exp(-x))
    Value e = builder.create<math::ExpOp>(loc, builder.create<arith::NegFOp>(loc, x));
    Value one = splat(1.0, x, loc);
    Value den = builder.create<arith::AddFOp>(loc, one, e);
    return builder.create<arith::DivFOp>(loc, one, den);
  }
  emitError(loc) << "unknown function '" << name << "'";
  return {};
}

Value ExprLowering::toFloat(Value v, Location loc) {
  if (!isInt(v))
    return v;
  return builder.create<arith::SIToFPOp>(loc, builder.getF32Type(), v);
}

bool ExprLowering::unify(Value &lhs, Value &rhs, Location loc) {
  lhs = toFloat(lhs, loc);
  rhs = toFloat(rhs, loc);
  if (lhs.getType() == rhs.getType())
    return true;
  if (!isTensor(lhs) && isTensor(rhs)) {
    lhs = builder.create<attn::BroadcastOp>(loc, rhs.getType(), lhs, rhs);
    return true;
  }
  if (isTensor(lhs) && !isTensor(rhs)) {
    rhs = builder.create<attn::BroadcastOp>(loc, lhs.getType(), rhs, lhs);
    return true;
  }
  emitError(loc) << "expected operands of one shape, got " << lhs.getType() << " and "
                 << rhs.getType();
  return false;
}

Value ExprLowering::splat(double value, Value like, Location loc) {
  Value c =
      builder.create<arith::ConstantOp>(loc, builder.getF32FloatAttr(static_cast<float>(value)));
  if (!isTensor(like))
    return c;
  return builder.create<attn::BroadcastOp>(loc, like.getType(), c, like);
}
