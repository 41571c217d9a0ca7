//===- ASTPrinter.cpp - Indented dump of a checked program ----------------===//
//
// `printProgram`, the text of `attnc compile FILE --emit=ast`: one line per declaration
// and per expression node, indented by two spaces per level, with each expression's
// checked type and, for names, what they resolved to. Meant for people and FileCheck;
// nothing parses it back.
//
//===----------------------------------------------------------------------===//
#include "attnc/DSL/Frontend.h"

#include <cstdio>
#include <string>

namespace attnc::dsl {

namespace {

const char *toString(RefKind k) {
  switch (k) {
  case RefKind::Unresolved:
    return "unresolved";
  case RefKind::IndexVar:
    return "index";
  case RefKind::Score:
    return "score";
  case RefKind::Param:
    return "param";
  case RefKind::Dim:
    return "dim";
  case RefKind::Scale:
    return "scale";
  case RefKind::State:
    return "state";
  }
  return "?";
}

std::string formatFloat(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  std::string s = buf;
  if (s.find_first_of(".eEn") == std::string::npos)
    s += ".0";
  return s;
}

std::string dimsStr(const std::vector<Dim> &dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    s += (i ? ", " : "") + dims[i].str();
  return s + "]";
}

void indent(std::ostream &os, unsigned depth) { os << std::string(2 * depth, ' '); }

void printExpr(const Expr *ep, std::ostream &os, unsigned depth) {
  indent(os, depth);
  if (!ep) {
    os << "<null>\n";
    return;
  }
  const Expr &e = *ep;
  switch (e.kind) {
  case Expr::Kind::IntLit:
    os << "int " << e.intValue;
    break;
  case Expr::Kind::FloatLit:
    os << "float " << formatFloat(e.floatValue);
    break;
  case Expr::Kind::BoolLit:
    os << "bool " << (e.boolValue ? "true" : "false");
    break;
  case Expr::Kind::Ref:
    os << "ref " << e.name << " (" << toString(e.refKind) << ")";
    break;
  case Expr::Kind::Index:
    os << "index " << e.name;
    break;
  case Expr::Kind::Unary:
    os << "unary " << toString(e.unaryOp);
    break;
  case Expr::Kind::Binary:
    os << "binary " << toString(e.binaryOp);
    break;
  case Expr::Kind::Call:
    os << "call " << e.name;
    break;
  }
  os << " : " << e.type.str() << '\n';
  for (const ExprPtr &op : e.operands)
    printExpr(op.get(), os, depth + 1);
}

void printKernel(const Kernel &k, std::ostream &os) {
  os << "kernel " << k.name << " (" << (k.family == Family::Softmax ? "softmax" : "linear")
     << ")\n";
  if (k.dtype)
    os << "  dtype " << toString(*k.dtype) << '\n';
  for (const auto *t : {&k.q, &k.k, &k.v, &k.o})
    if (*t)
      os << "  tensor " << (*t)->name << ' ' << dimsStr((*t)->dims) << '\n';
  for (const ParamDecl &p : k.params) {
    os << "  param " << p.name << ": " << toString(p.type);
    if (p.defaultValue)
      os << " = "
         << (p.type == ElementType::I32 ? std::to_string(static_cast<long long>(*p.defaultValue))
                                        : formatFloat(*p.defaultValue));
    os << '\n';
  }
  for (const InputDecl &in : k.inputs)
    os << "  input " << in.name << ": " << toString(in.type) << dimsStr(in.dims) << '\n';
  if (k.score) {
    os << "  score\n";
    printExpr(k.score.get(), os, 2);
  }
  if (k.mask) {
    os << "  mask\n";
    printExpr(k.mask.get(), os, 2);
  }
  for (const StateDecl &s : k.states) {
    os << "  state " << s.name << ' ' << dimsStr(s.dims) << '\n';
    printExpr(s.update.get(), os, 2);
  }
  if (k.out) {
    os << "  out " << k.out->name << '[' << k.out->indexVar << "]\n";
    printExpr(k.out->value.get(), os, 2);
  }
}

} // namespace

void printProgram(const Program &program, std::ostream &os) {
  os << "program " << program.path << '\n';
  for (const Kernel &k : program.kernels)
    printKernel(k, os);
}

} // namespace attnc::dsl
