//===- ExpressionEmitter.cpp - attn/arith/math region ops to CUDA C++ ------===//
//
// One printer per op family, dispatched with TypeSwitch. Every SSA value becomes a
// `const` local named v<N>, so the emitted code reads top to bottom like the IR. Float
// constants print with enough digits to round-trip; non-finite ones through named
// helpers. Unsigned comparisons and other ops the DSL never produces are rejected.
//
//===----------------------------------------------------------------------===//
#include "attnc/Target/CUDA/ExpressionEmitter.h"

#include "attnc/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;

namespace attnc::cuda {
namespace {

class RegionPrinter {
public:
  RegionPrinter(const SymbolAccess &symbols, llvm::raw_ostream &os, StringRef indent)
      : symbols(symbols), os(os), indent(indent) {}

  FailureOr<std::string> print(Region &region, const std::vector<std::string> &argNames);
  FailureOr<std::vector<std::string>> printSlice(Region &region, ArrayRef<Value> values,
                                                 const std::vector<std::string> &argNames);

private:
  LogicalResult printOp(Operation *op);
  LogicalResult define(Value result, const std::string &expr);
  std::string name(Value v) { return names.lookup(v); }
  std::string binary(Operation *op, StringRef infix) {
    return "(" + name(op->getOperand(0)) + " " + infix.str() + " " + name(op->getOperand(1)) +
           ")";
  }
  std::string call(Operation *op, StringRef fn) {
    std::string s = fn.str() + "(";
    for (auto [idx, operand] : llvm::enumerate(op->getOperands()))
      s += (idx ? ", " : "") + name(operand);
    return s + ")";
  }
  FailureOr<std::string> constant(arith::ConstantOp op);
  FailureOr<std::string> compareInt(arith::CmpIOp op);
  FailureOr<std::string> compareFloat(arith::CmpFOp op);
  FailureOr<std::string> load(attn::LoadOp op);
  FailureOr<std::string> symbol(Operation *op, StringRef sym);

  const SymbolAccess &symbols;
  llvm::raw_ostream &os;
  StringRef indent;
  llvm::DenseMap<Value, std::string> names;
  std::string yielded;
  unsigned counter = 0;
};

/// C++ spelling of a scalar IR type.
FailureOr<std::string> cppType(Type t) {
  if (t.isInteger(1))
    return std::string("bool");
  if (t.isInteger(64) || t.isInteger(32) || t.isIndex())
    return std::string("long long");
  if (t.isF32())
    return std::string("float");
  return failure();
}

std::string floatLiteral(double v) {
  if (std::isnan(v))
    return "__int_as_float(0x7fc00000)";
  if (std::isinf(v))
    return v > 0 ? "(-attnc::kNegInf)" : "attnc::kNegInf";
  char buf[64];
  snprintf(buf, sizeof(buf), "%.9gf", v);
  std::string s = buf;
  if (s.find_first_of(".e") == std::string::npos)
    s.insert(s.size() - 1, ".0");
  return s;
}

FailureOr<std::string> RegionPrinter::print(Region &region,
                                            const std::vector<std::string> &argNames) {
  Block &block = region.front();
  if (block.getNumArguments() != argNames.size())
    return emitError(region.getLoc()) << "expected " << argNames.size()
                                      << " region arguments, got " << block.getNumArguments();
  for (auto [arg, argName] : llvm::zip(block.getArguments(), argNames))
    names[arg] = argName;
  for (Operation &op : block)
    if (failed(printOp(&op)))
      return failure();
  if (yielded.empty())
    return emitError(region.getLoc()) << "region has no attn.yield";
  return yielded;
}

FailureOr<std::vector<std::string>>
RegionPrinter::printSlice(Region &region, ArrayRef<Value> values,
                          const std::vector<std::string> &argNames) {
  Block &block = region.front();
  if (block.getNumArguments() != argNames.size())
    return emitError(region.getLoc()) << "expected " << argNames.size()
                                      << " region arguments, got " << block.getNumArguments();
  for (auto [arg, argName] : llvm::zip(block.getArguments(), argNames))
    names[arg] = argName;
  llvm::SmallPtrSet<Operation *, 16> needed;
  SmallVector<Value> work(values.begin(), values.end());
  while (!work.empty()) {
    Operation *def = work.pop_back_val().getDefiningOp();
    if (def && def->getBlock() == &block && needed.insert(def).second)
      work.append(def->operand_begin(), def->operand_end());
  }
  for (Operation &op : block)
    if (needed.count(&op) && failed(printOp(&op)))
      return failure();
  std::vector<std::string> result;
  for (Value v : values)
    result.push_back(name(v));
  return result;
}

LogicalResult RegionPrinter::define(Value result, const std::string &expr) {
  FailureOr<std::string> type = cppType(result.getType());
  if (failed(type))
    return emitError(result.getLoc()) << "cannot emit a value of type " << result.getType()
                                      << " to CUDA";
  std::string n = "v" + std::to_string(counter++);
  os << indent << "const " << *type << " " << n << " = " << expr << ";\n";
  names[result] = n;
  return success();
}

FailureOr<std::string> RegionPrinter::constant(arith::ConstantOp op) {
  Attribute value = op.getValue();
  if (auto b = dyn_cast<BoolAttr>(value))
    return std::string(b.getValue() ? "true" : "false");
  if (auto i = dyn_cast<IntegerAttr>(value)) {
    if (i.getType().isInteger(1))
      return std::string(i.getValue().isZero() ? "false" : "true");
    return std::to_string(i.getValue().getSExtValue()) + "LL";
  }
  if (auto f = dyn_cast<FloatAttr>(value))
    return floatLiteral(f.getValueAsDouble());
  return op.emitError() << "cannot emit constant " << value << " to CUDA";
}

FailureOr<std::string> RegionPrinter::compareInt(arith::CmpIOp op) {
  using P = arith::CmpIPredicate;
  switch (op.getPredicate()) {
  case P::eq: return binary(op, "==");
  case P::ne: return binary(op, "!=");
  case P::slt: return binary(op, "<");
  case P::sle: return binary(op, "<=");
  case P::sgt: return binary(op, ">");
  case P::sge: return binary(op, ">=");
  default:
    return op.emitError() << "cannot emit unsigned comparison '"
                          << arith::stringifyCmpIPredicate(op.getPredicate()) << "' to CUDA";
  }
}

FailureOr<std::string> RegionPrinter::compareFloat(arith::CmpFOp op) {
  using P = arith::CmpFPredicate;
  switch (op.getPredicate()) {
  case P::OEQ: case P::UEQ: return binary(op, "==");
  case P::ONE: case P::UNE: return binary(op, "!=");
  case P::OLT: case P::ULT: return binary(op, "<");
  case P::OLE: case P::ULE: return binary(op, "<=");
  case P::OGT: case P::UGT: return binary(op, ">");
  case P::OGE: case P::UGE: return binary(op, ">=");
  case P::AlwaysTrue: return std::string("true");
  case P::AlwaysFalse: return std::string("false");
  default:
    return op.emitError() << "cannot emit float comparison '"
                          << arith::stringifyCmpFPredicate(op.getPredicate()) << "' to CUDA";
  }
}

FailureOr<std::string> RegionPrinter::symbol(Operation *op, StringRef sym) {
  auto it = symbols.values.find(sym);
  if (it == symbols.values.end())
    return op->emitError() << "no run-time slot for symbol '" << sym << "'";
  return it->second;
}

FailureOr<std::string> RegionPrinter::load(attn::LoadOp op) {
  auto it = symbols.inputs.find(op.getInput());
  if (it == symbols.inputs.end())
    return op.emitError() << "no run-time slot for input '" << op.getInput() << "'";
  if (!op.getType().isIntOrFloat())
    return op.emitError() << "expected a scalar load in a softmax kernel, got "
                          << op.getType();
  std::string s = "attnc::loadInput<" + it->second.second + ">(" + it->second.first;
  // Index variables (the region's arguments: b, h, i, j, t) are never negative; Expr.cuh's
  // indexVariable passes them so the offset needs no sign extension where that pays.
  for (Value idx : op.getIndices())
    s += ", " + (isa<BlockArgument>(idx) ? "attnc::indexVariable(" + name(idx) + ")" : name(idx));
  return s + ")";
}

LogicalResult RegionPrinter::printOp(Operation *op) {
  if (auto yield = dyn_cast<attn::YieldOp>(op)) {
    if (yield->getNumOperands() != 1)
      return yield.emitError() << "expected one yielded value, got "
                               << yield->getNumOperands();
    yielded = name(yield->getOperand(0));
    return success();
  }
  FailureOr<std::string> expr =
      llvm::TypeSwitch<Operation *, FailureOr<std::string>>(op)
          .Case<arith::ConstantOp>([&](auto c) { return constant(c); })
          .Case<arith::AddIOp, arith::AddFOp>([&](auto o) { return binary(o, "+"); })
          .Case<arith::SubIOp, arith::SubFOp>([&](auto o) { return binary(o, "-"); })
          .Case<arith::MulIOp, arith::MulFOp>([&](auto o) { return binary(o, "*"); })
          .Case<arith::DivFOp, arith::DivSIOp>([&](auto o) { return binary(o, "/"); })
          .Case<arith::RemSIOp>([&](auto o) { return binary(o, "%"); })
          .Case<arith::FloorDivSIOp>([&](auto o) { return call(o, "attnc::floorDiv"); })
          .Case<arith::NegFOp>([&](auto o) { return "(-" + name(o.getOperand()) + ")"; })
          .Case<arith::AndIOp>([&](auto o) {
            return binary(o, o.getType().isInteger(1) ? "&&" : "&");
          })
          .Case<arith::OrIOp>([&](auto o) {
            return binary(o, o.getType().isInteger(1) ? "||" : "|");
          })
          .Case<arith::XOrIOp>([&](auto o) {
            return binary(o, o.getType().isInteger(1) ? "!=" : "^");
          })
          .Case<arith::CmpIOp>([&](auto o) { return compareInt(o); })
          .Case<arith::CmpFOp>([&](auto o) { return compareFloat(o); })
          .Case<arith::SelectOp>([&](auto o) {
            return "(" + name(o.getCondition()) + " ? " + name(o.getTrueValue()) + " : " +
                   name(o.getFalseValue()) + ")";
          })
          .Case<arith::SIToFPOp>([&](auto o) {
            return "static_cast<float>(" + name(o.getIn()) + ")";
          })
          .Case<arith::FPToSIOp>([&](auto o) {
            return "static_cast<long long>(" + name(o.getIn()) + ")";
          })
          .Case<arith::MaximumFOp, arith::MaxNumFOp>([&](auto o) { return call(o, "fmaxf"); })
          .Case<arith::MinimumFOp, arith::MinNumFOp>([&](auto o) { return call(o, "fminf"); })
          .Case<arith::MaxSIOp>([&](auto o) { return call(o, "max"); })
          .Case<arith::MinSIOp>([&](auto o) { return call(o, "min"); })
          .Case<math::ExpOp>([&](auto o) { return call(o, "expf"); })
          .Case<math::Exp2Op>([&](auto o) { return call(o, "exp2f"); })
          .Case<math::LogOp>([&](auto o) { return call(o, "logf"); })
          .Case<math::Log2Op>([&](auto o) { return call(o, "log2f"); })
          .Case<math::Log1pOp>([&](auto o) { return call(o, "log1pf"); })
          .Case<math::TanhOp>([&](auto o) { return call(o, "tanhf"); })
          .Case<math::SqrtOp>([&](auto o) { return call(o, "sqrtf"); })
          .Case<math::AbsFOp>([&](auto o) { return call(o, "fabsf"); })
          .Case<math::AbsIOp>([&](auto o) { return call(o, "llabs"); })
          .Case<attn::ParamRefOp>([&](auto o) { return symbol(o, o.getParam()); })
          .Case<attn::DimRefOp>([&](auto o) { return symbol(o, o.getDim()); })
          .Case<attn::ScaleOp>([&](auto o) { return symbol(o, "scale"); })
          .Case<attn::LoadOp>([&](auto o) { return load(o); })
          .Default([&](Operation *o) -> FailureOr<std::string> {
            return o->emitError() << "cannot emit '" << o->getName() << "' to CUDA";
          });
  if (failed(expr))
    return failure();
  if (op->getNumResults() != 1)
    return op->emitError() << "expected one result, got " << op->getNumResults();
  return define(op->getResult(0), *expr);
}

} // namespace

FailureOr<std::string> emitRegionBody(Region &region, const std::vector<std::string> &argNames,
                                      const SymbolAccess &symbols, llvm::raw_ostream &os,
                                      StringRef indent) {
  if (!region.hasOneBlock())
    return emitError(region.getLoc()) << "expected a region with one block";
  RegionPrinter printer(symbols, os, indent);
  return printer.print(region, argNames);
}

FailureOr<std::vector<std::string>>
emitValueSlice(Region &region, ArrayRef<Value> values, const std::vector<std::string> &argNames,
               const SymbolAccess &symbols, llvm::raw_ostream &os, StringRef indent) {
  if (!region.hasOneBlock())
    return emitError(region.getLoc()) << "expected a region with one block";
  RegionPrinter printer(symbols, os, indent);
  return printer.printSlice(region, values, argNames);
}

} // namespace attnc::cuda
