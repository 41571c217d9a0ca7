//===- SemaTest.cpp - Name resolution, typing and kernel rules -------------===//
//
// What the semantic checker fills in (types, ref kinds, family) on the examples and on
// small programs, and one test per rule of docs/dsl.md that it rejects, pinned by the
// first error's message and location.
//
//===----------------------------------------------------------------------===//
#include "TestHelpers.h"

#include <gtest/gtest.h>

#include <dirent.h>
#include <set>

using namespace attnc::dsl;
using namespace attnc::dsl::test;

namespace {

ExprType ty(ScalarKind k, std::vector<std::string> shape = {}) { return ExprType{k, shape}; }

/// Expects the program to fail with `message` as its first error.
void expectError(const std::string &text, const std::string &message, uint32_t line = 0,
                 uint32_t col = 0) {
  auto r = runFrontend(text);
  ASSERT_FALSE(r.ok()) << text;
  EXPECT_EQ(r.firstError(), message) << r.rendered;
  if (line) {
    EXPECT_EQ(r.firstErrorLoc().line, line) << r.rendered;
    EXPECT_EQ(r.firstErrorLoc().col, col) << r.rendered;
  }
}

TEST(Sema, EveryExampleChecks) {
  DIR *dir = opendir(ATTNC_EXAMPLES_DIR);
  ASSERT_TRUE(dir);
  unsigned checked = 0;
  while (dirent *e = readdir(dir)) {
    std::string name = e->d_name;
    if (name.size() < 6 || name.substr(name.size() - 5) != ".attn")
      continue;
    auto r = runFrontend(readFile(std::string(ATTNC_EXAMPLES_DIR) + "/" + name), name);
    EXPECT_TRUE(r.ok()) << r.rendered;
    ++checked;
  }
  closedir(dir);
  EXPECT_GE(checked, 1u);
}

TEST(Sema, SoftmaxTypesAndRefKinds) {
  auto r = runFrontend(softmaxKernel("  param window: i32 = 8\n  input slopes: f32[Hq]\n"
                                     "  score = s - slopes[h] * (i - j)\n"
                                     "  mask = j <= i && i - j < window + N"));
  ASSERT_TRUE(r.ok()) << r.rendered;
  const Kernel &k = r.program->kernels[0];
  EXPECT_EQ(k.family, Family::Softmax);
  const Expr &score = *k.score;
  EXPECT_EQ(score.type, ty(ScalarKind::Float));
  EXPECT_EQ(score.operands[0]->refKind, RefKind::Score);
  const Expr &prod = *score.operands[1];
  EXPECT_EQ(prod.operands[0]->kind, Expr::Kind::Index);
  EXPECT_EQ(prod.operands[0]->type, ty(ScalarKind::Float));
  EXPECT_EQ(prod.operands[0]->operands[0]->refKind, RefKind::IndexVar);
  EXPECT_EQ(prod.operands[1]->type, ty(ScalarKind::Int));
  const Expr &mask = *k.mask;
  EXPECT_EQ(mask.type, ty(ScalarKind::Bool));
  const Expr &rhs = *mask.operands[1]->operands[1];
  EXPECT_EQ(rhs.operands[0]->refKind, RefKind::Param);
  EXPECT_EQ(rhs.operands[1]->refKind, RefKind::Dim);
}

TEST(Sema, LinearTypes) {
  auto r = runFrontend(
      linearKernel("  input g: f32[B, H, T, K]\n  input beta: f32[B, H, T]\n"
                   "  state S[K, V] = diag(exp(g[t])) * S + beta[t] * outer(k[t], v[t])\n"
                   "  state n[K] = n + k[t]\n"
                   "  out o[t] = (scale * q[t]) @ S / max(abs(q[t] @ n), 1.0)"));
  ASSERT_TRUE(r.ok()) << r.rendered;
  const Kernel &k = r.program->kernels[0];
  EXPECT_EQ(k.family, Family::Linear);
  const Expr &u = *k.states[0].update;
  EXPECT_EQ(u.type, ty(ScalarKind::Float, {"K", "V"}));
  const Expr &diagMul = *u.operands[0];
  EXPECT_EQ(diagMul.operands[0]->type, ty(ScalarKind::Float, {"K", "K"}));
  EXPECT_EQ(diagMul.operands[0]->operands[0]->type, ty(ScalarKind::Float, {"K"}));
  EXPECT_EQ(diagMul.operands[1]->refKind, RefKind::State);
  const Expr &betaOuter = *u.operands[1];
  EXPECT_EQ(betaOuter.operands[0]->type, ty(ScalarKind::Float));
  EXPECT_EQ(betaOuter.operands[1]->type, ty(ScalarKind::Float, {"K", "V"}));
  const Expr &out = *k.out->value;
  EXPECT_EQ(out.type, ty(ScalarKind::Float, {"V"}));
  EXPECT_EQ(out.operands[1]->type, ty(ScalarKind::Float));
}

TEST(Sema, ScaleParamOverridesBuiltin) {
  auto r = runFrontend(softmaxKernel("  score = s * scale"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.program->kernels[0].score->operands[1]->refKind, RefKind::Scale);
  r = runFrontend(softmaxKernel("  param scale: f32 = 0.5\n  score = s * scale"));
  ASSERT_TRUE(r.ok()) << r.rendered;
  EXPECT_EQ(r.program->kernels[0].score->operands[1]->refKind, RefKind::Param);
  expectError(softmaxKernel("  param scale: i32 = 2"),
              "param 'scale' overrides the builtin scale and must be f32", 4, 9);
}

TEST(Sema, IntPromotesToFloatAndIntStaysInt) {
  auto r =
      runFrontend(softmaxKernel("  score = s + (i - j) / 2 + min(i, 3) + where(i < j, 1, 2.0)"));
  ASSERT_TRUE(r.ok()) << r.rendered;
  const Expr &e = *r.program->kernels[0].score;
  EXPECT_EQ(e.operands[1]->type, ty(ScalarKind::Float));            // where(.., 1, 2.0)
  EXPECT_EQ(e.operands[0]->operands[1]->type, ty(ScalarKind::Int)); // min(i, 3)
  EXPECT_EQ(e.operands[0]->operands[0]->operands[1]->type, ty(ScalarKind::Int)); // (i-j)/2
}

TEST(Sema, LiteralDimsAndGqa) {
  EXPECT_TRUE(
      runFrontend("kernel g { dtype bf16\n q[B, 32, 1, 128]; k[B, 8, M, 128]; v[B, 8, M, 128] }")
          .ok());
  expectError("kernel g { dtype bf16\n q[B, 6, 1, D]; k[B, 4, M, D]; v[B, 4, M, D] }",
              "query heads (6) must be a multiple of key/value heads (4)", 2, 7);
}

TEST(Sema, OutputTensorShape) {
  EXPECT_TRUE(runFrontend(softmaxKernel("  o[B, Hq, N, D]")).ok());
  expectError(softmaxKernel("  o[B, Hkv, N, D]"),
              "dimension 2 (heads) of 'o' is 'Hkv' but 'q' has 'Hq'");
}

TEST(Sema, RequiredDeclarations) {
  expectError("kernel x { q[B,H,N,D]; k[B,H,M,D]; v[B,H,M,D] }",
              "kernel 'x' has no 'dtype' statement (expected 'dtype bf16' or 'dtype f16')", 1, 8);
  expectError("kernel x { dtype bf16; q[B,H,N,D]; v[B,H,M,D] }", "kernel 'x' does not declare 'k'");
  expectError("kernel x { dtype bf16; q[B,N,D]; k[B,H,M,D]; v[B,H,M,D] }",
              "'q' must have rank 4 [batch, heads, length, head dim], got rank 3");
}

TEST(Sema, ShapeConsistency) {
  expectError("kernel x { dtype bf16; q[B,H,N,D]; k[B,H,M,D]; v[B,G,M,D] }",
              "dimension 2 (heads) of 'v' is 'G' but 'k' has 'H'");
  expectError("kernel x { dtype bf16; q[B,H,N,D]; k[B,H,M,E]; v[B,H,M,E] }",
              "dimension 4 (head dim) of 'k' is 'E' but 'q' has 'D'");
  expectError("kernel x { dtype bf16; q[A,H,N,D]; k[B,H,M,D]; v[B,H,M,D] }",
              "dimension 1 (batch) of 'k' is 'B' but 'q' has 'A'");
  expectError("kernel x { dtype bf16; q[B,H,T,K]; k[B,H,U,K]; v[B,H,U,V]\n"
              "state S[K, V] = S + outer(k[t], v[t]); out o[t] = q[t] @ S }",
              "dimension 3 (length) of 'k' is 'U' but 'q' has 'T'");
}

TEST(Sema, FamilyRules) {
  expectError(linearKernel("  mask = t < 3\n  state S[K, V] = S\n  out o[t] = q[t] @ S"),
              "kernel 't' mixes softmax statements (score, mask) with linear-family statements "
              "(state, out)");
  expectError(linearKernel("  out o[t] = q[t]"),
              "linear-family kernel 't' needs at least one 'state' statement");
  expectError(linearKernel("  state S[K, V] = S"),
              "linear-family kernel 't' needs an 'out' statement");
  expectError(linearKernel("  state S[K, V] = S\n  out o[t] = q[t] @ S\n  out p[t] = q[t] @ S"),
              "duplicate 'out' statement");
}

TEST(Sema, ScoreAndMaskTypes) {
  expectError(softmaxKernel("  score = i < j"), "score must have type float, got bool");
  expectError(softmaxKernel("  mask = s"),
              "the score 's' may only be used in the softmax family's 'score'");
  expectError(softmaxKernel("  mask = i"), "mask must have type bool, got int");
}

TEST(Sema, NamesAndDeclarations) {
  expectError(softmaxKernel("  mask = foo < i"), "unknown name 'foo'", 4, 10);
  auto r = runFrontend(softmaxKernel("  param w: i32 = 1\n  input w: f32[N]"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.firstError(), "duplicate declaration of 'w'");
  const auto &d = r.diags->diagnostics();
  ASSERT_GE(d.size(), 2u);
  EXPECT_EQ(d[1].severity, Severity::Note);
  EXPECT_EQ(d[1].message, "'w' was first declared here (as a param)");
  EXPECT_EQ(d[1].loc.line, 4u);
  expectError(softmaxKernel("  param D: f32"), "duplicate declaration of 'D'");
  expectError(softmaxKernel("  input h: f32[N]"), "'h' is reserved for an index variable");
  expectError(softmaxKernel("  param s: f32"), "'s' is reserved for the score");
  expectError(softmaxKernel("  input scale: f32[N]"),
              "'scale' is reserved for the builtin scale (only a param may override it)");
  expectError(
      softmaxKernel("  input x: f32[L]"),
      "unknown dimension 'L' in the shape of input 'x' (dimensions come from q, k, v and o)");
  expectError(softmaxKernel("") + softmaxKernel(""), "duplicate kernel 't'");
}

TEST(Sema, IndexVariablesPerFamily) {
  expectError(softmaxKernel("  mask = t < i"),
              "index variable 't' is only available in the linear family");
  expectError(linearKernel("  state S[K, V] = S * j\n  out o[t] = q[t] @ S"),
              "index variable 'j' is only available in the softmax family (the linear family "
              "steps with 't')");
  EXPECT_TRUE(
      runFrontend(
          linearKernel("  state S[K, V] = S * exp2(-1.0 - h) + b * 0.0\n  out o[t] = q[t] @ S"))
          .ok());
}

TEST(Sema, OperatorTypes) {
  expectError(softmaxKernel("  mask = 1.5 && i < j"), "'&&' takes bool operands, got float");
  expectError(softmaxKernel("  mask = !i"), "'!' takes a bool, got int");
  expectError(softmaxKernel("  score = -(i < j)"), "'-' takes a number, got bool");
  expectError(softmaxKernel("  score = s + tanh(i < j)"),
              "'tanh' takes numeric arguments, got bool");
  expectError(softmaxKernel("  mask = i % 2.0 == 0"), "'%' takes int operands, got float");
  expectError(softmaxKernel("  mask = (i < j) < true"), "'<' takes numeric operands, got bool");
  EXPECT_TRUE(runFrontend(softmaxKernel("  mask = (i < j) == (j < 4)")).ok());
  expectError(softmaxKernel("  score = s * 2 + 1.0 * (i < j)"),
              "'*' takes numeric operands, got bool");
  expectError(softmaxKernel("  mask = where(1, true, false)"),
              "the condition of 'where' must be a bool, got int");
  expectError(softmaxKernel("  mask = where(i < j, true, 1)"),
              "the branches of 'where' must both be numbers or both bools, got bool and int");
}

TEST(Sema, FunctionsAndArity) {
  expectError(softmaxKernel("  score = exp(s, 1.0)"), "'exp' takes 1 argument, got 2");
  expectError(softmaxKernel("  score = max(s)"), "'max' takes 2 arguments, got 1");
  expectError(softmaxKernel("  score = exp()"), "'exp' takes 1 argument, got 0");
  expectError(softmaxKernel("  score = gelu(s)"), "unknown function 'gelu'");
  for (const char *f :
       {"exp", "log", "exp2", "log2", "tanh", "sigmoid", "logsigmoid", "softplus", "sqrt", "abs"})
    EXPECT_TRUE(runFrontend(softmaxKernel(std::string("  score = ") + f + "(s)")).ok()) << f;
}

TEST(Sema, LinearShapes) {
  expectError(linearKernel("  state S[K, V] = S\n  out o[t] = v[t] @ S"),
              "shape mismatch in '@': float[V] @ float[K, V]");
  expectError(linearKernel("  state S[K, V] = S + k[t]\n  out o[t] = q[t] @ S"),
              "shape mismatch in '+': float[K, V] and float[K]");
  expectError(linearKernel("  state S[K, V] = outer(v[t], k[t])\n  out o[t] = q[t] @ S"),
              "the update of state 'S' must have type float[K, V], got float[V, K]");
  expectError(linearKernel("  state S[K, V] = S\n  out o[t] = q[t]"),
              "output 'o' must have type float[V], got float[K]");
  expectError(linearKernel("  state S[K, V] = S + outer(diag(k[t]), v[t])\n  out o[t] = q[t] @ S"),
              "'diag(...)' may only be the left operand of '*'");
  expectError(linearKernel("  state S[K, V] = diag(v[t]) * S\n  out o[t] = q[t] @ S"),
              "'diag(x) * y' needs y with leading dimension V, got float[K, V]");
  expectError(linearKernel("  state S[K, V] = S @ S\n  out o[t] = q[t] @ S"),
              "'@' takes a vector and a vector or matrix, got float[K, V] @ float[K, V]");
  expectError(linearKernel("  state S[K, V, V] = S\n  out o[t] = q[t] @ S"),
              "state 'S' must be a vector [K] or a matrix [K, V], got rank 3");
  expectError(
      linearKernel("  state S[K, V] = S\n  state n[K] = n + S @ q[t]\n  out o[t] = q[t] @ S"),
      "the update of state 'n' may only refer to its own state, not 'S'");
}

TEST(Sema, Indexing) {
  expectError(softmaxKernel("  input doc: i32[B, N]\n  mask = doc[b] == 0"),
              "input 'doc' has rank 2 and needs 2 indices, got 1");
  expectError(softmaxKernel("  input slopes: f32[Hq]\n  score = s + slopes[0.5]"),
              "index must be an int, got float");
  expectError(softmaxKernel("  input doc: i32[B, N]\n  mask = doc[b, i] == doc[b, j]"),
              "index 'j' ranges over M but dimension 2 of 'doc' is N", 5, 30);
  expectError(softmaxKernel("  input slopes: f32[Hkv]\n  score = s + slopes[h]"),
              "index 'h' ranges over Hq but dimension 1 of 'slopes' is Hkv");
  EXPECT_TRUE(runFrontend(softmaxKernel(
                              "  input doc: i32[B, N]\n  mask = doc[b, i] == doc[b, (j + 1) % N]"))
                  .ok());
  expectError(softmaxKernel("  input slopes: f32[Hq]\n  score = s - slopes"),
              "input 'slopes' must be indexed, e.g. 'slopes[...]'");
  expectError(softmaxKernel("  score = q[i]"),
              "'q' cannot be indexed in the softmax family; the score 's' is scale * q.k");
  expectError(softmaxKernel("  param w: i32\n  mask = w[i] < 0"),
              "'w' is a param and cannot be indexed");
  expectError(linearKernel("  state S[K, V] = S\n  out o[t] = q[t - 1] @ S"),
              "'q' is indexed by the step only, as 'q[t]'");
  expectError(
      linearKernel("  input g: f32[B, H, T]\n  state S[K, V] = g[b, h] * S\n  out o[t] = q[t] @ S"),
      "input 'g' has rank 3 and needs 3 indices, got 2");
  EXPECT_TRUE(
      runFrontend(
          linearKernel(
              "  input g: f32[B, H, T]\n  state S[K, V] = g[b, h, t] * S\n  out o[t] = q[t] @ S"))
          .ok());
  expectError(
      linearKernel(
          "  input g: f32[B, H, T, K, V]\n  state S[K, V] = g[t] * S\n  out o[t] = q[t] @ S"),
      "'g[t]' needs an input of rank 3 or 4 ([B, H, T] or [B, H, T, K]), got rank 5");
  expectError(
      linearKernel(
          "  input g: i32[B, H, T, K]\n  state S[K, V] = diag(g[t]) * S\n  out o[t] = q[t] @ S"),
      "'g[t]' would be an int vector; vectors are float, so declare 'g' as f32, bf16 or f16");
  expectError(
      linearKernel("  input g: f32[B, T, H]\n  state S[K, V] = g[t] * S\n  out o[t] = q[t] @ S"),
      "'g[t]' needs an input shaped [B, H, T, ...], but dimension 2 of 'g' is 'T'");
  EXPECT_TRUE(
      runFrontend(linearKernel(
                      "  input g: i32[B, H, T]\n  state S[K, V] = g[t] * S\n  out o[t] = q[t] @ S"))
          .ok());
}

TEST(Sema, ParamDefaults) {
  expectError(softmaxKernel("  param w: i32 = 1.5"), "default of i32 param 'w' must be an integer",
              4, 18);
  expectError(softmaxKernel("  param w: i32 = 3000000000"),
              "default of i32 param 'w' is out of range");
  EXPECT_TRUE(runFrontend(softmaxKernel("  param c: f32 = 50")).ok());
  expectError(softmaxKernel("  param c: f32 = true"),
              "expected a number as the default of param 'c', got 'true'");
  expectError(softmaxKernel("  param c: bf16 = 1.0"), "param type must be i32 or f32, got 'bf16'");
}

TEST(Sema, ErrorsDoNotCascade) {
  auto r = runFrontend(softmaxKernel("  score = exp(tanh(foo) * 2.0) + s"));
  EXPECT_EQ(r.diags->errorCount(), 1u) << r.rendered;
}

TEST(Sema, ReportsSeveralIndependentErrors) {
  auto r = runFrontend(softmaxKernel("  mask = foo < i\n  score = tanh(true)"));
  EXPECT_EQ(r.diags->errorCount(), 2u) << r.rendered;
}

/// A checked-OK softmax program whose mask the test then replaces by hand.
Program handBuilt(ExprPtr mask) {
  auto r = runFrontend(softmaxKernel(""));
  Program p = std::move(*r.program);
  p.kernels[0].mask = std::move(mask);
  return p;
}

TEST(Sema, HandBuiltTreesAreCheckedNotTrusted) {
  SourceBuffer buffer("t.attn", "");
  {
    DiagnosticEngine diags(buffer);
    auto bin = std::make_unique<Expr>(Expr::Kind::Binary, SourceLoc{1, 1, 1});
    bin->operands.push_back(std::make_unique<Expr>(Expr::Kind::BoolLit, SourceLoc{1, 1, 1}));
    Program p = handBuilt(std::move(bin));
    EXPECT_FALSE(checkProgram(p, diags));
    EXPECT_EQ(diags.diagnostics().front().message,
              "malformed expression (wrong number of operands)");
  }
  {
    DiagnosticEngine diags(buffer);
    auto un = std::make_unique<Expr>(Expr::Kind::Unary, SourceLoc{1, 1, 1});
    un->operands.push_back(nullptr);
    Program p = handBuilt(std::move(un));
    EXPECT_FALSE(checkProgram(p, diags));
  }
  {
    DiagnosticEngine diags(buffer);
    ExprPtr e = std::make_unique<Expr>(Expr::Kind::BoolLit, SourceLoc{1, 1, 1});
    for (int i = 0; i < 3000; ++i) {
      auto n = std::make_unique<Expr>(Expr::Kind::Unary, SourceLoc{1, 1, 1});
      n->unaryOp = UnaryOp::Not;
      n->operands.push_back(std::move(e));
      e = std::move(n);
    }
    Program p = handBuilt(std::move(e));
    EXPECT_FALSE(checkProgram(p, diags));
    EXPECT_EQ(diags.diagnostics().front().message, "expression nested too deeply");
  }
  {
    DiagnosticEngine diags(buffer);
    auto r = runFrontend(linearKernel("  state S[K, V] = S\n  out o[t] = q[t] @ S"));
    ASSERT_TRUE(r.ok());
    r.program->kernels[0].states[0].update.reset();
    EXPECT_FALSE(checkProgram(*r.program, diags));
    EXPECT_EQ(diags.diagnostics().front().message, "the update of state 'S' has no expression");
    std::ostringstream os;
    printProgram(*r.program, os); // must not crash on the hole either
    EXPECT_NE(os.str().find("<null>"), std::string::npos);
  }
}

TEST(Printer, PrintsTypesAndKinds) {
  auto r = runFrontend(softmaxKernel("  param window: i32 = 8\n  mask = j <= i && i - j < window"));
  ASSERT_TRUE(r.ok());
  std::ostringstream os;
  printProgram(*r.program, os);
  EXPECT_EQ(os.str(), "program t.attn\n"
                      "kernel t (softmax)\n"
                      "  dtype bf16\n"
                      "  tensor q [B, Hq, N, D]\n"
                      "  tensor k [B, Hkv, M, D]\n"
                      "  tensor v [B, Hkv, M, D]\n"
                      "  param window: i32 = 8\n"
                      "  mask\n"
                      "    binary && : bool\n"
                      "      binary <= : bool\n"
                      "        ref j (index) : int\n"
                      "        ref i (index) : int\n"
                      "      binary < : bool\n"
                      "        binary - : int\n"
                      "          ref i (index) : int\n"
                      "          ref j (index) : int\n"
                      "        ref window (param) : int\n");
}

TEST(Printer, LinearKernel) {
  auto r =
      runFrontend(linearKernel("  state S[K, V] = S + outer(k[t], v[t])\n  out o[t] = q[t] @ S"));
  ASSERT_TRUE(r.ok());
  std::ostringstream os;
  printProgram(*r.program, os);
  EXPECT_NE(os.str().find("kernel t (linear)\n"), std::string::npos);
  EXPECT_NE(os.str().find("  state S [K, V]\n    binary + : float[K, V]\n"), std::string::npos);
  EXPECT_NE(os.str().find("  out o[t]\n    binary @ : float[V]\n      index q : float[K]\n"),
            std::string::npos)
      << os.str();
}

} // namespace
