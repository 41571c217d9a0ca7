//===- ImportAST.cpp - Lower a checked DSL program to attn ------*- C++ -*-===//
//
// Builds one attn.kernel per DSL kernel: attn.dim for every dimension symbol (in order
// of first appearance), the q/k/v/o, param and input declarations, then either the
// softmax op (score and mask regions over %s, %b, %h, %i, %j) or the linear op (one
// attn.state per state, then attn.output, over %b, %h, %t). Expressions go through
// ExprLowering. The module is verified before it is returned.
//
//===----------------------------------------------------------------------===//
#include "attnc/Import/ImportAST.h"

#include "ExprLowering.h"

#include "attnc/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace attnc::dsl;
using attnc::detail::ExprLowering;

namespace {

class KernelImporter {
public:
  KernelImporter(MLIRContext &ctx, const Program &program, const Kernel &kernel)
      : ctx(ctx), program(program), kernel(kernel), builder(&ctx) {}

  LogicalResult run(ModuleOp module);

private:
  Location locOf(SourceLoc l) {
    if (!l.isValid())
      l = kernel.loc;
    return FileLineColLoc::get(&ctx, program.path, l.line, l.col);
  }

  Type elementType(ElementType t) {
    switch (t) {
    case ElementType::BF16:
      return builder.getBF16Type();
    case ElementType::F16:
      return builder.getF16Type();
    case ElementType::F32:
      return builder.getF32Type();
    case ElementType::I32:
      return builder.getI32Type();
    }
    return builder.getF32Type();
  }

  ArrayAttr dimsAttr(const std::vector<Dim> &dims) {
    SmallVector<StringRef> names;
    storage.clear();
    for (const Dim &d : dims)
      storage.push_back(d.str());
    for (const std::string &s : storage)
      names.push_back(s);
    return builder.getStrArrayAttr(names);
  }

  void declareDims();
  void collectExprDims(const Expr *e);
  void declareTensors(Type dtype);
  void declareParamsAndInputs();
  LogicalResult buildSoftmax();
  LogicalResult buildLinear();
  /// Lowers `expr` into a new block of `region` with `argNames` as i64 (or f32 for
  /// `s`) arguments, converting the result to `resultType` when it is an int.
  LogicalResult buildRegion(Region &region, ArrayRef<StringRef> argNames, const Expr *expr,
                            SourceLoc loc, StringRef resultName);

  MLIRContext &ctx;
  const Program &program;
  const Kernel &kernel;
  OpBuilder builder;
  std::vector<std::string> storage;
  llvm::StringSet<> declaredDims;
};

} // namespace

void KernelImporter::collectExprDims(const Expr *e) {
  if (!e)
    return;
  if (e->kind == Expr::Kind::Ref && e->refKind == RefKind::Dim &&
      declaredDims.insert(e->name).second)
    builder.create<attn::DimOp>(locOf(e->loc), builder.getStringAttr(e->name), IntegerAttr());
  for (const ExprPtr &operand : e->operands)
    collectExprDims(operand.get());
}

void KernelImporter::declareDims() {
  auto declare = [&](const std::vector<Dim> &list) {
    for (const Dim &d : list)
      if (!d.isLiteral() && declaredDims.insert(d.symbol).second)
        builder.create<attn::DimOp>(locOf(d.loc), builder.getStringAttr(d.symbol), IntegerAttr());
  };
  for (const auto *t : {&kernel.q, &kernel.k, &kernel.v, &kernel.o})
    if (*t)
      declare((*t)->dims);
  for (const InputDecl &in : kernel.inputs)
    declare(in.dims);
  for (const StateDecl &s : kernel.states)
    declare(s.dims);
  collectExprDims(kernel.score.get());
  collectExprDims(kernel.mask.get());
  for (const StateDecl &s : kernel.states)
    collectExprDims(s.update.get());
  if (kernel.out)
    collectExprDims(kernel.out->value.get());
}

void KernelImporter::declareTensors(Type dtype) {
  for (const auto *t : {&kernel.q, &kernel.k, &kernel.v, &kernel.o})
    if (*t)
      builder.create<attn::TensorOp>(locOf((*t)->loc), builder.getStringAttr((*t)->name),
                                     dimsAttr((*t)->dims), TypeAttr::get(dtype));
}

void KernelImporter::declareParamsAndInputs() {
  for (const ParamDecl &p : kernel.params) {
    Type type = elementType(p.type);
    TypedAttr value;
    if (p.defaultValue) {
      if (p.type == ElementType::I32)
        value = builder.getIntegerAttr(type, static_cast<int64_t>(*p.defaultValue));
      else
        value = builder.getFloatAttr(type, *p.defaultValue);
    }
    builder.create<attn::ParamOp>(locOf(p.loc), builder.getStringAttr(p.name), TypeAttr::get(type),
                                  value);
  }
  for (const InputDecl &in : kernel.inputs)
    builder.create<attn::InputOp>(locOf(in.loc), builder.getStringAttr(in.name), dimsAttr(in.dims),
                                  TypeAttr::get(elementType(in.type)));
}

LogicalResult KernelImporter::buildRegion(Region &region, ArrayRef<StringRef> argNames,
                                          const Expr *expr, SourceLoc loc, StringRef resultName) {
  OpBuilder::InsertionGuard guard(builder);
  Location regionLoc = locOf(loc);
  SmallVector<Type> types;
  for (StringRef name : argNames)
    types.push_back(name == "s" ? Type(builder.getF32Type()) : Type(builder.getI64Type()));
  SmallVector<Location> locs(argNames.size(), regionLoc);
  Block *block = builder.createBlock(&region, {}, types, locs);
  llvm::StringMap<Value> vars;
  for (auto [name, arg] : llvm::zip(argNames, block->getArguments()))
    vars[name] = arg;
  if (kernel.out && resultName == "output")
    vars[kernel.out->indexVar] = block->getArgument(argNames.size() - 1);
  Value result;
  if (expr) {
    ExprLowering lowering(builder, kernel, std::move(vars),
                          [this](SourceLoc l) { return locOf(l); });
    result = lowering.lower(*expr);
  } else {
    result = block->getArgument(0); // the default score is plain `s`
  }
  if (!result)
    return failure();
  if (resultName == "score" && result.getType().isInteger(64))
    result = builder.create<arith::SIToFPOp>(regionLoc, builder.getF32Type(), result);
  builder.create<attn::YieldOp>(expr ? locOf(expr->loc) : regionLoc, result);
  return success();
}

LogicalResult KernelImporter::buildSoftmax() {
  SourceLoc loc = kernel.score ? kernel.scoreLoc : kernel.loc;
  auto op = builder.create<attn::SoftmaxAttentionOp>(locOf(loc));
  static constexpr StringRef kArgs[] = {"s", "b", "h", "i", "j"};
  if (failed(buildRegion(op.getScore(), kArgs, kernel.score.get(), loc, "score")))
    return failure();
  if (kernel.mask &&
      failed(buildRegion(op.getMask(), kArgs, kernel.mask.get(), kernel.maskLoc, "mask")))
    return failure();
  return success();
}

LogicalResult KernelImporter::buildLinear() {
  if (!kernel.out)
    return emitError(locOf(kernel.loc)) << "expected an 'out' statement, got none";
  auto op = builder.create<attn::LinearAttentionOp>(
      locOf(kernel.states.empty() ? kernel.out->loc : kernel.states.front().loc));
  Block *body = builder.createBlock(&op.getBodyRegion());
  static constexpr StringRef kArgs[] = {"b", "h", "t"};
  for (const StateDecl &s : kernel.states) {
    builder.setInsertionPointToEnd(body);
    auto state = builder.create<attn::StateOp>(locOf(s.loc), builder.getStringAttr(s.name),
                                               dimsAttr(s.dims));
    if (failed(buildRegion(state.getUpdate(), kArgs, s.update.get(), s.loc, "state")))
      return failure();
  }
  builder.setInsertionPointToEnd(body);
  auto out = builder.create<attn::OutputOp>(locOf(kernel.out->loc),
                                            builder.getStringAttr(kernel.out->name));
  return buildRegion(out.getValue(), kArgs, kernel.out->value.get(), kernel.out->loc, "output");
}

LogicalResult KernelImporter::run(ModuleOp module) {
  Location loc = locOf(kernel.loc);
  if (!kernel.dtype)
    return emitError(loc) << "expected a 'dtype' statement, got none";
  Type dtype = elementType(*kernel.dtype);
  attn::Family family =
      kernel.family == Family::Linear ? attn::Family::Linear : attn::Family::Softmax;
  builder.setInsertionPointToEnd(module.getBody());
  auto op = builder.create<attn::KernelOp>(loc, kernel.name, dtype, family);
  builder.setInsertionPointToStart(op.getBody());
  declareDims();
  declareTensors(dtype);
  declareParamsAndInputs();
  return family == attn::Family::Softmax ? buildSoftmax() : buildLinear();
}

OwningOpRef<ModuleOp> attnc::importProgram(MLIRContext &context, const Program &program) {
  context.loadDialect<attn::AttnDialect, arith::ArithDialect, math::MathDialect,
                      tensor::TensorDialect>();
  OwningOpRef<ModuleOp> module =
      ModuleOp::create(FileLineColLoc::get(&context, program.path, 1, 1));
  bool ok = true;
  for (const Kernel &kernel : program.kernels)
    ok &= succeeded(KernelImporter(context, program, kernel).run(*module));
  if (!ok || failed(verify(*module)))
    return nullptr;
  return module;
}
