//===- runtime_api.cpp - Using attnc as a JIT library, end to end ----------===//
//
// Compiles a .attn kernel at run time (parse, MLIR passes, CUDA emitter, NVRTC through
// the on-disk cubin cache), then launches it on device pointers and a CUDA stream with
// the runtime API, the way a serving framework would: tensors are (pointer, shape,
// strides), params go by name, the launch validates its arguments and neither allocates
// nor synchronises. A few output rows are checked against a direct CPU computation.
//
//   attnc-example-runtime [FILE.attn] [window]     (default: examples/sliding_window.attn)
//
//===----------------------------------------------------------------------===//
#include "attnc/Driver/CompiledProgram.h"
#include "attnc/Runtime/Runtime.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <random>
#include <vector>

using namespace attnc;

namespace {

constexpr int64_t kBatch = 2, kHeadsQ = 8, kHeadsKv = 2, kSeq = 1500, kHeadDim = 128;

uint16_t toBF16(float f) { // round to nearest even
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return static_cast<uint16_t>((u + 0x7fff + ((u >> 16) & 1)) >> 16);
}
float fromBF16(uint16_t b) {
  uint32_t u = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

int fail(const std::string &what) {
  std::cerr << "runtime_api: " << what << "\n";
  return 1;
}

} // namespace

int main(int argc, char **argv) {
  std::string path = argc > 1 ? argv[1] : ATTNC_EXAMPLES_DIR "/sliding_window.attn";
  int64_t window = argc > 2 ? std::atoll(argv[2]) : 256;

  // 1. Compile: .attn -> CUDA source + the launch contract (KernelSpec).
  std::unique_ptr<CompiledProgram> program = CompiledProgram::load(path, std::cerr);
  if (!program)
    return 1;
  const std::string name = program->kernelNames().front();
  std::optional<GeneratedKernel> generated =
      program->generate(name, kHeadDim, cuda::prefillCandidates(kHeadDim).front(), std::cerr);
  if (!generated)
    return 1;

  // 2. Open the GPU and JIT the kernel (a second run of this program hits the cache).
  auto rt = runtime::Runtime::create(0);
  if (!rt)
    return fail(rt.error().message);
  auto kernel = (*rt)->compile(generated->source, generated->spec);
  if (!kernel)
    return fail(kernel.error().message);
  std::printf("%s on %s: %s, %d registers, cache hits %llu / compiles %llu\n", name.c_str(),
              (*rt)->device().name.c_str(), generated->config.str().c_str(),
              (*kernel)->resources().registers,
              static_cast<unsigned long long>((*rt)->cache().stats().hits),
              static_cast<unsigned long long>((*rt)->cache().stats().compiles));

  // 3. Inputs in bf16, [B, H, N, D] contiguous, uploaded to device buffers.
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  auto makeHost = [&](int64_t heads) {
    std::vector<uint16_t> h(kBatch * heads * kSeq * kHeadDim);
    for (uint16_t &x : h) x = toBF16(normal(rng));
    return h;
  };
  std::vector<uint16_t> q = makeHost(kHeadsQ), k = makeHost(kHeadsKv), v = makeHost(kHeadsKv);
  std::vector<runtime::DeviceBuffer> buffers;
  for (auto *host : {&q, &k, &v, &q /* o: same size as q */}) {
    auto b = (*rt)->allocate(host->size() * 2);
    if (!b)
      return fail(b.error().message);
    buffers.push_back(b.takeValue());
  }
  for (int t = 0; t < 3; ++t)
    if (auto st = buffers[t].upload((t == 0 ? q : t == 1 ? k : v).data(), buffers[t].size()); !st)
      return fail(st.error().message);

  // 4. Launch on a stream: tensors by pointer and shape, params by name.
  using runtime::DType;
  using runtime::TensorDesc;
  runtime::LaunchArgs args;
  args.q = TensorDesc::contiguous(buffers[0].data(), DType::BF16, {kBatch, kHeadsQ, kSeq, kHeadDim});
  args.k = TensorDesc::contiguous(buffers[1].data(), DType::BF16, {kBatch, kHeadsKv, kSeq, kHeadDim});
  args.v = TensorDesc::contiguous(buffers[2].data(), DType::BF16, {kBatch, kHeadsKv, kSeq, kHeadDim});
  args.o = TensorDesc::contiguous(buffers[3].data(), DType::BF16, {kBatch, kHeadsQ, kSeq, kHeadDim});
  std::vector<runtime::ParamValue> params;
  for (const runtime::ParamSlot &p : generated->spec.params)
    if (p.name == "window")
      params.push_back(runtime::ParamValue::integer("window", window));
  args.params = params;
  const runtime::CudaDriver &drv = (*rt)->driver();
  CUstream stream = nullptr;
  if (auto st = drv.check(drv.cuStreamCreate(&stream, 0), "cuStreamCreate"); !st)
    return fail(st.error().message);
  if (auto st = (*kernel)->launch(args, stream); !st)
    return fail(st.error().message);
  if (auto st = drv.check(drv.cuStreamSynchronize(stream), "cuStreamSynchronize"); !st)
    return fail(st.error().message);
  std::vector<uint16_t> o(q.size());
  if (auto st = buffers[3].download(o.data(), o.size() * 2); !st)
    return fail(st.error().message);
  drv.cuStreamDestroy(stream);

  // 5. Check a few rows directly (sliding window: keys j in (i - window, i]).
  double worst = 0;
  const double scale = 1.0 / std::sqrt(static_cast<double>(kHeadDim));
  for (int64_t i : {int64_t(0), int64_t(700), kSeq - 1}) {
    const int64_t b = 1, h = 5, hk = h / (kHeadsQ / kHeadsKv);
    auto at = [&](const std::vector<uint16_t> &t, int64_t heads, int64_t hh, int64_t row, int64_t d) {
      return static_cast<double>(fromBF16(t[((b * heads + hh) * kSeq + row) * kHeadDim + d]));
    };
    std::vector<double> w;
    double mx = -INFINITY, sum = 0;
    int64_t lo = std::max<int64_t>(0, i - window + 1);
    for (int64_t j = lo; j <= i; ++j) {
      double s = 0;
      for (int64_t d = 0; d < kHeadDim; ++d) s += at(q, kHeadsQ, h, i, d) * at(k, kHeadsKv, hk, j, d);
      w.push_back(s * scale);
      mx = std::max(mx, s * scale);
    }
    for (double &x : w) sum += (x = std::exp(x - mx));
    for (int64_t d = 0; d < kHeadDim; ++d) {
      double ref = 0;
      for (int64_t j = lo; j <= i; ++j) ref += w[j - lo] / sum * at(v, kHeadsKv, hk, j, d);
      worst = std::max(worst, std::fabs(ref - at(o, kHeadsQ, h, i, d)));
    }
  }
  std::printf("window %lld: max abs error on 3 checked rows %.2e (%s)\n",
              static_cast<long long>(window), worst, worst < 2e-2 ? "ok" : "WRONG");
  return worst < 2e-2 ? 0 : 1;
}
