//===- ExplainBruteForceTest.cpp - DSL -> IR -> pipeline -> model vs brute force -===//
//
// End to end: DSL programs (written inline, like examples/) are parsed, checked, imported
// and run through the attn pipeline; the mask model attn-analyze-masks attached is read
// back with maskModelFromKernel and its tile classes are compared with brute force over
// every (i, j) of two independent evaluators: the model's own `evaluate` and the CPU
// reference's `evalMask` on the checked AST. Exact kinds must match tile for tile; kinds
// with a run-time part must be sound (never EMPTY where a pair passes, never FULL where
// one fails). Also every example under examples/ goes through the pipeline, and the
// linear-family ones get the recurrence class their comment names.
//
//===----------------------------------------------------------------------===//
#include "MaskTestUtil.h"

#include "attnc/Analysis/MaskFromIR.h"
#include "attnc/DSL/Frontend.h"
#include "attnc/Dialect/Attn/Transforms/Passes.h"
#include "attnc/Import/ImportAST.h"
#include "attnc/Reference/Evaluator.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"

#include <fstream>
#include <random>
#include <sstream>

using namespace attnc;
using namespace attnc::analysis;
using namespace attnc::analysis::testing;

namespace {

/// A parsed, imported and analysed program (the MLIR objects stay alive with it).
struct Compiled {
  std::unique_ptr<dsl::SourceBuffer> buffer;
  std::optional<dsl::Program> program;
  std::unique_ptr<mlir::MLIRContext> context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::string diagnostics;

  mlir::attn::KernelOp kernel(const std::string &name) {
    mlir::attn::KernelOp found;
    module->walk([&](mlir::attn::KernelOp k) {
      if (k.getSymName() == name)
        found = k;
    });
    return found;
  }
  const dsl::Kernel &astKernel(const std::string &name) {
    for (const dsl::Kernel &k : program->kernels)
      if (k.name == name)
        return k;
    throw std::runtime_error("no kernel " + name);
  }
};

std::unique_ptr<Compiled> compile(const std::string &path, const std::string &text) {
  auto c = std::make_unique<Compiled>();
  c->buffer = std::make_unique<dsl::SourceBuffer>(path, text);
  dsl::DiagnosticEngine diags(*c->buffer);
  c->program = dsl::parseAndCheck(*c->buffer, diags);
  if (!c->program)
    return nullptr;
  mlir::DialectRegistry registry;
  registerAttnDialectAndPasses(registry);
  c->context = std::make_unique<mlir::MLIRContext>(registry);
  c->context->printOpOnDiagnostic(false);
  mlir::ScopedDiagnosticHandler handler(c->context.get(), [&](mlir::Diagnostic &d) {
    c->diagnostics += d.str() + "\n";
    return mlir::success();
  });
  c->module = importProgram(*c->context, *c->program);
  if (!c->module)
    return c;
  mlir::PassManager pm(c->context.get());
  buildAttnPipeline(pm);
  if (mlir::failed(pm.run(*c->module)))
    c->module = nullptr;
  return c;
}

constexpr const char *kQKV = "  dtype bf16\n  q[B, Hq, N, D]; k[B, Hkv, M, D]; v[B, Hkv, M, D]\n";
/// Self-attention (N == M): inputs indexed by both i and j, such as document ids.
constexpr const char *kSelfQKV =
    "  dtype bf16\n  q[B, Hq, N, D]; k[B, Hkv, N, D]; v[B, Hkv, N, D]\n";

struct ProgramCase {
  const char *name;
  std::string body; ///< params, inputs and the mask
  MaskKind kind;
  SymbolValues params; ///< overrides of the defaults for the sizes tested
  bool self = false;   ///< self-attention: keys share the query length N
};

void PrintTo(const ProgramCase &c, std::ostream *os) { *os << c.name; }

std::vector<ProgramCase> programCases() {
  return {
      {"causal", "  mask = j <= i\n", MaskKind::Affine, {}},
      {"sliding_window",
       "  param window: i32 = 1024\n  mask = j <= i && i - j < window\n",
       MaskKind::Affine,
       {{"window", 100}}},
      {"prefix_lm",
       "  param prefix: i32 = 1024\n  mask = j <= i || j < prefix\n",
       MaskKind::Affine,
       {{"prefix", 300}}},
      {"chunked_local",
       "  param chunk: i32 = 1024\n  mask = j <= i && i / chunk == j / chunk\n",
       MaskKind::Affine,
       {{"chunk", 100}}},
      {"neighborhood_1d",
       "  param radius: i32 = 63\n"
       "  mask = j >= min(max(i - radius, 0), M - 2 * radius - 1) &&\n"
       "         j <= min(max(i - radius, 0), M - 2 * radius - 1) + 2 * radius\n",
       MaskKind::Affine,
       {}},
      {"neighborhood_abs",
       "  param radius: i32 = 50\n  mask = abs(i - j) <= radius\n",
       MaskKind::Affine,
       {}},
      {"bottom_right_causal", "  mask = j <= i + M - N\n", MaskKind::Affine, {}},
      {"sink_window",
       "  param sink: i32 = 4\n  param window: i32 = 200\n"
       "  mask = j < sink || (j <= i && i - j < window)\n",
       MaskKind::Affine,
       {}},
      {"alibi_causal",
       "  input slopes: f32[Hq]\n  score = s - slopes[h] * (i - j)\n"
       "  mask = !(j > i)\n",
       MaskKind::Affine,
       {}},
      {"document_mask",
       "  input doc: i32[B, N]\n  mask = doc[b, i] == doc[b, j] && j <= i\n",
       MaskKind::AffineBlockMap,
       {},
       /*self=*/true},
      {"strided",
       "  param stride: i32 = 7\n  mask = (i - j) % stride == 0 && j <= i\n",
       MaskKind::AffineBlockMap,
       {}},
      {"full", "", MaskKind::None, {}},
  };
}

/// The run-time inputs the reference needs: q/k/v of the right lengths, doc ids in runs.
reference::Inputs makeInputs(const dsl::Kernel &k, int64_t N, int64_t M) {
  reference::Inputs in;
  in.q = reference::HostTensor({1, 1, N, 2});
  in.k = reference::HostTensor({1, 1, M, 2});
  in.v = reference::HostTensor({1, 1, M, 2});
  std::mt19937 rng(7);
  for (const dsl::InputDecl &d : k.inputs) {
    std::vector<int64_t> shape;
    for (const dsl::Dim &dim : d.dims)
      shape.push_back(dim.isLiteral()     ? dim.value
                      : dim.symbol == "N" ? N
                      : dim.symbol == "M" ? M
                                          : 1);
    reference::HostTensor t(shape);
    // Document ids: runs of random length (non-decreasing, as packed sequences are).
    int64_t id = 0;
    for (size_t x = 0; x < t.data.size(); ++x) {
      if (rng() % 97 == 0)
        ++id;
      t.data[x] = static_cast<double>(id);
    }
    in.extra[d.name] = std::move(t);
  }
  return in;
}

std::vector<Tiling> tilings() {
  return {{1000, 777, 64, 128},
          {777, 1000, 128, 64},
          {300, 300, 64, 64},
          {257, 513, 32, 128},
          {515, 515, 64, 128}};
}

class ProgramVsBruteForce : public ::testing::TestWithParam<ProgramCase> {};

TEST_P(ProgramVsBruteForce, ModelFromIRMatchesBothEvaluators) {
  const ProgramCase &pc = GetParam();
  std::string text =
      std::string("kernel ") + pc.name + " {\n" + (pc.self ? kSelfQKV : kQKV) + pc.body + "}\n";
  std::unique_ptr<Compiled> c = compile(std::string(pc.name) + ".attn", text);
  ASSERT_TRUE(c && c->module) << text << (c ? c->diagnostics : std::string("parse failed"));
  mlir::FailureOr<MaskModel> model = maskModelFromKernel(c->kernel(pc.name));
  ASSERT_TRUE(mlir::succeeded(model)) << c->diagnostics;
  SCOPED_TRACE(model->str());
  EXPECT_EQ(model->kind(), pc.kind) << toString(model->kind());
  const dsl::Kernel &ast = c->astKernel(pc.name);
  for (const Tiling &t : tilings()) {
    if (pc.self && t.N != t.M)
      continue;
    std::string error;
    std::optional<SymbolValues> values = model->bindSymbols(t.N, t.M, pc.params, &error);
    ASSERT_TRUE(values) << error;
    std::optional<BlockMap> got = classifyBlocks(*model, *values, t, &error);
    ASSERT_TRUE(got) << error;

    reference::Bindings bindings;
    for (const auto &[name, value] : pc.params)
      bindings.params[name] = static_cast<double>(value);
    reference::Inputs inputs = makeInputs(ast, t.N, t.M);
    reference::ResolvedBindings rb = reference::resolveBindings(ast, inputs, bindings);
    BlockMap ref = bruteForce(
        [&](int64_t i, int64_t j) { return reference::evalMask(ast, rb, inputs, 0, 0, i, j); }, t);
    if (got->exact) {
      BlockMap own =
          bruteForce([&](int64_t i, int64_t j) { return model->evaluate(i, j, *values); }, t);
      expectSameBlocks(own, *got);
      expectSameBlocks(ref, *got);
    } else {
      // Sound: a pair the reference allows lies in a non-empty tile, and a FULL tile is
      // full in the reference too.
      for (size_t x = 0; x < ref.tiles.size(); ++x) {
        if (ref.tiles[x] != TileClass::Empty)
          ASSERT_NE(got->tiles[x], TileClass::Empty) << "tile " << x << " " << describe(t);
        if (got->tiles[x] == TileClass::Full)
          ASSERT_EQ(ref.tiles[x], TileClass::Full) << "tile " << x << " " << describe(t);
      }
    }
    if (HasFailure())
      return;
  }
}

INSTANTIATE_TEST_SUITE_P(Programs, ProgramVsBruteForce, ::testing::ValuesIn(programCases()),
                         [](const auto &info) { return std::string(info.param.name); });

std::string readFile(const std::string &path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct ExampleCase {
  const char *file;
  const char *expect; ///< a mask kind or a recurrence class
};

void PrintTo(const ExampleCase &c, std::ostream *os) { *os << c.file << " -> " << c.expect; }

class Examples : public ::testing::TestWithParam<ExampleCase> {};

TEST_P(Examples, PipelineClassifiesTheExample) {
  const ExampleCase &ec = GetParam();
  std::string path = std::string(ATTNC_EXAMPLES_DIR) + "/" + ec.file + ".attn";
  std::string text = readFile(path);
  ASSERT_FALSE(text.empty()) << path;
  std::unique_ptr<Compiled> c = compile(path, text);
  ASSERT_TRUE(c && c->module) << (c ? c->diagnostics : std::string("parse failed"));
  mlir::attn::KernelOp kernel = c->kernel(ec.file);
  ASSERT_TRUE(kernel);
  if (auto op = kernel.getLinearAttention()) {
    auto rec = op->getAttrOfType<mlir::attn::RecurrenceAttr>("recurrence");
    ASSERT_TRUE(rec);
    EXPECT_EQ(mlir::attn::stringifyRecurrence(rec.getValue()).str(), ec.expect);
    return;
  }
  mlir::FailureOr<MaskModel> model = maskModelFromKernel(kernel);
  ASSERT_TRUE(mlir::succeeded(model)) << c->diagnostics;
  EXPECT_STREQ(toString(model->kind()), ec.expect) << model->str();
  // Whatever the kind, explain works at the example's defaults.
  std::string error;
  auto report = explainMask(*model, Tiling{4096, 4096, 128, 64}, 128, {}, &error);
  ASSERT_TRUE(report) << error;
  EXPECT_LE(report->pairsAllowed, report->pairsComputed);
  EXPECT_LE(report->pairsComputed, report->pairsDense);
}

INSTANTIATE_TEST_SUITE_P(
    All, Examples,
    ::testing::Values(
        ExampleCase{"alibi", "affine"}, ExampleCase{"causal", "affine"},
        ExampleCase{"chunked_local", "affine"}, ExampleCase{"document_mask", "affine_blockmap"},
        ExampleCase{"full", "none"}, ExampleCase{"gqa_decode", "none"},
        ExampleCase{"neighborhood_1d", "affine"}, ExampleCase{"neighborhood_2d", "blockmap"},
        ExampleCase{"prefix_lm", "affine"}, ExampleCase{"sliding_window", "affine"},
        ExampleCase{"softcap", "affine"}, ExampleCase{"linear", "plain"},
        ExampleCase{"lightning", "scalar_decay"}, ExampleCase{"retnet", "scalar_decay"},
        ExampleCase{"simple_gla", "scalar_decay"}, ExampleCase{"gla", "vector_gate"},
        ExampleCase{"deltanet", "delta_rule"}, ExampleCase{"gated_deltanet", "gated_delta_rule"},
        ExampleCase{"mlstm", "mlstm"}, ExampleCase{"mlstm_sig", "mlstm"}),
    [](const auto &info) { return std::string(info.param.file); });

TEST(ExplainFromIR, MaskModelFromOpNeedsTheAnalysis) {
  std::string text = std::string("kernel causal {\n") + kQKV + "  mask = j <= i\n}\n";
  auto c = std::make_unique<Compiled>();
  c->buffer = std::make_unique<dsl::SourceBuffer>("causal.attn", text);
  dsl::DiagnosticEngine diags(*c->buffer);
  c->program = dsl::parseAndCheck(*c->buffer, diags);
  ASSERT_TRUE(c->program);
  mlir::DialectRegistry registry;
  registerAttnDialectAndPasses(registry);
  mlir::MLIRContext ctx(registry);
  std::string seen;
  mlir::ScopedDiagnosticHandler handler(&ctx, [&](mlir::Diagnostic &d) {
    seen += d.str();
    return mlir::success();
  });
  auto module = importProgram(ctx, *c->program);
  ASSERT_TRUE(module);
  mlir::attn::KernelOp kernel;
  module->walk([&](mlir::attn::KernelOp k) { kernel = k; });
  EXPECT_TRUE(mlir::failed(maskModelFromKernel(kernel)));
  EXPECT_NE(seen.find("run attn-analyze-masks first"), std::string::npos) << seen;
  // analyzeMaskRegion works straight from the region, with the symbol roles filled in.
  mlir::FailureOr<MaskModel> direct = analyzeMaskRegion(kernel.getSoftmaxAttention());
  ASSERT_TRUE(mlir::succeeded(direct));
  EXPECT_EQ(direct->str(), "j <= i");
  ASSERT_GE(direct->symbolInfo().size(), 2u);
  EXPECT_EQ(direct->symbolInfo()[0].name, "N");
  EXPECT_EQ(direct->symbolInfo()[0].role, SymbolInfo::Role::QueryLength);
  EXPECT_EQ(direct->symbolInfo()[1].name, "M");
  EXPECT_EQ(direct->symbolInfo()[1].role, SymbolInfo::Role::KeyLength);
}

} // namespace
