//===- TemplateGpuTest.cpp - The real prefill template through the runtime ------===//
//
// The contract between runtime and templates, end to end: a prelude like the one the code
// generator writes instantiates attnc::prefillKernel (embedded headers only), the runtime
// compiles it for the device, raises its >48 KB shared-memory limit, validates and launches
// it with the grid rule, and the result matches a float64 reference on random GQA inputs
// whose lengths are not tile multiples. Skipped without a device.
//
//===----------------------------------------------------------------------===//
#include "TestUtil.h"

#include "attnc/Runtime/Runtime.h"

#include <cmath>
#include <cstring>
#include <gtest/gtest.h>
#include <random>

using namespace attnc::runtime;
using attnc::runtime::testing::TempDir;

namespace {

constexpr int kB = 2, kHq = 4, kHkv = 2, kN = 100, kM = 130, kD = 128;
constexpr int kBlockM = 64, kBlockN = 64, kWarps = 4, kStages = 2;

const char *kDensePrelude = R"(#include <attnc/Prefill.cuh>
using Traits = attnc::PrefillTraits<__nv_bfloat16, 128, 64, 64, 4, 2>;
extern "C" __global__ void __launch_bounds__(Traits::kThreads)
attnc_dense_prefill(const __grid_constant__ AttncSoftmaxParams p) {
  attnc::prefillKernel<Traits, attnc::DenseVariant>(p);
}
)";

uint16_t toBf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  u += 0x7fff + ((u >> 16) & 1);
  return uint16_t(u >> 16);
}

float fromBf16(uint16_t h) {
  uint32_t u = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

std::vector<uint16_t> randomBf16(size_t n, std::mt19937 &rng) {
  std::normal_distribution<float> normal(0.f, 1.f);
  std::vector<uint16_t> out(n);
  for (uint16_t &x : out)
    x = toBf16(normal(rng));
  return out;
}

} // namespace

TEST(TemplateGpu, DensePrefillMatchesReference) {
  TempDir cache;
  Expected<std::unique_ptr<Runtime>> created = Runtime::create(0, cache.path());
  if (!created) {
    ASSERT_TRUE(created.error().code == ErrorCode::NoDriver ||
                created.error().code == ErrorCode::NoDevice)
        << created.error().message;
    GTEST_SKIP() << "no CUDA device: " << created.error().message;
  }
  std::unique_ptr<Runtime> rt = created.takeValue();
  if (rt->device().ccMajor < 8)
    GTEST_SKIP() << "the prefill template needs sm_80+, device is " << rt->device().arch();

  KernelSpec spec;
  spec.entryName = "attnc_dense_prefill";
  spec.dtype = DType::BF16;
  spec.headDim = spec.headDimV = kD;
  spec.blockM = kBlockM;
  spec.blockN = kBlockN;
  spec.threadsPerBlock = kWarps * 32;
  spec.dynamicSmemBytes = kBlockM * kD * 2 + kStages * 2 * kBlockN * kD * 2; // 80 KB
  spec.writesLse = true;
  Expected<std::unique_ptr<Kernel>> kernel = rt->compile(kDensePrelude, spec);
  ASSERT_TRUE(kernel) << kernel.error().message;
  EXPECT_EQ((*kernel)->resources().localBytes, 0) << "the template spills";

  std::mt19937 rng(42);
  std::vector<uint16_t> q = randomBf16(size_t(kB) * kHq * kN * kD, rng);
  std::vector<uint16_t> k = randomBf16(size_t(kB) * kHkv * kM * kD, rng);
  std::vector<uint16_t> v = randomBf16(size_t(kB) * kHkv * kM * kD, rng);
  Expected<DeviceBuffer> dq = rt->allocate(q.size() * 2), dk = rt->allocate(k.size() * 2),
                         dv = rt->allocate(v.size() * 2), dout = rt->allocate(q.size() * 2),
                         dlse = rt->allocate(size_t(kB) * kHq * kN * 4);
  for (auto *b : {&dq, &dk, &dv, &dout, &dlse})
    ASSERT_TRUE(*b) << b->error().message;
  ASSERT_TRUE(dq->upload(q.data(), q.size() * 2));
  ASSERT_TRUE(dk->upload(k.data(), k.size() * 2));
  ASSERT_TRUE(dv->upload(v.data(), v.size() * 2));
  ASSERT_TRUE(dout->fill(0xff));
  ASSERT_TRUE(dlse->fill(0xff));
  ASSERT_TRUE(rt->synchronize());

  LaunchArgs args;
  args.q = TensorDesc::contiguous(dq->data(), DType::BF16, {kB, kHq, kN, kD});
  args.k = TensorDesc::contiguous(dk->data(), DType::BF16, {kB, kHkv, kM, kD});
  args.v = TensorDesc::contiguous(dv->data(), DType::BF16, {kB, kHkv, kM, kD});
  args.o = TensorDesc::contiguous(dout->data(), DType::BF16, {kB, kHq, kN, kD});
  TensorDesc lse = TensorDesc::contiguous(dlse->data(), DType::F32, {kB, kHq, kN});
  args.lse = &lse;
  Status st = (*kernel)->launch(args, nullptr);
  ASSERT_TRUE(st) << st.error().message;
  ASSERT_TRUE(rt->synchronize());

  std::vector<uint16_t> o(q.size());
  std::vector<float> lseOut(size_t(kB) * kHq * kN);
  ASSERT_TRUE(dout->download(o.data(), o.size() * 2));
  ASSERT_TRUE(dlse->download(lseOut.data(), lseOut.size() * 4));

  const double scale = 1.0 / std::sqrt(double(kD));
  double err = 0, norm = 0, lseErr = 0;
  std::vector<double> s(kM);
  for (int b = 0; b < kB; ++b)
    for (int h = 0; h < kHq; ++h)
      for (int i = 0; i < kN; ++i) {
        const int hk = h / (kHq / kHkv);
        const uint16_t *qi = &q[((size_t(b) * kHq + h) * kN + i) * kD];
        double mx = -INFINITY;
        for (int j = 0; j < kM; ++j) {
          const uint16_t *kj = &k[((size_t(b) * kHkv + hk) * kM + j) * kD];
          double dot = 0;
          for (int d = 0; d < kD; ++d)
            dot += double(fromBf16(qi[d])) * fromBf16(kj[d]);
          s[j] = dot * scale;
          mx = std::max(mx, s[j]);
        }
        double sum = 0;
        for (int j = 0; j < kM; ++j)
          sum += std::exp(s[j] - mx);
        size_t row = (size_t(b) * kHq + h) * kN + i;
        lseErr = std::max(lseErr, std::fabs(lseOut[row] - (mx + std::log(sum))));
        for (int d = 0; d < kD; ++d) {
          double ref = 0;
          for (int j = 0; j < kM; ++j)
            ref += std::exp(s[j] - mx) / sum *
                   fromBf16(v[((size_t(b) * kHkv + hk) * kM + j) * kD + d]);
          double got = fromBf16(o[row * kD + d]);
          ASSERT_TRUE(std::isfinite(got)) << "o not written at row " << row << " dim " << d;
          err += (got - ref) * (got - ref);
          norm += ref * ref;
        }
      }
  EXPECT_GT(norm, 0.0);
  EXPECT_LT(std::sqrt(err / norm), 1e-2);
  EXPECT_LT(lseErr, 1e-2);
}
