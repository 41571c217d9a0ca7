//===- EvaluatorTest.cpp - Expression semantics of the reference ----------===//
//
// The evaluator on hand-built trees (no parser, no Sema annotations: names resolve by
// themselves) and on parsed kernels: floor division and modulo, promotion, short-circuit,
// matrix/vector algebra, the builtin functions, binding errors.
//
//===----------------------------------------------------------------------===//
#include "TestSupport.h"

#include "attnc/Reference/Reference.h"

using namespace attnc::dsl;
using namespace attnc::reference;
using namespace attnc::reference::test;

namespace {

ExprPtr ref(const std::string &n) {
  auto e = std::make_unique<Expr>(Expr::Kind::Ref, SourceLoc{1, 1, 1});
  e->name = n;
  return e;
}
ExprPtr lit(int64_t v) {
  auto e = std::make_unique<Expr>(Expr::Kind::IntLit, SourceLoc{1, 1, 1});
  e->intValue = v;
  return e;
}
ExprPtr flit(double v) {
  auto e = std::make_unique<Expr>(Expr::Kind::FloatLit, SourceLoc{1, 1, 1});
  e->floatValue = v;
  return e;
}
ExprPtr bin(BinaryOp op, ExprPtr a, ExprPtr b) {
  auto e = std::make_unique<Expr>(Expr::Kind::Binary, SourceLoc{1, 1, 1});
  e->binaryOp = op;
  e->operands.push_back(std::move(a));
  e->operands.push_back(std::move(b));
  return e;
}
ExprPtr call(const std::string &n, std::vector<ExprPtr> args) {
  auto e = std::make_unique<Expr>(Expr::Kind::Call, SourceLoc{1, 1, 1});
  e->name = n;
  e->operands = std::move(args);
  return e;
}
std::vector<ExprPtr> args(ExprPtr a, ExprPtr b = nullptr) {
  std::vector<ExprPtr> v;
  v.push_back(std::move(a));
  if (b)
    v.push_back(std::move(b));
  return v;
}

TensorDecl tensor(const std::string &n, std::vector<std::string> dims) {
  TensorDecl t;
  t.name = n;
  for (auto &d : dims)
    t.dims.push_back(Dim{d, -1, {}});
  return t;
}

/// kernel { q[B, Hq, N, D]; k[B, Hkv, M, D]; v[B, Hkv, M, D] } built by hand.
Kernel softmaxKernel() {
  Kernel k;
  k.name = "hand";
  k.dtype = ElementType::BF16;
  k.q = tensor("q", {"B", "Hq", "N", "D"});
  k.k = tensor("k", {"B", "Hkv", "M", "D"});
  k.v = tensor("v", {"B", "Hkv", "M", "D"});
  return k;
}

Bindings dimsOnly(int64_t N, int64_t M) {
  Bindings b;
  b.dims = {{"B", 1}, {"Hq", 1}, {"Hkv", 1}, {"N", N}, {"M", M}, {"D", 4}};
  return b;
}

} // namespace

TEST(EvaluatorHandBuilt, CausalMaskWithoutSema) {
  Kernel k = softmaxKernel();
  k.mask = bin(BinaryOp::Le, ref("j"), ref("i"));
  Inputs in;
  ResolvedBindings rb = resolveBindings(k, in, dimsOnly(4, 4));
  EXPECT_TRUE(evalMask(k, rb, in, 0, 0, 2, 2));
  EXPECT_TRUE(evalMask(k, rb, in, 0, 0, 2, 0));
  EXPECT_FALSE(evalMask(k, rb, in, 0, 0, 2, 3));
  EXPECT_DOUBLE_EQ(rb.scale, 0.5); // 1/sqrt(D = 4)
}

TEST(EvaluatorHandBuilt, FloorDivisionAndModulo) {
  Kernel k = softmaxKernel();
  Inputs in;
  ResolvedBindings rb = resolveBindings(k, in, dimsOnly(8, 8));
  Evaluator ev(k, rb, in);
  ev.setSoftmaxPosition(0, 0, /*i=*/5, /*j=*/1, 0.0);
  auto diff = [] { return bin(BinaryOp::Sub, ref("j"), ref("i")); };  // -4
  EXPECT_EQ(ev.eval(*bin(BinaryOp::Div, diff(), lit(3))).scalar, -2); // floor(-4/3)
  EXPECT_EQ(ev.eval(*bin(BinaryOp::Mod, diff(), lit(3))).scalar, 2);  // -4 mod 3
  EXPECT_EQ(ev.eval(*bin(BinaryOp::Mod, lit(4), lit(-3))).scalar, -2);
  EXPECT_EQ(ev.eval(*bin(BinaryOp::Div, lit(7), lit(2))).scalar, 3);
  Value promoted = ev.eval(*bin(BinaryOp::Div, lit(7), flit(2.0)));
  EXPECT_EQ(promoted.kind, ScalarKind::Float);
  EXPECT_EQ(promoted.scalar, 3.5);
  EXPECT_THROW(ev.eval(*bin(BinaryOp::Div, ref("i"), lit(0))), ReferenceError);
}

TEST(EvaluatorHandBuilt, FunctionsAndDims) {
  Kernel k = softmaxKernel();
  Inputs in;
  ResolvedBindings rb = resolveBindings(k, in, dimsOnly(8, 6));
  Evaluator ev(k, rb, in);
  ev.setSoftmaxPosition(0, 0, 3, 1, -0.5);
  EXPECT_EQ(ev.evalNumber(*ref("M")), 6);
  EXPECT_EQ(ev.evalNumber(*ref("s")), -0.5);
  EXPECT_EQ(ev.evalNumber(*call("max", args(ref("i"), lit(7)))), 7);
  EXPECT_EQ(ev.eval(*call("min", args(ref("i"), lit(7)))).kind, ScalarKind::Int);
  EXPECT_NEAR(ev.evalNumber(*call("sigmoid", args(flit(0.0)))), 0.5, 1e-15);
  EXPECT_NEAR(ev.evalNumber(*call("logsigmoid", args(flit(-800.0)))), -800.0, 1e-9);
  EXPECT_NEAR(ev.evalNumber(*call("softplus", args(flit(800.0)))), 800.0, 1e-9);
  EXPECT_NEAR(ev.evalNumber(*call("exp2", args(flit(-5.0)))), 1.0 / 32, 1e-15);
  EXPECT_EQ(ev.evalNumber(*call("abs", args(lit(-3)))), 3);
  EXPECT_THROW(ev.eval(*call("nosuch", args(lit(1)))), ReferenceError);
  EXPECT_THROW(ev.eval(*ref("Z")), ReferenceError); // unbound symbol
}

TEST(EvaluatorHandBuilt, ShortCircuitGuardsOutOfRangeIndex) {
  // mask = j < 2 && doc[b, j] == 0 with doc of length 2: j = 3 must not index doc.
  Kernel k = softmaxKernel();
  InputDecl doc;
  doc.name = "doc";
  doc.type = ElementType::I32;
  doc.dims = {Dim{"B", -1, {}}, Dim{"", 2, {}}};
  k.inputs.push_back(doc);
  auto index = std::make_unique<Expr>(Expr::Kind::Index, SourceLoc{1, 1, 1});
  index->name = "doc";
  index->operands.push_back(ref("b"));
  index->operands.push_back(ref("j"));
  k.mask = bin(BinaryOp::And, bin(BinaryOp::Lt, ref("j"), lit(2)),
               bin(BinaryOp::Eq, std::move(index), lit(0)));
  Inputs in;
  in.extra["doc"] = HostTensor({1, 2});
  in.extra["doc"].data = {0, 1};
  ResolvedBindings rb = resolveBindings(k, in, dimsOnly(4, 4));
  EXPECT_TRUE(evalMask(k, rb, in, 0, 0, 0, 0));
  EXPECT_FALSE(evalMask(k, rb, in, 0, 0, 0, 1));
  EXPECT_FALSE(evalMask(k, rb, in, 0, 0, 0, 3));
  k.mask->operands[0] = bin(BinaryOp::Lt, ref("j"), lit(9)); // now the index is reached
  EXPECT_THROW(evalMask(k, rb, in, 0, 0, 0, 3), ReferenceError);
}

TEST(EvaluatorHandBuilt, VectorMatrixAlgebra) {
  Kernel k;
  k.name = "lin";
  k.q = tensor("q", {"B", "H", "T", "K"});
  k.k = tensor("k", {"B", "H", "T", "K"});
  k.v = tensor("v", {"B", "H", "T", "V"});
  StateDecl S;
  S.name = "S";
  S.dims = {Dim{"K", -1, {}}, Dim{"V", -1, {}}};
  k.states.push_back(std::move(S));
  Inputs in;
  in.q = HostTensor({1, 1, 1, 2});
  in.q.data = {1, 2};
  in.k = HostTensor({1, 1, 1, 2});
  in.k.data = {3, -1};
  in.v = HostTensor({1, 1, 1, 3});
  in.v.data = {1, 0, 2};
  ResolvedBindings rb = resolveBindings(k, in, {});
  ASSERT_EQ(rb.family, Family::Linear);
  Evaluator ev(k, rb, in);
  ev.setLinearPosition(0, 0, 0);
  auto row = [](const std::string &n) {
    auto e = std::make_unique<Expr>(Expr::Kind::Index, SourceLoc{1, 1, 1});
    e->name = n;
    e->operands.push_back(ref("t"));
    return e;
  };
  Value dot = ev.eval(*bin(BinaryOp::MatMul, row("q"), row("k")));
  EXPECT_EQ(dot.scalar, 1.0); // 1*3 + 2*(-1)
  Value outer = ev.eval(*call("outer", args(row("k"), row("v"))));
  ASSERT_EQ(outer.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(outer.data, (std::vector<double>{3, 0, 6, -1, 0, -2}));
  ev.setState("S", &outer);
  Value qS = ev.eval(*bin(BinaryOp::MatMul, row("q"), ref("S")));
  EXPECT_EQ(qS.data, (std::vector<double>{1, 0, 2}));
  Value scaled = ev.eval(*bin(BinaryOp::Mul, call("diag", args(row("q"))), ref("S")));
  EXPECT_EQ(scaled.data, (std::vector<double>{3, 0, 6, -2, 0, -4}));
  Value qq = ev.eval(*bin(BinaryOp::Mul, call("diag", args(row("q"))), row("q")));
  EXPECT_EQ(qq.data, (std::vector<double>{1, 4})); // diag(x) * y on a vector: x * y
  EXPECT_THROW(ev.eval(*bin(BinaryOp::Mul, call("diag", args(row("q"))), row("v"))),
               ReferenceError);
  EXPECT_THROW(ev.eval(*bin(BinaryOp::Add, row("q"), row("v"))), ReferenceError);
}

TEST(EvaluatorHandBuilt, BindingErrors) {
  Kernel k = softmaxKernel();
  Inputs in;
  in.q = HostTensor({1, 4, 3, 8});
  in.k = HostTensor({1, 3, 5, 8}); // 4 query heads over 3 kv heads
  in.v = HostTensor({1, 3, 5, 8});
  EXPECT_THROW(resolveBindings(k, in, {}), ReferenceError);
  in.k = HostTensor({1, 2, 5, 7}); // head dim disagrees with q
  EXPECT_THROW(resolveBindings(k, in, {}), ReferenceError);
  in.k = HostTensor({1, 2, 5, 8});
  in.v = HostTensor({1, 2, 5, 16}); // Dv may differ, but v uses D here
  EXPECT_THROW(resolveBindings(k, in, {}), ReferenceError);
  in.v = HostTensor({1, 2, 5, 8});
  Bindings bad;
  bad.dims["N"] = 4; // contradicts q
  EXPECT_THROW(resolveBindings(k, in, bad), ReferenceError);
  Bindings noParam;
  noParam.params["window"] = 3; // not declared
  EXPECT_THROW(resolveBindings(k, in, noParam), ReferenceError);
  in.extra["slopes"] = HostTensor({4}); // not declared
  EXPECT_THROW(resolveBindings(k, in, {}), ReferenceError);
}
