//===- HostTensorTest.cpp - Indexing, random fills, error measures --------===//
#include "attnc/Reference/HostTensor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>

using namespace attnc::reference;

TEST(HostTensor, RowMajorIndexingAndRows) {
  HostTensor t({2, 3, 4});
  EXPECT_EQ(t.numel(), 24);
  t.at({1, 2, 3}) = 7.0;
  EXPECT_EQ(t.data[1 * 12 + 2 * 4 + 3], 7.0);
  EXPECT_EQ(t.row({1, 2}) + 3, &t.data[23]);
  EXPECT_EQ(t.dim(-1), 4);
  EXPECT_EQ(t.shapeStr(), "[2, 3, 4]");
}

TEST(HostTensor, OutOfRangeThrows) {
  HostTensor t({2, 3});
  EXPECT_THROW(t.at({2, 0}), ReferenceError);
  EXPECT_THROW(t.at({0, -1}), ReferenceError);
  EXPECT_THROW(t.at({0}), ReferenceError);
  EXPECT_THROW(t.dim(2), ReferenceError);
}

TEST(HostTensor, RandomFillsAreSeededAndInRange) {
  HostTensor a = randomUniform({100}, 7, -2.0, 3.0), b = randomUniform({100}, 7, -2.0, 3.0);
  EXPECT_EQ(a.data, b.data);
  for (double x : a.data) {
    EXPECT_GE(x, -2.0);
    EXPECT_LT(x, 3.0);
  }
  HostTensor ids = randomInts({50}, 3, 0, 2);
  for (double x : ids.data)
    EXPECT_TRUE(x == 0 || x == 1 || x == 2);
}

TEST(HostTensor, L2NormalizeRows) {
  HostTensor t({2, 2});
  t.data = {3, 4, 0, 0};
  l2NormalizeRows(t);
  EXPECT_DOUBLE_EQ(t.data[0], 0.6);
  EXPECT_DOUBLE_EQ(t.data[1], 0.8);
  EXPECT_EQ(t.data[2], 0.0);
}

TEST(HostTensor, RelativeError) {
  HostTensor ref({2}), out({2});
  ref.data = {3, 4};
  out.data = {3, 4.5};
  EXPECT_DOUBLE_EQ(relativeError(out, ref), 0.1);
  EXPECT_DOUBLE_EQ(maxAbsDiff(out, ref), 0.5);
  EXPECT_THROW(relativeError(out, HostTensor({3})), ReferenceError);
}

TEST(HostTensor, RoundToStorageFormats) {
  const double u7 = std::ldexp(1.0, -7);                               // bf16 spacing at 1
  EXPECT_EQ(roundTo(1 + u7 / 2, StorageFormat::BF16), 1.0);            // tie to even
  EXPECT_EQ(roundTo(1 + 3 * u7 / 2, StorageFormat::BF16), 1 + 2 * u7); // tie to even
  EXPECT_EQ(roundTo(1 + 0.6 * u7, StorageFormat::BF16), 1 + u7);
  EXPECT_EQ(roundTo(-3.0, StorageFormat::BF16), -3.0);
  EXPECT_EQ(roundTo(1e39, StorageFormat::BF16), INFINITY);
  EXPECT_EQ(roundTo(65519.0, StorageFormat::F16), 65504.0);
  EXPECT_EQ(roundTo(65520.0, StorageFormat::F16), INFINITY);
  EXPECT_EQ(roundTo(-65520.0, StorageFormat::F16), -INFINITY);
  EXPECT_EQ(roundTo(std::ldexp(1.0, -25), StorageFormat::F16), 0.0); // half the min subnormal
  EXPECT_EQ(roundTo(std::ldexp(3.0, -26), StorageFormat::F16), std::ldexp(1.0, -24));
  EXPECT_EQ(roundTo(1 + std::ldexp(1.0, -11), StorageFormat::F16), 1.0);
  EXPECT_EQ(roundTo(0.1, StorageFormat::F32), double(0.1f));
  EXPECT_EQ(roundTo(1 + std::ldexp(1.0, -24), StorageFormat::F32), 1.0);
  HostTensor t = roundedTo(randomUniform({1000}, 5), StorageFormat::F32);
  for (double x : t.data)
    EXPECT_EQ(x, double(float(x)));
  HostTensor h = roundedTo(randomUniform({1000}, 6), StorageFormat::F16);
  for (double x : h.data)
    EXPECT_EQ(roundTo(x, StorageFormat::F16), x); // idempotent
}

TEST(HostTensor, Bf16RoundingMatchesTheFloatBitTrick) {
  // The usual float -> bf16 conversion (add 0x7FFF plus the lowest kept bit, truncate) on
  // values that are exactly floats, so no double rounding is involved.
  HostTensor t = randomUniform({5000}, 8, -1000.0, 1000.0);
  for (double d : t.data) {
    float f = float(d);
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    bits += 0x7FFFu + ((bits >> 16) & 1u);
    bits &= 0xFFFF0000u;
    float r;
    std::memcpy(&r, &bits, 4);
    ASSERT_EQ(roundTo(double(f), StorageFormat::BF16), double(r)) << f;
  }
}
