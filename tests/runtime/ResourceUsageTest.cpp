//===- ResourceUsageTest.cpp - ptxas -v reports, parsed and from NVRTC ------------===//
#include "TestUtil.h"

#include "attnc/Runtime/Nvrtc.h"
#include "attnc/Runtime/ResourceUsage.h"

#include <gtest/gtest.h>

using namespace attnc::runtime;

TEST(ResourceUsage, ParsesTheNamedFunctionOnly) {
  const char *log = "ptxas info    : Compiling entry function 'other' for 'sm_90a'\n"
                    "ptxas info    : Used 12 registers, used 0 barriers\n"
                    "ptxas info    : Compiling entry function 'attnc_k' for 'sm_90a'\n"
                    "ptxas info    : Function properties for attnc_k\n"
                    "    16 bytes stack frame, 8 bytes spill stores, 4 bytes spill loads\n"
                    "ptxas info    : Used 230 registers, used 1 barriers, 512 bytes cmem[0]\n";
  std::optional<ResourceUsage> u = parseResourceUsage(log, "attnc_k");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->arch, "sm_90a");
  EXPECT_EQ(u->registers, 230);
  EXPECT_EQ(u->barriers, 1);
  EXPECT_EQ(u->stackFrameBytes, 16);
  EXPECT_EQ(u->spillStoreBytes, 8);
  EXPECT_EQ(u->spillLoadBytes, 4);
  EXPECT_TRUE(u->usesLocalMemory());
  EXPECT_FALSE(parseResourceUsage(log, "missing"));
}

TEST(ResourceUsage, FromARealNvrtcCompile) {
  NvrtcRequest request;
  request.source = attnc::runtime::testing::smallKernelSource();
  request.arch = "sm_90a";
  request.options = {"-Xptxas=-v"};
  Expected<NvrtcOutput> out = Nvrtc::compile(request);
  ASSERT_TRUE(out) << out.error().message;
  std::optional<ResourceUsage> u = parseResourceUsage(out->log, "attnc_small");
  ASSERT_TRUE(u) << "no ptxas report in the NVRTC log:\n" << out->log;
  EXPECT_EQ(u->arch, "sm_90a");
  EXPECT_GT(u->registers, 0);
  EXPECT_FALSE(u->usesLocalMemory()) << u->str();
}
