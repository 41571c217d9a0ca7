//===- GpuTest.cpp - Compile, launch and graph-capture on a real device ----------===//
//
// Skipped (with the reason) where there is no driver or device. With one: a naive
// attention kernel that reads every part of AttncSoftmaxParams (strided q, GQA, an extra
// input, an int param, lse) runs through Runtime::compile + Kernel::launch and is checked
// against a float64 CPU reference on random inputs whose sizes are not tile multiples, with
// the output poisoned first; then the same launch is captured in a CUDA graph and replayed
// on new inputs.
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

const char *kNaiveKernel = R"(#include <attnc/KernelParams.h>
#include <cuda_bf16.h>
// One thread per query row: causal sliding window with a per-head linear bias.
extern "C" __global__ void attnc_naive(const __grid_constant__ AttncSoftmaxParams p) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  const int h = blockIdx.y, b = blockIdx.z;
  if (i >= p.seq_q)
    return;
  const int hk = h / (p.heads_q / p.heads_kv);
  const __nv_bfloat16 *q = (const __nv_bfloat16 *)p.q.ptr + b * p.q.stride[0] +
                           h * p.q.stride[1] + i * p.q.stride[2];
  const float slope = ((const float *)p.inputs[0].ptr)[h * p.inputs[0].stride[0]];
  const long long window = p.iparams[0];
  float m = __int_as_float(0xff800000), l = 0.f, acc[64];
  for (int d = 0; d < 64; ++d)
    acc[d] = 0.f;
  for (int j = 0; j <= i && j < p.seq_k; ++j) {
    if (i - j >= window)
      continue;
    const __nv_bfloat16 *k = (const __nv_bfloat16 *)p.k.ptr + b * p.k.stride[0] +
                             hk * p.k.stride[1] + j * p.k.stride[2];
    const __nv_bfloat16 *v = (const __nv_bfloat16 *)p.v.ptr + b * p.v.stride[0] +
                             hk * p.v.stride[1] + j * p.v.stride[2];
    float s = 0.f;
    for (int d = 0; d < 64; ++d)
      s += __bfloat162float(q[d]) * __bfloat162float(k[d]);
    s = s * p.scale - slope * (float)(i - j);
    const float mNew = fmaxf(m, s);
    const float c = expf(m - mNew), e = expf(s - mNew);
    l = l * c + e;
    for (int d = 0; d < 64; ++d)
      acc[d] = acc[d] * c + e * __bfloat162float(v[d]);
    m = mNew;
  }
  __nv_bfloat16 *o = (__nv_bfloat16 *)p.o.ptr + b * p.o.stride[0] + h * p.o.stride[1] +
                     i * p.o.stride[2];
  for (int d = 0; d < 64; ++d)
    o[d] = __float2bfloat16(acc[d] / l);
  float *lse = (float *)p.lse.ptr;
  lse[b * p.lse.stride[0] + h * p.lse.stride[1] + i * p.lse.stride[2]] = m + logf(l);
}
)";

constexpr int B = 2, Hq = 6, Hkv = 2, N = 77, D = 64;
constexpr int64_t kWindow = 16;

uint16_t toBf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  u += 0x7fff + ((u >> 16) & 1); // round to nearest even
  return uint16_t(u >> 16);
}

float fromBf16(uint16_t h) {
  uint32_t u = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

KernelSpec naiveSpec() {
  KernelSpec s;
  s.entryName = "attnc_naive";
  s.dtype = DType::BF16;
  s.headDim = s.headDimV = D;
  s.blockM = 32;
  s.blockN = 1;
  s.threadsPerBlock = 32;
  s.dynamicSmemBytes = 80 * 1024; // unused by the kernel; exercises the >48 KB opt-in
  s.writesLse = true;
  s.inputs = {{"slopes", DType::F32, {"Hq"}}};
  s.params = {{"window", false, 0, true, 1024}};
  return s;
}

/// Host data: q stored as [B, N, Hq, D] (viewed as [B, Hq, N, D]), k/v as [B, Hkv, N, D].
struct Problem {
  std::vector<uint16_t> q, k, v;
  std::vector<float> slopes;
  explicit Problem(unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.f, 1.f);
    for (auto *t : {&q, &k, &v}) {
      t->resize(size_t(B) * (t == &q ? Hq : Hkv) * N * D);
      for (uint16_t &x : *t)
        x = toBf16(normal(rng));
    }
    for (int h = 0; h < Hq; ++h)
      slopes.push_back(0.05f * float(h + 1));
  }
  float qAt(int b, int h, int i, int d) const {
    return fromBf16(q[((size_t(b) * N + i) * Hq + h) * D + d]);
  }
  float kvAt(const std::vector<uint16_t> &t, int b, int h, int j, int d) const {
    return fromBf16(t[((size_t(b) * Hkv + h) * N + j) * D + d]);
  }
  /// float64 reference: o [B, Hq, N, D] and lse [B, Hq, N].
  void reference(std::vector<double> &o, std::vector<double> &lse) const {
    o.assign(size_t(B) * Hq * N * D, 0.0);
    lse.assign(size_t(B) * Hq * N, 0.0);
    const double scale = 1.0 / std::sqrt(double(D));
    for (int b = 0; b < B; ++b)
      for (int h = 0; h < Hq; ++h)
        for (int i = 0; i < N; ++i) {
          std::vector<double> s;
          std::vector<int> js;
          for (int j = 0; j <= i; ++j) {
            if (i - j >= kWindow)
              continue;
            double dot = 0;
            for (int d = 0; d < D; ++d)
              dot += double(qAt(b, h, i, d)) * kvAt(k, b, h / (Hq / Hkv), j, d);
            s.push_back(dot * scale - double(slopes[h]) * (i - j));
            js.push_back(j);
          }
          double mx = *std::max_element(s.begin(), s.end()), sum = 0;
          for (double x : s)
            sum += std::exp(x - mx);
          size_t row = (size_t(b) * Hq + h) * N + i;
          lse[row] = mx + std::log(sum);
          for (size_t t = 0; t < s.size(); ++t)
            for (int d = 0; d < D; ++d)
              o[row * D + d] += std::exp(s[t] - mx) / sum * kvAt(v, b, h / (Hq / Hkv), js[t], d);
        }
  }
};

class Gpu : public ::testing::Test {
protected:
  void SetUp() override {
    Expected<std::unique_ptr<Runtime>> rt = Runtime::create(0, cache_.path());
    if (!rt) {
      ASSERT_TRUE(rt.error().code == ErrorCode::NoDriver || rt.error().code == ErrorCode::NoDevice)
          << rt.error().message;
      GTEST_SKIP() << "no CUDA device: " << rt.error().message;
    }
    runtime_ = rt.takeValue();
    Expected<std::unique_ptr<Kernel>> k = runtime_->compile(kNaiveKernel, naiveSpec());
    ASSERT_TRUE(k) << k.error().message;
    kernel_ = k.takeValue();
    for (auto [buf, bytes] :
         {std::pair{&q_, size_t(B) * Hq * N * D * 2}, std::pair{&k_, size_t(B) * Hkv * N * D * 2},
          std::pair{&v_, size_t(B) * Hkv * N * D * 2}, std::pair{&o_, size_t(B) * Hq * N * D * 2},
          std::pair{&lse_, size_t(B) * Hq * N * 4}, std::pair{&slopes_, size_t(Hq) * 4}}) {
      Expected<DeviceBuffer> b = runtime_->allocate(bytes);
      ASSERT_TRUE(b) << b.error().message;
      *buf = b.takeValue();
    }
  }
  void TearDown() override {
    kernel_.reset();
    for (DeviceBuffer *buf : {&q_, &k_, &v_, &o_, &lse_, &slopes_})
      *buf = DeviceBuffer();
    runtime_.reset();
  }

  void upload(const Problem &p) {
    ASSERT_TRUE(q_.upload(p.q.data(), p.q.size() * 2));
    ASSERT_TRUE(k_.upload(p.k.data(), p.k.size() * 2));
    ASSERT_TRUE(v_.upload(p.v.data(), p.v.size() * 2));
    ASSERT_TRUE(slopes_.upload(p.slopes.data(), p.slopes.size() * 4));
    ASSERT_TRUE(o_.fill(0xff)); // NaN poison: every output element must be written
    ASSERT_TRUE(lse_.fill(0xff));
    ASSERT_TRUE(runtime_->synchronize()); // memsets are asynchronous to the host
  }

  /// Builds launch arguments over the device buffers; `inputs`/`params` must outlive use.
  LaunchArgs args(std::vector<NamedTensor> &inputs, std::vector<ParamValue> &params) {
    LaunchArgs a;
    a.q = TensorDesc::contiguous(q_.data(), DType::BF16, {B, Hq, N, D});
    a.q.strides[1] = D; // stored as [B, N, Hq, D]
    a.q.strides[2] = int64_t(Hq) * D;
    a.k = TensorDesc::contiguous(k_.data(), DType::BF16, {B, Hkv, N, D});
    a.v = TensorDesc::contiguous(v_.data(), DType::BF16, {B, Hkv, N, D});
    a.o = TensorDesc::contiguous(o_.data(), DType::BF16, {B, Hq, N, D});
    lseDesc_ = TensorDesc::contiguous(lse_.data(), DType::F32, {B, Hq, N});
    a.lse = &lseDesc_;
    inputs = {{"slopes", TensorDesc::contiguous(slopes_.data(), DType::F32, {Hq})}};
    params = {ParamValue::integer("window", kWindow)};
    a.inputs = inputs;
    a.params = params;
    return a;
  }

  void expectMatchesReference(const Problem &p) {
    std::vector<uint16_t> o(size_t(B) * Hq * N * D);
    std::vector<float> lse(size_t(B) * Hq * N);
    ASSERT_TRUE(o_.download(o.data(), o.size() * 2));
    ASSERT_TRUE(lse_.download(lse.data(), lse.size() * 4));
    std::vector<double> refO, refLse;
    p.reference(refO, refLse);
    double err = 0, norm = 0;
    for (size_t x = 0; x < o.size(); ++x) {
      double got = fromBf16(o[x]);
      ASSERT_TRUE(std::isfinite(got)) << "output element " << x << " not written";
      err += (got - refO[x]) * (got - refO[x]);
      norm += refO[x] * refO[x];
    }
    EXPECT_GT(norm, 0.0);
    EXPECT_LT(std::sqrt(err / norm), 1e-2);
    for (size_t x = 0; x < lse.size(); ++x)
      ASSERT_NEAR(lse[x], refLse[x], 1e-3 * (1 + std::fabs(refLse[x]))) << "lse " << x;
  }

  TempDir cache_;
  std::unique_ptr<Runtime> runtime_;
  std::unique_ptr<Kernel> kernel_;
  DeviceBuffer q_, k_, v_, o_, lse_, slopes_;
  TensorDesc lseDesc_;
};

} // namespace

TEST_F(Gpu, DeviceInfoIsPlausible) {
  const DeviceInfo &d = runtime_->device();
  EXPECT_FALSE(d.name.empty());
  EXPECT_GE(d.ccMajor, 7);
  EXPECT_GT(d.smCount, 0);
  EXPECT_GE(d.maxSharedMemoryPerBlockOptin, d.maxSharedMemoryPerBlock);
  EXPECT_GT(d.driverVersion, 0);
  EXPECT_NE(d.fingerprint().find(d.arch()), std::string::npos);
  if (d.ccMajor == 9 && d.ccMinor == 0)
    EXPECT_EQ(d.arch(), "sm_90a");
  EXPECT_GT(kernel_->resources().registers, 0);
}

TEST_F(Gpu, LaunchMatchesReference) {
  Problem p(1234);
  upload(p);
  std::vector<NamedTensor> inputs;
  std::vector<ParamValue> params;
  LaunchArgs a = args(inputs, params);
  Status st = kernel_->launch(a, nullptr);
  ASSERT_TRUE(st) << st.error().message;
  ASSERT_TRUE(runtime_->synchronize());
  expectMatchesReference(p);
}

TEST_F(Gpu, InvalidLaunchIsRejectedBeforeTheDevice) {
  std::vector<NamedTensor> inputs;
  std::vector<ParamValue> params;
  LaunchArgs a = args(inputs, params);
  a.k.dtype = DType::F16;
  Status st = kernel_->launch(a, nullptr);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().message, "k: expected bf16, got f16");
}

TEST_F(Gpu, SecondCompileHitsTheCache) {
  EXPECT_EQ(runtime_->cache().stats().compiles, 1u);
  Expected<std::unique_ptr<Kernel>> again = runtime_->compile(kNaiveKernel, naiveSpec());
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(runtime_->cache().stats().compiles, 1u);
  EXPECT_EQ(runtime_->cache().stats().hits, 1u);
}

TEST_F(Gpu, GraphCaptureAndReplay) {
  const CudaDriver &drv = runtime_->driver();
  CUstream stream = nullptr;
  ASSERT_TRUE(drv.check(drv.cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING), "cuStreamCreate"));
  Problem first(7);
  upload(first);
  std::vector<NamedTensor> inputs;
  std::vector<ParamValue> params;
  LaunchArgs a = args(inputs, params);

  ASSERT_TRUE(drv.check(drv.cuStreamBeginCapture(stream, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL),
                        "cuStreamBeginCapture"));
  Status launched = kernel_->launch(a, stream);
  CUgraph graph = nullptr;
  ASSERT_TRUE(drv.check(drv.cuStreamEndCapture(stream, &graph), "cuStreamEndCapture"));
  ASSERT_TRUE(launched) << launched.error().message;
  CUgraphExec exec = nullptr;
  ASSERT_TRUE(drv.check(drv.cuGraphInstantiate(&exec, graph, 0), "cuGraphInstantiate"));

  // Capture must not have run the kernel: the output is still poisoned.
  uint16_t firstOut = 0;
  ASSERT_TRUE(o_.download(&firstOut, 2));
  EXPECT_TRUE(std::isnan(fromBf16(firstOut)));

  ASSERT_TRUE(drv.check(drv.cuGraphLaunch(exec, stream), "cuGraphLaunch"));
  ASSERT_TRUE(drv.check(drv.cuStreamSynchronize(stream), "cuStreamSynchronize"));
  expectMatchesReference(first);

  // Replay reads the buffers' current contents.
  Problem second(99);
  upload(second);
  ASSERT_TRUE(drv.check(drv.cuGraphLaunch(exec, stream), "cuGraphLaunch"));
  ASSERT_TRUE(drv.check(drv.cuStreamSynchronize(stream), "cuStreamSynchronize"));
  expectMatchesReference(second);

  drv.cuGraphExecDestroy(exec);
  drv.cuGraphDestroy(graph);
  drv.cuStreamDestroy(stream);
}
