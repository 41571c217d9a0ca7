//===- AttnOps.cpp - Verifiers and helpers of the attn ops ------*- C++ -*-===//
//
// Verifiers for the attn ops: declarations name valid dims, references name a symbol
// of the right kind with the right type, and every region takes the documented block
// arguments and yields the documented type. Messages read "expected X, got Y".
//
//===----------------------------------------------------------------------===//
#include "attnc/Dialect/Attn/IR/AttnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace mlir::attn;

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

static bool isDimLiteral(StringRef dim) { return !dim.empty() && llvm::all_of(dim, llvm::isDigit); }

static SmallVector<StringRef> toStrings(ArrayAttr dims) {
  return llvm::to_vector(
      llvm::map_range(dims, [](Attribute a) { return cast<StringAttr>(a).getValue(); }));
}

/// Each dim entry is a positive decimal literal or the name of an attn.dim.
static LogicalResult verifyDimEntries(Operation *op, ArrayAttr dims) {
  auto kernel = op->getParentOfType<KernelOp>();
  if (!kernel)
    return op->emitOpError("expected to be nested in an attn.kernel, got no kernel");
  for (StringRef dim : toStrings(dims)) {
    if (dim.empty())
      return op->emitOpError("expected a dim name or literal, got an empty string");
    if (isDimLiteral(dim)) {
      if (llvm::all_of(dim, [](char c) { return c == '0'; }))
        return op->emitOpError("expected a positive literal dim, got ") << dim;
      continue;
    }
    Operation *decl = kernel.lookupDecl(dim);
    if (!decl)
      return op->emitOpError("expected dim '")
             << dim << "' to name an attn.dim, got no such symbol";
    if (!isa<DimOp>(decl))
      return op->emitOpError("expected dim '")
             << dim << "' to name an attn.dim, got '" << decl->getName() << "'";
  }
  return success();
}

/// Finds the declaration `sym` names in the enclosing kernel and checks its kind.
template <typename DeclT>
static FailureOr<DeclT> lookupDeclOf(Operation *op, FlatSymbolRefAttr sym, StringRef kindName) {
  auto kernel = op->getParentOfType<KernelOp>();
  if (!kernel) {
    op->emitOpError("expected to be nested in an attn.kernel, got no kernel");
    return failure();
  }
  Operation *decl = kernel.lookupDecl(sym.getValue());
  if (!decl) {
    op->emitOpError("expected ") << sym << " to name an " << kindName << ", got no such symbol";
    return failure();
  }
  auto typed = dyn_cast<DeclT>(decl);
  if (!typed) {
    op->emitOpError("expected ") << sym << " to name an " << kindName << ", got '"
                                 << decl->getName() << "'";
    return failure();
  }
  return typed;
}

/// Checks a region's block arguments and the type its attn.yield returns.
static LogicalResult verifyRegionSignature(Operation *op, Region &region, StringRef name,
                                           ArrayRef<Type> argTypes, Type yieldType) {
  Block &block = region.front();
  if (block.getNumArguments() != argTypes.size())
    return op->emitOpError("expected '") << name << "' region to take " << argTypes.size()
                                         << " arguments, got " << block.getNumArguments();
  for (auto [index, arg, expected] : llvm::enumerate(block.getArguments(), argTypes))
    if (arg.getType() != expected)
      return op->emitOpError("expected argument #") << index << " of '" << name << "' region to be "
                                                    << expected << ", got " << arg.getType();
  auto yield = block.empty() ? YieldOp() : dyn_cast<YieldOp>(block.back());
  if (!yield)
    return op->emitOpError("expected '") << name << "' region to end in attn.yield, got none";
  if (yield.getValue().getType() != yieldType)
    return op->emitOpError("expected '")
           << name << "' region to yield " << yieldType << ", got " << yield.getValue().getType();
  return success();
}

//===----------------------------------------------------------------------===//
// attn.kernel
//===----------------------------------------------------------------------===//

void KernelOp::build(OpBuilder &builder, OperationState &state, StringRef name, Type dtype,
                     Family family) {
  state.addAttribute(getSymNameAttrName(state.name), builder.getStringAttr(name));
  state.addAttribute(getDtypeAttrName(state.name), TypeAttr::get(dtype));
  state.addAttribute(getFamilyAttrName(state.name), FamilyAttr::get(builder.getContext(), family));
  state.addRegion()->emplaceBlock();
}

Operation *KernelOp::lookupDecl(StringRef name) {
  if (getBodyRegion().empty())
    return nullptr;
  return ::mlir::SymbolTable::lookupSymbolIn(getOperation(), name);
}

TensorOp KernelOp::lookupTensor(StringRef name) {
  return dyn_cast_or_null<TensorOp>(lookupDecl(name));
}

std::optional<int64_t> KernelOp::getStaticDimValue(StringRef dim) {
  if (isDimLiteral(dim)) {
    int64_t value;
    if (dim.getAsInteger(10, value))
      return std::nullopt;
    return value;
  }
  auto decl = dyn_cast_or_null<DimOp>(lookupDecl(dim));
  if (!decl || !decl.getValueAttr())
    return std::nullopt;
  return decl.getValueAttr().getInt();
}

SoftmaxAttentionOp KernelOp::getSoftmaxAttention() {
  if (getBodyRegion().empty())
    return {};
  auto range = getBody()->getOps<SoftmaxAttentionOp>();
  return range.empty() ? SoftmaxAttentionOp() : *range.begin();
}

LinearAttentionOp KernelOp::getLinearAttention() {
  if (getBodyRegion().empty())
    return {};
  auto range = getBody()->getOps<LinearAttentionOp>();
  return range.empty() ? LinearAttentionOp() : *range.begin();
}

LogicalResult KernelOp::verify() {
  Type dtype = getDtype();
  if (!dtype.isBF16() && !dtype.isF16())
    return emitOpError("expected dtype bf16 or f16, got ") << dtype;
  return success();
}

LogicalResult KernelOp::verifyRegions() {
  size_t numSoftmax = 0, numLinear = 0;
  if (!getBodyRegion().empty()) {
    numSoftmax = llvm::range_size(getBody()->getOps<SoftmaxAttentionOp>());
    numLinear = llvm::range_size(getBody()->getOps<LinearAttentionOp>());
  }
  bool softmax = getFamily() == Family::Softmax;
  size_t wanted = softmax ? numSoftmax : numLinear;
  size_t other = softmax ? numLinear : numSoftmax;
  StringRef familyName = stringifyFamily(getFamily());
  StringRef wantedOp = softmax ? "attn.softmax_attention" : "attn.linear_attention";
  StringRef otherOp = softmax ? "attn.linear_attention" : "attn.softmax_attention";
  if (wanted != 1)
    return emitOpError("expected 1 ")
           << wantedOp << " in a " << familyName << " kernel, got " << wanted;
  if (other != 0)
    return emitOpError("expected 0 ")
           << otherOp << " in a " << familyName << " kernel, got " << other;
  return success();
}

//===----------------------------------------------------------------------===//
// Declarations
//===----------------------------------------------------------------------===//

LogicalResult DimOp::verify() {
  IntegerAttr value = getValueAttr();
  if (value && value.getInt() <= 0)
    return emitOpError("expected a positive dim value, got ") << value.getInt();
  return success();
}

SmallVector<StringRef> TensorOp::getDimNames() { return toStrings(getDims()); }

LogicalResult TensorOp::verify() {
  StringRef name = getSymName();
  if (name != "q" && name != "k" && name != "v" && name != "o")
    return emitOpError("expected tensor name q, k, v or o, got '") << name << "'";
  auto kernel = (*this)->getParentOfType<KernelOp>();
  if (getElementType() != kernel.getDtype())
    return emitOpError("expected element type ")
           << kernel.getDtype() << " (the kernel dtype), got " << getElementType();
  return verifyDimEntries(*this, getDims());
}

/// `: i32 = 1024` / `: f32 = 5.0e+01` / `: f32`: the default is written without a type
/// because the param's own type gives it.
static ParseResult parseParamTypeAndDefault(OpAsmParser &parser, TypeAttr &typeAttr,
                                            TypedAttr &value) {
  Type type;
  if (parser.parseColonType(type))
    return failure();
  typeAttr = TypeAttr::get(type);
  if (failed(parser.parseOptionalEqual()))
    return success();
  if (type.isInteger(32)) {
    int64_t v;
    if (parser.parseInteger(v))
      return failure();
    value = IntegerAttr::get(type, v);
    return success();
  }
  double v;
  if (parser.parseFloat(v))
    return failure();
  value = FloatAttr::get(type, v);
  return success();
}

static void printParamTypeAndDefault(OpAsmPrinter &printer, Operation *, TypeAttr typeAttr,
                                     TypedAttr value) {
  printer << ": " << typeAttr.getValue();
  if (!value)
    return;
  printer << " = ";
  if (auto intAttr = dyn_cast<IntegerAttr>(value))
    printer << intAttr.getInt();
  else if (auto floatAttr = dyn_cast<FloatAttr>(value))
    printer.printFloat(floatAttr.getValue());
  else
    printer.printAttributeWithoutType(value);
}

LogicalResult ParamOp::verify() {
  Type type = getParamType();
  if (!type.isInteger(32) && !type.isF32())
    return emitOpError("expected param type i32 or f32, got ") << type;
  TypedAttr value = getDefaultValueAttr();
  if (value && value.getType() != type)
    return emitOpError("expected default of type ") << type << ", got " << value.getType();
  return success();
}

SmallVector<StringRef> InputOp::getDimNames() { return toStrings(getDims()); }

LogicalResult InputOp::verify() {
  Type type = getElementType();
  if (!type.isF32() && !type.isInteger(32) && !type.isBF16() && !type.isF16())
    return emitOpError("expected input element type f32, i32, bf16 or f16, got ") << type;
  if (getDims().empty())
    return emitOpError("expected at least 1 dim, got 0");
  return verifyDimEntries(*this, getDims());
}

//===----------------------------------------------------------------------===//
// References
//===----------------------------------------------------------------------===//

LogicalResult ParamRefOp::verify() {
  FailureOr<ParamOp> param = lookupDeclOf<ParamOp>(*this, getParamAttr(), "attn.param");
  if (failed(param))
    return failure();
  Type paramType = param->getParamType();
  Type expected = paramType.isF32() ? paramType : IntegerType::get(getContext(), 64);
  if (getType() != expected)
    return emitOpError("expected result type ") << expected << " for " << paramType << " param "
                                                << getParamAttr() << ", got " << getType();
  return success();
}

LogicalResult DimRefOp::verify() { return lookupDeclOf<DimOp>(*this, getDimAttr(), "attn.dim"); }

LogicalResult ScaleOp::verify() {
  if (!(*this)->getParentOfType<KernelOp>())
    return emitOpError("expected to be nested in an attn.kernel, got no kernel");
  return success();
}

LogicalResult LoadOp::verify() {
  FailureOr<InputOp> input = lookupDeclOf<InputOp>(*this, getInputAttr(), "attn.input");
  if (failed(input))
    return failure();
  size_t rank = input->getDims().size();
  size_t count = getIndices().size();
  Type elementType = input->getElementType();
  if (count == rank) {
    Type expected = elementType.isInteger(32) ? Type(IntegerType::get(getContext(), 64))
                                              : Type(Float32Type::get(getContext()));
    if (getType() != expected)
      return emitOpError("expected result type ")
             << expected << " for an element of " << getInputAttr() << ", got " << getType();
    return success();
  }
  if (count + 1 == rank) {
    if (elementType.isInteger(32))
      return emitOpError("expected a float input for a row load, got ") << elementType;
    if (!isVectorType(getType()))
      return emitOpError("expected result type ") << getVectorType(getContext()) << " for a row of "
                                                  << getInputAttr() << ", got " << getType();
    return success();
  }
  return emitOpError("expected ") << rank << " or " << rank - 1 << " indices for " << getInputAttr()
                                  << ", got " << count;
}

//===----------------------------------------------------------------------===//
// attn.softmax_attention
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxAttentionOp::verify() {
  Builder b(getContext());
  SmallVector<Type> args = {b.getF32Type(), b.getI64Type(), b.getI64Type(), b.getI64Type(),
                            b.getI64Type()};
  if (failed(verifyRegionSignature(*this, getScore(), "score", args, b.getF32Type())))
    return failure();
  if (hasMask() && failed(verifyRegionSignature(*this, getMask(), "mask", args, b.getI1Type())))
    return failure();
  return success();
}

void SoftmaxAttentionOp::getAsmBlockArgumentNames(Region &region, OpAsmSetValueNameFn setNameFn) {
  if (region.empty() || region.getNumArguments() != 5)
    return;
  static constexpr const char *kNames[] = {"s", "b", "h", "i", "j"};
  for (auto [arg, name] : llvm::zip(region.getArguments(), kNames))
    setNameFn(arg, name);
}

//===----------------------------------------------------------------------===//
// Linear family
//===----------------------------------------------------------------------===//

StateOp LinearAttentionOp::lookupState(StringRef name) {
  for (StateOp state : getBody()->getOps<StateOp>())
    if (state.getSymName() == name)
      return state;
  return {};
}

OutputOp LinearAttentionOp::getOutput() {
  auto range = getBody()->getOps<OutputOp>();
  return range.empty() ? OutputOp() : *range.begin();
}

LogicalResult LinearAttentionOp::verify() {
  size_t numStates = 0, numOutputs = 0;
  llvm::StringSet<> names;
  for (Operation &op : *getBody()) {
    if (auto state = dyn_cast<StateOp>(op)) {
      ++numStates;
      if (!names.insert(state.getSymName()).second)
        return emitOpError("expected unique state names, got @") << state.getSymName() << " twice";
    } else if (isa<OutputOp>(op)) {
      ++numOutputs;
    } else {
      return emitOpError("expected only attn.state and attn.output in the body, got '")
             << op.getName() << "'";
    }
  }
  if (numStates == 0)
    return emitOpError("expected at least 1 attn.state, got 0");
  if (numOutputs != 1)
    return emitOpError("expected 1 attn.output, got ") << numOutputs;
  return success();
}

SmallVector<StringRef> StateOp::getDimNames() { return toStrings(getDims()); }

Type StateOp::getValueType() {
  return getDims().size() == 1 ? Type(getVectorType(getContext()))
                               : Type(getMatrixType(getContext()));
}

static SmallVector<Type> stepArgTypes(MLIRContext *ctx) {
  Type i64 = IntegerType::get(ctx, 64);
  return {i64, i64, i64};
}

static void setStepArgNames(Region &region, OpAsmSetValueNameFn setNameFn) {
  if (region.empty() || region.getNumArguments() != 3)
    return;
  static constexpr const char *kNames[] = {"b", "h", "t"};
  for (auto [arg, name] : llvm::zip(region.getArguments(), kNames))
    setNameFn(arg, name);
}

void StateOp::getAsmBlockArgumentNames(Region &region, OpAsmSetValueNameFn setNameFn) {
  setStepArgNames(region, setNameFn);
}

void OutputOp::getAsmBlockArgumentNames(Region &region, OpAsmSetValueNameFn setNameFn) {
  setStepArgNames(region, setNameFn);
}

LogicalResult StateOp::verify() {
  size_t rank = getDims().size();
  if (rank != 1 && rank != 2)
    return emitOpError("expected 1 or 2 dims, got ") << rank;
  if (failed(verifyDimEntries(*this, getDims())))
    return failure();
  return verifyRegionSignature(*this, getUpdate(), "update", stepArgTypes(getContext()),
                               getValueType());
}

LogicalResult OutputOp::verify() {
  return verifyRegionSignature(*this, getValue(), "value", stepArgTypes(getContext()),
                               getVectorType(getContext()));
}

LogicalResult StateRefOp::verify() {
  auto linear = (*this)->getParentOfType<LinearAttentionOp>();
  if (!linear)
    return emitOpError("expected to be nested in an attn.linear_attention, got none");
  StateOp state = linear.lookupState(getState());
  if (!state)
    return emitOpError("expected ")
           << getStateAttr() << " to name an attn.state, got no such state";
  if (getType() != state.getValueType())
    return emitOpError("expected result type ")
           << state.getValueType() << " for state " << getStateAttr() << ", got " << getType();
  return success();
}

LogicalResult RowOp::verify() {
  StringRef name = getTensor();
  if (name != "q" && name != "k" && name != "v")
    return emitOpError("expected a row of @q, @k or @v, got ") << getTensorAttr();
  return lookupDeclOf<TensorOp>(*this, getTensorAttr(), "attn.tensor");
}

#define GET_OP_CLASSES
#include "attnc/Dialect/Attn/IR/AttnOps.cpp.inc"
