//===- AST.cpp - Names and lookups for the DSL syntax tree -----------------===//
//
// The small out-of-line pieces of AST.h: spellings of element types and operators (used by
// the AST printer and in diagnostics), the textual form of expression types, and the
// by-name lookups on a kernel that later layers use instead of walking the vectors.
//
//===----------------------------------------------------------------------===//
#include "attnc/DSL/AST.h"

namespace attnc::dsl {

const char *toString(ElementType t) {
  switch (t) {
  case ElementType::BF16:
    return "bf16";
  case ElementType::F16:
    return "f16";
  case ElementType::F32:
    return "f32";
  case ElementType::I32:
    return "i32";
  }
  return "?";
}

bool isFloat(ElementType t) { return t != ElementType::I32; }

std::string ExprType::str() const {
  std::string s;
  switch (scalar) {
  case ScalarKind::Int:
    s = "int";
    break;
  case ScalarKind::Float:
    s = "float";
    break;
  case ScalarKind::Bool:
    s = "bool";
    break;
  }
  if (shape.empty())
    return s;
  s += '[';
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += shape[i];
  }
  s += ']';
  return s;
}

const char *toString(UnaryOp op) { return op == UnaryOp::Neg ? "-" : "!"; }

const char *toString(BinaryOp op) {
  switch (op) {
  case BinaryOp::Add:
    return "+";
  case BinaryOp::Sub:
    return "-";
  case BinaryOp::Mul:
    return "*";
  case BinaryOp::Div:
    return "/";
  case BinaryOp::Mod:
    return "%";
  case BinaryOp::MatMul:
    return "@";
  case BinaryOp::Lt:
    return "<";
  case BinaryOp::Le:
    return "<=";
  case BinaryOp::Gt:
    return ">";
  case BinaryOp::Ge:
    return ">=";
  case BinaryOp::Eq:
    return "==";
  case BinaryOp::Ne:
    return "!=";
  case BinaryOp::And:
    return "&&";
  case BinaryOp::Or:
    return "||";
  }
  return "?";
}

const ParamDecl *Kernel::findParam(const std::string &n) const {
  for (const ParamDecl &p : params)
    if (p.name == n)
      return &p;
  return nullptr;
}

const InputDecl *Kernel::findInput(const std::string &n) const {
  for (const InputDecl &in : inputs)
    if (in.name == n)
      return &in;
  return nullptr;
}

const StateDecl *Kernel::findState(const std::string &n) const {
  for (const StateDecl &s : states)
    if (s.name == n)
      return &s;
  return nullptr;
}

} // namespace attnc::dsl
