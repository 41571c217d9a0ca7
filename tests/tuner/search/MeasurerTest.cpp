//===- MeasurerTest.cpp - Post-compile pruning ------------------------------===//
//
// Local memory, registers over a block's budget and occupancy under the minimum reject a
// compiled candidate with a reason; a clean one passes.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/Measurer.h"

#include <gtest/gtest.h>

#include <climits>

using namespace attnc::tuner;

namespace {
CompileResult compiled(int registers, int localBytes = 0, int sharedBytes = 0) {
  CompileResult r;
  r.ok = true;
  r.registers = registers;
  r.localBytes = localBytes;
  r.sharedBytes = sharedBytes;
  return r;
}
} // namespace

TEST(PostCompileTest, CleanKernelPasses) {
  EXPECT_EQ(postCompileReject(compiled(168, 0, 96 * 1024), 128, DeviceLimits()), std::nullopt);
}

TEST(PostCompileTest, LocalMemoryIsRejected) {
  EXPECT_EQ(postCompileReject(compiled(255, 48), 128, DeviceLimits()),
            "uses 48 B of local memory (spills)");
}

TEST(PostCompileTest, RegistersOverABlockAreRejected) {
  EXPECT_EQ(postCompileReject(compiled(255), 512, DeviceLimits()),
            "255 registers x 512 threads exceed the 65536 registers of a block");
}

TEST(PostCompileTest, OccupancyCountsRegistersSharedMemoryAndThreads) {
  DeviceLimits limits;
  // 250 registers round up to 256: 256 x 128 = 32768 per block, two per SM.
  EXPECT_EQ(blocksPerSM(compiled(250), 128, limits), 2);
  // 100 KB of shared memory: two blocks in 228 KB.
  EXPECT_EQ(blocksPerSM(compiled(32, 0, 100 * 1024), 128, limits), 2);
  EXPECT_EQ(blocksPerSM(compiled(16), 1024, limits), 2);
  EXPECT_EQ(blocksPerSM(compiled(0), 0, limits), INT_MAX);
  limits.minBlocksPerSM = 3;
  EXPECT_EQ(postCompileReject(compiled(250), 128, limits),
            "occupancy of 2 blocks per SM is under the minimum of 3");
}
