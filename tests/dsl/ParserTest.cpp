//===- ParserTest.cpp - Parsing both DSL families ---------------------------===//
//
// The parser on the examples from docs and examples/, the shape of the trees it builds
// (precedence, associativity, newline continuation), statement-level error recovery, the
// nesting limit, and the rendered form of diagnostics.
//
//===----------------------------------------------------------------------===//
#include "TestHelpers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <dirent.h>

using namespace attnc::dsl;
using namespace attnc::dsl::test;

namespace {

std::optional<Program> parseOnly(const std::string &text, std::string *rendered = nullptr) {
  SourceBuffer buffer("t.attn", text);
  DiagnosticEngine diags(buffer);
  std::optional<Program> p = parseProgram(buffer, diags);
  if (rendered) {
    std::ostringstream os;
    diags.print(os);
    *rendered = os.str();
  }
  return p;
}

std::vector<std::string> exampleFiles() {
  std::vector<std::string> files;
  if (DIR *dir = opendir(ATTNC_EXAMPLES_DIR)) {
    while (dirent *e = readdir(dir)) {
      std::string name = e->d_name;
      if (name.size() > 5 && name.substr(name.size() - 5) == ".attn")
        files.push_back(name);
    }
    closedir(dir);
  }
  std::sort(files.begin(), files.end());
  return files;
}

const char *kDesignSoftmax = R"(
kernel sliding_window_alibi {
  dtype bf16
  q[B, Hq, N, D]; k[B, Hkv, M, D]; v[B, Hkv, M, D]
  param window: i32 = 1024
  input slopes: f32[Hq]
  score = s - slopes[h] * (i - j)
  mask  = j <= i && i - j < window
}
)";

const char *kDesignLinear = R"(
kernel gla {
  dtype bf16
  q[B, H, N, K]; k[B, H, N, K]; v[B, H, N, V]
  input g: f32[B, H, N, K]                  # log-space gate
  state S[K, V] = diag(exp(g[t])) * S + outer(k[t], v[t])
  out   o[t] = q[t] @ S
}
)";

TEST(Parser, SoftmaxDesignExample) {
  std::string diags;
  auto p = parseOnly(kDesignSoftmax, &diags);
  ASSERT_TRUE(p) << diags;
  ASSERT_EQ(p->kernels.size(), 1u);
  const Kernel &k = p->kernels[0];
  EXPECT_EQ(k.name, "sliding_window_alibi");
  EXPECT_EQ(k.dtype, ElementType::BF16);
  ASSERT_TRUE(k.q && k.k && k.v);
  EXPECT_FALSE(k.o);
  ASSERT_EQ(k.q->dims.size(), 4u);
  EXPECT_EQ(k.q->dims[1].symbol, "Hq");
  EXPECT_EQ(k.k->dims[2].symbol, "M");
  ASSERT_EQ(k.params.size(), 1u);
  EXPECT_EQ(k.params[0].name, "window");
  EXPECT_EQ(k.params[0].type, ElementType::I32);
  EXPECT_EQ(k.params[0].defaultValue, 1024.0);
  EXPECT_TRUE(k.params[0].defaultIsInteger);
  ASSERT_EQ(k.inputs.size(), 1u);
  EXPECT_EQ(k.inputs[0].type, ElementType::F32);
  ASSERT_TRUE(k.score && k.mask);
  EXPECT_EQ(k.score->kind, Expr::Kind::Binary);
  EXPECT_EQ(k.score->binaryOp, BinaryOp::Sub);
  EXPECT_EQ(k.mask->binaryOp, BinaryOp::And);
  EXPECT_EQ(k.scoreLoc.line, 7u);
  EXPECT_EQ(k.scoreLoc.col, 3u);
}

TEST(Parser, LinearDesignExample) {
  std::string diags;
  auto p = parseOnly(kDesignLinear, &diags);
  ASSERT_TRUE(p) << diags;
  const Kernel &k = p->kernels[0];
  ASSERT_EQ(k.states.size(), 1u);
  EXPECT_EQ(k.states[0].name, "S");
  ASSERT_EQ(k.states[0].dims.size(), 2u);
  const Expr &u = *k.states[0].update;
  EXPECT_EQ(u.binaryOp, BinaryOp::Add);
  EXPECT_EQ(u.operands[0]->binaryOp, BinaryOp::Mul);
  EXPECT_EQ(u.operands[0]->operands[0]->kind, Expr::Kind::Call);
  EXPECT_EQ(u.operands[0]->operands[0]->name, "diag");
  ASSERT_TRUE(k.out);
  EXPECT_EQ(k.out->name, "o");
  EXPECT_EQ(k.out->indexVar, "t");
  EXPECT_EQ(k.out->value->binaryOp, BinaryOp::MatMul);
  EXPECT_EQ(k.out->value->operands[0]->kind, Expr::Kind::Index);
}

TEST(Parser, EveryExampleParses) {
  std::vector<std::string> files = exampleFiles();
  EXPECT_GE(files.size(), 1u);
  for (const std::string &f : files) {
    std::string diags;
    auto p = parseOnly(readFile(std::string(ATTNC_EXAMPLES_DIR) + "/" + f), &diags);
    EXPECT_TRUE(p) << f << ":\n" << diags;
  }
}

TEST(Parser, PrecedenceAndAssociativity) {
  auto p = parseOnly(softmaxKernel("  mask = 1 + 2 * 3 - 4 < 5 || !true && false"));
  ASSERT_TRUE(p);
  const Expr &m = *p->kernels[0].mask;
  ASSERT_EQ(m.binaryOp, BinaryOp::Or);
  const Expr &cmp = *m.operands[0];
  ASSERT_EQ(cmp.binaryOp, BinaryOp::Lt);
  const Expr &sub = *cmp.operands[0];
  ASSERT_EQ(sub.binaryOp, BinaryOp::Sub); // (1 + 2*3) - 4: left associative
  EXPECT_EQ(sub.operands[0]->binaryOp, BinaryOp::Add);
  EXPECT_EQ(sub.operands[0]->operands[1]->binaryOp, BinaryOp::Mul);
  const Expr &andE = *m.operands[1];
  ASSERT_EQ(andE.binaryOp, BinaryOp::And);
  EXPECT_EQ(andE.operands[0]->kind, Expr::Kind::Unary);
  EXPECT_EQ(andE.operands[0]->unaryOp, UnaryOp::Not);
}

TEST(Parser, ContinuationAfterOperatorAndInsideParens) {
  auto p = parseOnly(softmaxKernel("  mask = j <= i &&\n    i - j < 4\n  score = max(s,\n   1.0)"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kernels[0].mask->binaryOp, BinaryOp::And);
  EXPECT_EQ(p->kernels[0].score->operands.size(), 2u);
}

TEST(Parser, SemicolonsSeparateStatements) {
  auto p = parseOnly("kernel a { dtype f16; q[B,H,N,D]; k[B,H,M,D]; v[B,H,M,D]; mask = j <= i }");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kernels[0].dtype, ElementType::F16);
  EXPECT_TRUE(p->kernels[0].mask);
}

TEST(Parser, SeveralKernels) {
  auto p = parseOnly(softmaxKernel("") + "\n" +
                     linearKernel("  state S[K] = S + k[t]\n  out o[t] = q[t]"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kernels.size(), 2u);
}

TEST(Parser, LiteralsAndNegativeDefaults) {
  auto p = parseOnly(
      softmaxKernel("  param a: f32 = -2.5e1\n  param c: i32 = -3\n  score = s * 1e-2 + .5"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kernels[0].params[0].defaultValue, -25.0);
  EXPECT_EQ(p->kernels[0].params[1].defaultValue, -3.0);
  EXPECT_TRUE(p->kernels[0].params[1].defaultIsInteger);
}

TEST(Parser, RecoversAtStatementBoundaries) {
  std::string diags;
  auto p = parseOnly(softmaxKernel("  mask = j <= )\n  score = (s\n  param = 3\n  input x f32[N]"),
                     &diags);
  EXPECT_FALSE(p);
  // One error per broken statement; the unclosed '(' does not swallow the next line.
  EXPECT_NE(diags.find("expected an expression, got ')'"), std::string::npos) << diags;
  EXPECT_NE(diags.find("expected ')'"), std::string::npos) << diags;
  EXPECT_NE(diags.find("expected a parameter name"), std::string::npos) << diags;
  EXPECT_NE(diags.find("expected ':' after the input name"), std::string::npos) << diags;
}

TEST(Parser, ErrorCapStopsAtTwenty) {
  std::string body;
  for (int i = 0; i < 100; ++i)
    body += "  bogus\n";
  SourceBuffer buffer("t.attn", softmaxKernel(body));
  DiagnosticEngine diags(buffer);
  EXPECT_FALSE(parseProgram(buffer, diags));
  EXPECT_EQ(diags.errorCount(), DiagnosticEngine::kMaxErrors);
  EXPECT_EQ(diags.diagnostics().back().message, "too many errors emitted, stopping now");
}

TEST(Parser, DepthLimitOnParentheses) {
  std::string deep(100000, '(');
  std::string diags;
  auto p = parseOnly(softmaxKernel("  mask = " + deep + "i"), &diags);
  EXPECT_FALSE(p);
  EXPECT_NE(diags.find("expression nested too deeply"), std::string::npos);
}

TEST(Parser, DepthLimitOnUnaryAndCalls) {
  std::string diags;
  EXPECT_FALSE(parseOnly(softmaxKernel("  mask = " + std::string(50000, '!') + "true"), &diags));
  EXPECT_NE(diags.find("expression nested too deeply"), std::string::npos);
  std::string calls;
  for (int i = 0; i < 20000; ++i)
    calls += "exp(";
  EXPECT_FALSE(parseOnly(softmaxKernel("  score = " + calls + "s"), &diags));
  EXPECT_NE(diags.find("expression nested too deeply"), std::string::npos);
}

TEST(Parser, DepthLimitOnLongOperatorChains) {
  // A left-deep chain is as tall as it is long; 200000 terms must be refused cleanly.
  std::string chain = "s";
  for (int i = 0; i < 200000; ++i)
    chain += " + s";
  std::string diags;
  EXPECT_FALSE(parseOnly(softmaxKernel("  score = " + chain), &diags));
  EXPECT_NE(diags.find("expression nested too deeply"), std::string::npos);
  // A long but reasonable chain is fine.
  std::string ok = "s";
  for (int i = 0; i < 300; ++i)
    ok += " + s";
  EXPECT_TRUE(parseOnly(softmaxKernel("  score = " + ok)));
}

TEST(Parser, RenderedDiagnosticHasLocationLineAndCaret) {
  std::string diags;
  parseOnly("kernel x {\n  dtype bf16\n  mask = j <= )\n}\n", &diags);
  EXPECT_EQ(diags, "t.attn:3:15: error: expected an expression, got ')'\n"
                   "  mask = j <= )\n"
                   "              ^\n");
}

TEST(Parser, CaretRunCoversTheToken) {
  auto r = runFrontend(softmaxKernel("  mask = window < i"));
  EXPECT_NE(r.rendered.find("  mask = window < i\n         ^~~~~~\n"), std::string::npos)
      << r.rendered;
}

TEST(Parser, EmptyAndCommentOnlyFiles) {
  std::string diags;
  EXPECT_FALSE(parseOnly("", &diags));
  EXPECT_NE(diags.find("expected at least one 'kernel'"), std::string::npos);
  EXPECT_FALSE(parseOnly("# nothing here\n// nor here\n\n", &diags));
  EXPECT_NE(diags.find("expected at least one 'kernel'"), std::string::npos);
}

TEST(Parser, UnterminatedKernelPointsAtItsBrace) {
  auto r = runFrontend("kernel x {\n  dtype bf16\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.firstError(), "expected '}' to end kernel 'x'");
  const auto &d = r.diags->diagnostics();
  ASSERT_GE(d.size(), 2u);
  EXPECT_EQ(d[1].severity, Severity::Note);
  EXPECT_EQ(d[1].loc.line, 1u);
  EXPECT_EQ(d[1].loc.col, 10u);
}

TEST(Parser, HugeLineRendersAWindow) {
  std::string pad(1000000, ' ');
  auto r = runFrontend(softmaxKernel("  mask =" + pad + "foo < i"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.firstError(), "unknown name 'foo'");
  EXPECT_LT(r.rendered.size(), 1000u);
  EXPECT_NE(r.rendered.find("...   "), std::string::npos);
}

} // namespace
