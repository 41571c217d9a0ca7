//===- ResourceUsageTest.cpp - ptxas -v reports, parsed and from NVRTC ------------===//
#include "TestUtil.h"

#include "attnc/Runtime/CubinInfo.h"
#include "attnc/Runtime/Nvrtc.h"
#include "attnc/Runtime/ResourceUsage.h"

#include <chrono>
#include <gtest/gtest.h>
#include <unistd.h>

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

namespace {
/// A kernel name no earlier compile used: NVRTC serves repeated compiles from the CUDA
/// compute cache when a driver is installed, and then ptxas prints no -v report.
std::string uniqueName(const char *base) {
  return std::string(base) + "_" + std::to_string(getpid()) + "_" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

/// A kernel with a dynamically indexed local array, so it has a stack frame.
std::string stackKernel(const std::string &name) {
  return "extern \"C\" __global__ void " + name +
         "(float *p, int n) {\n"
         "  float a[256];\n"
         "  for (int i = 0; i < 256; ++i) a[i] = p[i * n];\n"
         "  p[threadIdx.x] = a[(n * threadIdx.x) & 255];\n"
         "}\n";
}
} // namespace

TEST(ResourceUsage, FromARealNvrtcCompile) {
  std::string name = uniqueName("attnc_small");
  NvrtcRequest request;
  request.source = attnc::runtime::testing::smallKernelSource();
  request.source.replace(request.source.find("attnc_small"), 11, name);
  request.arch = "sm_90a";
  request.options = {"-Xptxas=-v"};
  Expected<NvrtcOutput> out = Nvrtc::compile(request);
  ASSERT_TRUE(out) << out.error().message;
  std::optional<ResourceUsage> u = parseResourceUsage(out->log, name);
  ASSERT_TRUE(u) << "no ptxas report in the NVRTC log:\n" << out->log;
  EXPECT_EQ(u->arch, "sm_90a");
  EXPECT_GT(u->registers, 0);
  EXPECT_FALSE(u->usesLocalMemory()) << u->str();
}

TEST(CubinInfo, MatchesThePtxasReport) {
  for (const char *arch : {"sm_80", "sm_90a"}) {
    std::string regs = uniqueName("attnc_regs"), stack = uniqueName("attnc_stack");
    NvrtcRequest request;
    request.source = attnc::runtime::testing::smallKernelSource();
    request.source.replace(request.source.find("attnc_small"), 11, regs);
    request.source += stackKernel(stack);
    request.arch = arch;
    request.options = {"-Xptxas=-v"};
    Expected<NvrtcOutput> out = Nvrtc::compile(request);
    ASSERT_TRUE(out) << out.error().message;
    for (const std::string &fn : {regs, stack}) {
      std::optional<ResourceUsage> log = parseResourceUsage(out->log, fn);
      ASSERT_TRUE(log) << out->log;
      Expected<CubinFunctionInfo> elf = readCubinFunctionInfo(out->cubin, fn);
      ASSERT_TRUE(elf) << elf.error().message;
      EXPECT_EQ(elf->registers, log->registers) << arch << " " << fn;
      EXPECT_EQ(elf->frameBytes, log->stackFrameBytes) << arch << " " << fn;
      EXPECT_EQ(elf->usesLocalMemory(), log->usesLocalMemory()) << arch << " " << fn;
      EXPECT_GT(elf->codeBytes, 0);
    }
    Expected<CubinFunctionInfo> s = readCubinFunctionInfo(out->cubin, stack);
    ASSERT_TRUE(s);
    EXPECT_GE(s->frameBytes, 1024) << "the local array should live on the stack";
    EXPECT_GT(readCubinFunctionInfo(out->cubin, regs)->registers, 0);
  }
}

TEST(CubinInfo, BadInputsAreErrorsNotCrashes) {
  NvrtcRequest request;
  request.source = attnc::runtime::testing::smallKernelSource();
  request.arch = "sm_80";
  Expected<NvrtcOutput> out = Nvrtc::compile(request);
  ASSERT_TRUE(out) << out.error().message;
  Expected<CubinFunctionInfo> missing = readCubinFunctionInfo(out->cubin, "nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "the cubin has no function 'nope'");
  EXPECT_FALSE(readCubinFunctionInfo(std::vector<char>(10, 'x'), "k"));
  // Every truncation of a real cubin is either readable or an error.
  for (size_t len = 0; len < out->cubin.size(); len += 97) {
    std::vector<char> cut(out->cubin.begin(), out->cubin.begin() + len);
    (void)readCubinFunctionInfo(cut, "attnc_small");
  }
  std::vector<char> garbled = out->cubin;
  for (size_t i = 0x28; i < 0x40; ++i)
    garbled[i] = char(0xff);
  EXPECT_FALSE(readCubinFunctionInfo(garbled, "attnc_small"));
}
