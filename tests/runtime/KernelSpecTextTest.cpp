//===- KernelSpecTextTest.cpp - KernelSpec text form --------------------------------===//
#include "attnc/Runtime/KernelSpec.h"

#include <gtest/gtest.h>

using namespace attnc::runtime;

namespace {
KernelSpec richSpec() {
  KernelSpec s;
  s.family = KernelFamily::SoftmaxDecode;
  s.entryName = "attnc_doc_masking";
  s.dtype = DType::F16;
  s.headDim = 128;
  s.headDimV = 64;
  s.blockM = 16;
  s.blockN = 128;
  s.threadsPerBlock = 256;
  s.dynamicSmemBytes = 99 * 1024;
  s.writesLse = true;
  s.grid = GridRule::SplitsKvHeadsBatch;
  s.vectorBytes = 8;
  s.inputs = {{"slopes", DType::F32, {"Hq"}}, {"doc", DType::I32, {"B", "L", "4"}}};
  s.params = {{"window", false, 0, true, 1024},
              {"temperature", true, 1, true, 0.1},
              {"cap", true, 0, false, 0}};
  s.dimSymbols = {{"L", 3}};
  return s;
}
} // namespace

TEST(KernelSpecText, RoundTripsExactly) {
  KernelSpec s = richSpec();
  std::string text = serializeKernelSpec(s);
  Expected<KernelSpec> back = parseKernelSpec(text);
  ASSERT_TRUE(back) << back.error().message << "\n" << text;
  EXPECT_EQ(serializeKernelSpec(*back), text);
  EXPECT_EQ(back->family, KernelFamily::SoftmaxDecode);
  EXPECT_EQ(back->grid, GridRule::SplitsKvHeadsBatch);
  EXPECT_EQ(back->entryName, "attnc_doc_masking");
  EXPECT_EQ(back->dtype, DType::F16);
  EXPECT_EQ(back->headDimV, 64);
  EXPECT_EQ(back->dynamicSmemBytes, 99 * 1024);
  EXPECT_EQ(back->vectorBytes, 8);
  ASSERT_EQ(back->inputs.size(), 2u);
  EXPECT_EQ(back->inputs[1].dims, (std::vector<std::string>{"B", "L", "4"}));
  ASSERT_EQ(back->params.size(), 3u);
  EXPECT_EQ(back->params[1].defaultValue, 0.1); // bit-exact
  EXPECT_FALSE(back->params[2].hasDefault);
  EXPECT_EQ(back->dimSymbols[0].slot, 3);
  EXPECT_NE(text.find("param window int 0 1024\n"), std::string::npos) << text;
  EXPECT_NE(text.find("param cap float 0 -\n"), std::string::npos) << text;
}

TEST(KernelSpecText, PersistentGridRoundTrips) {
  KernelSpec s = richSpec();
  s.grid = GridRule::PersistentQueryBlocks;
  const std::string text = serializeKernelSpec(s);
  EXPECT_NE(text.find("grid persistent-query-blocks\n"), std::string::npos) << text;
  Expected<KernelSpec> back = parseKernelSpec(text);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->grid, GridRule::PersistentQueryBlocks);
}

TEST(KernelSpecText, ErrorsNameTheLine) {
  std::string good = serializeKernelSpec(richSpec());
  auto errorOf = [](const std::string &text) {
    Expected<KernelSpec> s = parseKernelSpec(text);
    return s ? std::string("<no error>") : s.error().message;
  };
  EXPECT_EQ(errorOf("attnc-kernel-spec 2\n"),
            "kernel spec line 1: expected 'attnc-kernel-spec 1', got 'attnc-kernel-spec 2'");
  EXPECT_EQ(errorOf(good + "bogus 1\n"), "kernel spec line 18: unknown record 'bogus'");
  EXPECT_EQ(errorOf(good + "threads 12 13\n"),
            "kernel spec line 18: unexpected '13' after the 'threads' record");
  EXPECT_EQ(errorOf(good + "dtype f17\n"),
            "kernel spec line 18: unknown dtype 'f17' (expected bf16, f16, f32, i32, i64, u8 "
            "or fp8e4m3)");
  EXPECT_EQ(errorOf(good + "param x int\n"), "kernel spec line 18: malformed 'param' record");
  EXPECT_EQ(errorOf(good + "param x int 5 1.5x\n"),
            "kernel spec line 18: bad default '1.5x' for param 'x'");
  EXPECT_EQ(errorOf(good + "family quadratic\n"),
            "kernel spec line 18: unknown family 'quadratic'");
  // A syntactically fine but inconsistent spec fails verify().
  EXPECT_NE(errorOf(good + "param window int 2 -\n").find("invalid kernel spec"),
            std::string::npos);
  EXPECT_EQ(errorOf(good + "# a comment\n\n"), "<no error>");
}

TEST(KernelSpecText, BlockMapRoundTrips) {
  KernelSpec s = richSpec();
  s.blockMap = {"attnc_doc_masking_blockmap", 128, true, false};
  std::string text = serializeKernelSpec(s);
  EXPECT_NE(text.find("block_map attnc_doc_masking_blockmap 128 1 0\n"), std::string::npos)
      << text;
  Expected<KernelSpec> back = parseKernelSpec(text);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->blockMap.entryName, "attnc_doc_masking_blockmap");
  EXPECT_TRUE(back->blockMap.perBatch);
  EXPECT_FALSE(back->blockMap.perHead);
  EXPECT_EQ(serializeKernelSpec(*back), text);
  // A spec without a block map writes no record for it.
  EXPECT_EQ(serializeKernelSpec(richSpec()).find("block_map"), std::string::npos);
}
