//===- SoftmaxExamplesGpuTest.cpp - Every softmax example on the GPU ------===//
//
// For every softmax example, in bf16 and fp16, head dims 64 and 128: generate the prefill
// kernel with each template the device runs (the sm_90a wgmma one there, and the mma.sync
// one everywhere; first default tile config that uses no local memory), run it on fresh
// random inputs with the output poisoned, and compare with the float64 CPU reference
// (computed once per problem, shared by the templates); $ATTNC_GPU_EXAMPLES (a comma list)
// narrows the run to some examples. Shapes are
// ragged (no multiple of any tile), with batch > 1 and GQA ratios 1, 4 and 8. Skips, with
// the reason, where there is no CUDA device.
//
//===----------------------------------------------------------------------===//
#include "attnc/DSL/Frontend.h"
#include "attnc/Driver/CompiledProgram.h"
#include "attnc/Driver/GpuHarness.h"

#include "GpuRuntimeTest.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace attnc {
namespace {

struct Case {
  const char *example;
  bool selfAttention; ///< k/v share q's length symbol (N == M)
};

const Case kCases[] = {
    {"full", false},          {"causal", false},        {"sliding_window", false},
    {"alibi", false},         {"softcap", false},       {"prefix_lm", false},
    {"chunked_local", false}, {"document_mask", true},  {"neighborhood_1d", false},
    {"neighborhood_2d", true}, {"gqa_decode", false},
};

std::vector<ProblemShape> shapesFor(const Case &c) {
  auto shape = [](int64_t b, int64_t hq, int64_t hkv, int64_t n, int64_t m) {
    ProblemShape s;
    s.batch = b; s.headsQ = hq; s.headsKv = hkv; s.seqQ = n; s.seqK = m;
    return s;
  };
  if (std::string(c.example) == "gqa_decode") // q[B, 32, 1, D], k/v[B, 8, M, D]
    return {shape(3, 32, 8, 1, 1000), shape(2, 32, 8, 1, 77)};
  if (c.selfAttention)
    return {shape(2, 4, 4, 333, 333), shape(1, 8, 2, 1000, 1000), shape(2, 8, 1, 257, 257)};
  return {shape(2, 4, 4, 333, 333), shape(1, 8, 2, 1000, 777), shape(2, 8, 1, 129, 700)};
}

class SoftmaxExamplesGpu : public GpuRuntimeTest {};

TEST_F(SoftmaxExamplesGpu, MatchFloat64Reference) {
  if (!runtimeInstance)
    GTEST_SKIP() << skipReason;
  runtime::Runtime &rt = *runtimeInstance;
  int checked = 0;
  for (const Case &c : kCases) {
    if (!exampleSelected(c.example))
      continue;
    for (const char *dtype : {"bf16", "f16"}) {
      std::string path = exampleWithDtype(c.example, dtype);
      std::ostringstream diag;
      std::unique_ptr<CompiledProgram> program = CompiledProgram::load(path, diag);
      ASSERT_TRUE(program) << diag.str();
      dsl::SourceBuffer buffer(path, readFile(path));
      dsl::DiagnosticEngine diags(buffer);
      std::optional<dsl::Program> ast = dsl::parseAndCheck(buffer, diags);
      ASSERT_TRUE(ast);
      const dsl::Kernel &kernel = ast->kernels.front();
      for (int headDim : {64, 128}) {
        // Each problem's inputs and float64 reference once; every template checked on it.
        std::vector<SoftmaxWorkload> workloads;
        uint64_t seed = 1;
        for (const ProblemShape &shape : shapesFor(c)) {
          auto w = makeWorkload(kernel, shape, headDim,
                                std::string(dtype) == "bf16" ? runtime::DType::BF16
                                                             : runtime::DType::F16,
                                seed++, true);
          ASSERT_TRUE(w) << c.example << ": " << w.error().message;
          workloads.push_back(w.takeValue());
        }
        for (bool sm90 : {true, false}) {
          if (sm90 && !cuda::archHasWgmma(rt.device().arch()))
            continue; // the wgmma template runs on sm_90a only
          std::unique_ptr<runtime::Kernel> compiled;
          cuda::PrefillConfig used;
          for (const cuda::PrefillConfig &cfg :
               cuda::prefillCandidates(headDim, rt.device().arch(),
                                       program->maskReach(kernel.name))) {
            if (cfg.sm90 != sm90)
              continue;
            std::optional<GeneratedKernel> gen = program->generate(kernel.name, headDim, cfg, diag);
            ASSERT_TRUE(gen) << diag.str();
            auto k = rt.compile(gen->source, gen->spec);
            ASSERT_TRUE(k) << k.error().message;
            compiled = k.takeValue();
            used = cfg;
            if (compiled->resources().localBytes == 0)
              break;
          }
          ASSERT_TRUE(compiled);
          EXPECT_EQ(compiled->resources().localBytes, 0)
              << c.example << " D=" << headDim << " uses local memory in every default config";
          for (const SoftmaxWorkload &w : workloads) {
            auto result = checkSoftmax(rt, *compiled, w);
            ASSERT_TRUE(result) << c.example << ": " << result.error().message;
            std::printf("  %-16s %-4s D=%-3d %-22s %-38s rel err %.2e  lse err %.1e  %s\n",
                        c.example, dtype, headDim, used.str().c_str(), w.shape.str().c_str(),
                        result->relError, result->lseMaxError, result->passed() ? "ok" : "FAIL");
            EXPECT_EQ(result->nonFinite, 0) << c.example << " " << used.str() << " " << w.shape.str();
            EXPECT_LT(result->relError, result->tolerance)
                << c.example << " " << used.str() << " " << w.shape.str();
            EXPECT_LT(result->lseMaxError, 1e-2)
                << c.example << " " << used.str() << " " << w.shape.str();
            ++checked;
          }
        }
      }
    }
  }
  EXPECT_GT(checked, everyExampleSelected() ? 100 : 0);
}

} // namespace
} // namespace attnc
