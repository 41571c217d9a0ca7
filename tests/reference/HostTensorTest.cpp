//===- HostTensorTest.cpp - Indexing, random fills, error measures --------===//
#include "attnc/Reference/HostTensor.h"

#include <gtest/gtest.h>

#include <cmath>

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
