//===- LinearHarness.cpp - Check and time a linear-family kernel on the GPU ===//
//
// Host tensors are kept in the reference's [B, H, T, D] order; uploads write them in the
// storage order of the chosen layout and hand the kernel strided [B, H, T, D] views, so
// both layouts are checked against the same reference values. Values are rounded to
// their storage formats before the reference sees them, so the error is the kernel's.
// The mLSTM's states go in and out in the kernel's stabilised form (C e^-m, n e^-m, m);
// the reference sees and is compared with the unstabilised C and n they stand for.
//
//===----------------------------------------------------------------------===//
#include "attnc/Driver/LinearHarness.h"

#include "LinearPackedReference.h"

#include "attnc/Reference/HostTensor.h"
#include "attnc/Reference/Reference.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <sstream>
#include <tuple>

namespace attnc {

using runtime::DeviceBuffer;
using runtime::DType;
using runtime::Error;
using runtime::ErrorCode;
using runtime::Expected;
using runtime::LinearGate;
using runtime::TensorDesc;

namespace {

constexpr double kUnitVarianceBound = 1.7320508075688772; // sqrt(3): U(-b, b) has variance 1
constexpr double kToleranceBF16 = 1e-2;
constexpr double kToleranceF16 = 2e-3;
constexpr double kChannelGateTemperature = 16; // GLA divides its log gates by 16
constexpr double kSlopeRange = 8;              // Lightning slopes 2^(-8 (h + 1) / H)
constexpr double kForgetBias = 3;   // mLSTM fgate ~ N(3, 1.5): xLSTM's forget bias is 3..6
constexpr double kForgetSpread = 1.5;
constexpr double kSigmoidInputSpread = 1; // mLSTM sigmoid input gate: igate ~ N(0, 1)
constexpr double kExpInputSpread = 2;     // exponential input gate: igate ~ N(0, 2)
constexpr double kMaxStateRange = 2;      // initial stabiliser m ~ U(-2, 2)
constexpr uint8_t kPoisonByte = 0xFF;          // all-ones: NaN in bf16, fp16 and f32
constexpr int kMaxInputSets = 16;
constexpr uint64_t kBenchSeed = 1000;

/// The host side of one problem, in [B, H, T, D] order.
struct LinearHost {
  reference::Inputs inputs;
  reference::StateTensors initial; ///< what the reference starts from
  std::string stateName;           ///< the [K, V] state
  std::string normName;            ///< the mLSTM's [K] normaliser; empty otherwise
  reference::HostTensor gate;      ///< the gate input (mLSTM: the forget gate's), if any
  reference::HostTensor inputGate; ///< mLSTM: the input gate's pre-activations
  /// The kernel's initial states when pb.initialState: C (stabilised for the exponential
  /// mLSTM), the mLSTM's n and the exponential one's m.
  reference::HostTensor stateIn, normIn, maxIn;
  reference::HostTensor beta;      ///< the delta rule's write strengths
};

reference::StorageFormat formatOf(DType d) {
  return d == DType::BF16 ? reference::StorageFormat::BF16 : reference::StorageFormat::F16;
}

double logSigmoid(double x) {
  return x < 0 ? x - std::log1p(std::exp(x)) : -std::log1p(std::exp(-x));
}

/// N(mean, spread) values rounded to f32 (the mLSTM's gate pre-activations).
reference::HostTensor normalValues(std::vector<int64_t> shape, uint64_t seed, double mean,
                                   double spread) {
  reference::HostTensor t(std::move(shape));
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(mean, spread);
  for (double &x : t.data)
    x = static_cast<float>(normal(rng));
  return t;
}

/// sigmoid(x), x ~ N(0, 1), in f32: the delta rule's write strengths in (0, 1).
reference::HostTensor sigmoidStrengths(std::vector<int64_t> shape, uint64_t seed) {
  reference::HostTensor t(std::move(shape));
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (double &x : t.data)
    x = static_cast<float>(1.0 / (1.0 + std::exp(-normal(rng))));
  return t;
}

/// Scales every row (innermost dim) of `t` to unit L2 norm, as DeltaNet's keys are; the
/// caller rounds afterwards, so the reference sees exactly what the kernel reads.
void normalizeRows(reference::HostTensor &t) {
  const int64_t width = t.shape.back();
  for (size_t row = 0; row < t.data.size(); row += size_t(width)) {
    double norm = 0;
    for (int64_t c = 0; c < width; ++c)
      norm += t.data[row + c] * t.data[row + c];
    const double inv = norm > 0 ? 1.0 / std::sqrt(norm) : 0.0;
    for (int64_t c = 0; c < width; ++c)
      t.data[row + c] *= inv;
  }
}

reference::HostTensor normalGates(std::vector<int64_t> shape, uint64_t seed, double divisor) {
  reference::HostTensor t(std::move(shape));
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (double &x : t.data)
    x = static_cast<float>(logSigmoid(normal(rng)) / divisor); // f32 storage, exactly
  return t;
}

Expected<LinearHost> makeHost(const runtime::KernelSpec &spec, const dsl::Kernel &ast,
                              const LinearProblem &pb) {
  const bool mlstm = spec.linear.isMlstm();
  if (ast.states.size() != (mlstm ? 2u : 1u))
    return Error{ErrorCode::InvalidArgument, mlstm ? "expected an mLSTM with states C[K, V], n[K]"
                                                   : "expected a kernel with one state"};
  const int64_t B = pb.batch, H = pb.heads, T = pb.seqLen, K = spec.headDim, V = spec.headDimV;
  const uint64_t seed = pb.seed * 1000003;
  auto operand = [&](std::vector<int64_t> shape, uint64_t salt) {
    return reference::roundedTo(reference::randomUniform(std::move(shape), seed + salt,
                                                         -kUnitVarianceBound, kUnitVarianceBound),
                                formatOf(spec.dtype));
  };
  const bool delta = !spec.linear.betaInput.empty();
  LinearHost h;
  h.inputs.q = operand({B, H, T, K}, 1);
  h.inputs.k = operand({B, H, T, K}, 2);
  h.inputs.v = operand({B, H, T, V}, 3);
  if (delta) { // the delta rule is stable for keys of norm <= 1 and beta in (0, 1)
    normalizeRows(h.inputs.k);
    h.inputs.k = reference::roundedTo(h.inputs.k, formatOf(spec.dtype));
    h.beta = sigmoidStrengths({B, H, T}, seed + 6);
    h.inputs.extra[spec.linear.betaInput] = h.beta;
  }
  for (const dsl::StateDecl &st : ast.states)
    (st.dims.size() == 1 ? h.normName : h.stateName) = st.name;
  auto f32Uniform = [&](std::vector<int64_t> shape, uint64_t salt, double bound) {
    return reference::roundedTo(reference::randomUniform(std::move(shape), seed + salt, -bound, bound),
                                reference::StorageFormat::F32);
  };
  if (pb.initialState) {
    const int64_t N = pb.sequences();
    h.stateIn = f32Uniform({N, H, K, V}, 4, 1.0);
    h.initial[h.stateName] = h.stateIn;
    if (mlstm) {
      h.normIn = f32Uniform({N, H, K}, 6, 1.0);
      h.initial[h.normName] = h.normIn;
    }
    if (spec.linear.gate == LinearGate::MlstmExp) { // C = e^m C~, n = e^m n~
      h.maxIn = f32Uniform({N, H}, 7, kMaxStateRange);
      for (const std::string &name : {h.stateName, h.normName}) {
        reference::HostTensor &t = h.initial[name];
        const int64_t per = t.numel() / (N * H);
        for (int64_t x = 0; x < t.numel(); ++x)
          t.data[x] *= std::exp(h.maxIn.data[x / per]);
      }
    }
  }
  switch (spec.linear.gate) {
  case LinearGate::None:
    break;
  case LinearGate::PerToken:
    h.gate = normalGates({B, H, T}, seed + 5, 1.0);
    break;
  case LinearGate::PerChannel:
    h.gate = normalGates({B, H, T, K}, seed + 5, kChannelGateTemperature);
    break;
  case LinearGate::PerHead:
    h.gate = reference::HostTensor({H});
    for (int64_t x = 0; x < H; ++x)
      h.gate.data[x] = static_cast<float>(std::exp2(-kSlopeRange * double(x + 1) / double(H)));
    break;
  case LinearGate::MlstmSig:
  case LinearGate::MlstmExp:
    h.gate = normalValues({B, H, T}, seed + 5, kForgetBias, kForgetSpread);
    h.inputGate = normalValues({B, H, T}, seed + 8, 0.0,
                               spec.linear.gate == LinearGate::MlstmExp ? kExpInputSpread
                                                                        : kSigmoidInputSpread);
    h.inputs.extra[spec.linear.inputGateInput] = h.inputGate;
    break;
  }
  // Gates from files replace the drawn ones (the 64k-token strong-decay checks).
  for (const auto &[name, path] : pb.inputFiles) {
    reference::HostTensor *drawn = name.empty()                            ? nullptr
                                   : name == spec.linear.gateInput      ? &h.gate
                                   : name == spec.linear.inputGateInput ? &h.inputGate
                                   : name == spec.linear.betaInput      ? &h.beta
                                                                        : nullptr;
    if (drawn == nullptr)
      return Error{ErrorCode::InvalidArgument,
                   "--input " + name + ": kernel '" + ast.name + "' has no input of that name"};
    Expected<reference::HostTensor> read = readInputFile(name, path, drawn->shape, DType::F32);
    if (!read)
      return read.takeError();
    *drawn = read.takeValue();
    h.inputs.extra[name] = *drawn;
  }
  if (!spec.linear.gateInput.empty())
    h.inputs.extra[spec.linear.gateInput] = h.gate;
  return h;
}

/// Storage bytes of `t` ([B, H, T, inner...]) in `dtype`, in token-major order
/// ([B, T, H, inner...]) when asked; values were rounded beforehand, so encoding is exact.
std::vector<unsigned char> encode(const reference::HostTensor &t, DType dtype, bool tokenMajor) {
  const int size = runtime::dtypeSize(dtype);
  std::vector<unsigned char> bytes(t.data.size() * size);
  const bool permute = tokenMajor && t.shape.size() >= 3;
  const int64_t B = permute ? t.shape[0] : 1, H = permute ? t.shape[1] : 1,
                T = permute ? t.shape[2] : 1;
  const int64_t inner = permute ? t.numel() / (B * H * T) : 1;
  for (size_t x = 0; x < t.data.size(); ++x) {
    size_t dst = x;
    if (permute) {
      int64_t i = int64_t(x) % inner, r = int64_t(x) / inner;
      int64_t tt = r % T, hh = (r / T) % H, bb = r / (T * H);
      dst = size_t(((bb * T + tt) * H + hh) * inner + i);
    }
    const float f = static_cast<float>(t.data[x]);
    unsigned char *out = &bytes[dst * size];
    if (dtype == DType::F32) {
      std::memcpy(out, &f, 4);
    } else if (dtype == DType::BF16) {
      uint32_t u;
      std::memcpy(&u, &f, 4);
      const uint16_t b = static_cast<uint16_t>(u >> 16);
      std::memcpy(out, &b, 2);
    } else {
      const _Float16 h = static_cast<_Float16>(f);
      std::memcpy(out, &h, 2);
    }
  }
  return bytes;
}

double decode(const unsigned char *in, DType dtype) {
  if (dtype == DType::F32) {
    float f;
    std::memcpy(&f, in, 4);
    return f;
  }
  if (dtype == DType::BF16) {
    uint16_t b;
    std::memcpy(&b, in, 2);
    const uint32_t u = uint32_t(b) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  _Float16 h;
  std::memcpy(&h, in, 2);
  return static_cast<double>(h);
}

/// A device tensor and its [B, H, T, ...] view in the chosen layout.
struct DeviceTensor {
  DeviceBuffer buffer;
  TensorDesc desc;
};

Expected<DeviceTensor> upload(runtime::Runtime &rt, const std::vector<int64_t> &shape,
                              const std::vector<unsigned char> &bytes, DType dtype,
                              bool tokenMajor) {
  Expected<DeviceBuffer> buffer = rt.allocate(std::max<size_t>(bytes.size(), 16));
  if (!buffer)
    return buffer.takeError();
  if (runtime::Status st = buffer->upload(bytes.data(), bytes.size()); !st)
    return st.takeError();
  DeviceTensor t{buffer.takeValue(), {}};
  t.desc.data = t.buffer.data();
  t.desc.dtype = dtype;
  t.desc.rank = static_cast<int>(shape.size());
  int64_t stride = 1;
  for (int d = t.desc.rank - 1; d >= 0; --d) {
    t.desc.shape[d] = shape[d];
    t.desc.strides[d] = stride;
    stride *= shape[d];
  }
  if (tokenMajor && shape.size() >= 3) { // storage [B, T, H, inner]: swap H and T strides
    const int64_t inner = t.desc.rank == 4 ? shape[3] : 1;
    t.desc.strides[1] = inner;
    t.desc.strides[2] = shape[1] * inner;
  }
  return t;
}

Expected<DeviceTensor> poisoned(runtime::Runtime &rt, const std::vector<int64_t> &shape,
                                DType dtype, bool tokenMajor) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  std::vector<unsigned char> bytes(size_t(n) * runtime::dtypeSize(dtype), kPoisonByte);
  return upload(rt, shape, bytes, dtype, tokenMajor);
}

/// Everything one launch reads and writes on the device.
struct LinearDevice {
  DeviceTensor q, k, v, o, gate, inputGate, beta, stateIn, stateOut, normIn, normOut, maxIn,
      maxOut, cuSeqlens;
  DeviceBuffer workspace;
  std::vector<runtime::NamedTensor> inputs;
  runtime::LinearLaunchArgs args;
};

/// Cumulative offsets of the packed sequences (empty for a padded batch).
std::vector<int> offsetsOf(const LinearProblem &pb) {
  std::vector<int> cu;
  if (pb.packedLengths.empty())
    return cu;
  cu.push_back(0);
  for (int len : pb.packedLengths)
    cu.push_back(cu.back() + len);
  return cu;
}

Expected<LinearDevice> uploadAll(runtime::Runtime &rt, const runtime::KernelSpec &spec,
                                 const LinearHost &h, const LinearProblem &pb) {
  LinearDevice d;
  const bool tm = pb.tokenMajor;
  const DType dt = spec.dtype;
  const int64_t B = pb.batch, H = pb.heads, T = pb.seqLen, K = spec.headDim, V = spec.headDimV;
  struct Item {
    DeviceTensor *dst;
    const reference::HostTensor *host;
    DType dtype;
  } items[] = {{&d.q, &h.inputs.q, dt}, {&d.k, &h.inputs.k, dt}, {&d.v, &h.inputs.v, dt}};
  for (const Item &it : items) {
    Expected<DeviceTensor> t =
        upload(rt, it.host->shape, encode(*it.host, it.dtype, tm), it.dtype, tm);
    if (!t)
      return t.takeError();
    *it.dst = t.takeValue();
  }
  Expected<DeviceTensor> o = poisoned(rt, {B, H, T, V}, dt, tm);
  Expected<DeviceTensor> s1 = poisoned(rt, {pb.sequences(), H, K, V}, DType::F32, false);
  if (!o || !s1)
    return !o ? o.takeError() : s1.takeError();
  d.o = o.takeValue();
  d.stateOut = s1.takeValue();
  const bool mlstm = spec.linear.isMlstm(), stabilised = spec.linear.gate == LinearGate::MlstmExp;
  const int64_t N = pb.sequences();
  for (auto [dst, shape, wanted] : {std::tuple(&d.normOut, std::vector<int64_t>{N, H, K}, mlstm),
                                    std::tuple(&d.maxOut, std::vector<int64_t>{N, H}, stabilised)}) {
    if (!wanted)
      continue;
    Expected<DeviceTensor> t = poisoned(rt, shape, DType::F32, false);
    if (!t)
      return t.takeError();
    *dst = t.takeValue();
  }
  for (auto [dst, host] : {std::pair(&d.stateIn, &h.stateIn), std::pair(&d.normIn, &h.normIn),
                           std::pair(&d.maxIn, &h.maxIn)}) {
    if (!pb.initialState || host->data.empty())
      continue;
    Expected<DeviceTensor> t =
        upload(rt, host->shape, encode(*host, DType::F32, false), DType::F32, false);
    if (!t)
      return t.takeError();
    *dst = t.takeValue();
  }
  for (auto [name, host, dst] : {std::tuple(&spec.linear.gateInput, &h.gate, &d.gate),
                                 std::tuple(&spec.linear.inputGateInput, &h.inputGate, &d.inputGate),
                                 std::tuple(&spec.linear.betaInput, &h.beta, &d.beta)}) {
    if (name->empty())
      continue;
    Expected<DeviceTensor> t =
        upload(rt, host->shape, encode(*host, DType::F32, tm), DType::F32, tm);
    if (!t)
      return t.takeError();
    *dst = t.takeValue();
    d.inputs.push_back({name->c_str(), dst->desc});
  }
  if (const std::vector<int> cu = offsetsOf(pb); !cu.empty()) {
    std::vector<unsigned char> bytes(cu.size() * sizeof(int));
    std::memcpy(bytes.data(), cu.data(), bytes.size());
    Expected<DeviceTensor> t = upload(rt, {int64_t(cu.size())}, bytes, DType::I32, false);
    if (!t)
      return t.takeError();
    d.cuSeqlens = t.takeValue();
  }
  return d;
}

/// Points the launch arguments at `d`'s tensors; call once `d` stays where it is.
void bindArgs(LinearDevice &d) {
  d.args.q = d.q.desc;
  d.args.k = d.k.desc;
  d.args.v = d.v.desc;
  d.args.o = d.o.desc;
  d.args.stateOut = &d.stateOut.desc;
  d.args.stateIn = d.stateIn.desc.data ? &d.stateIn.desc : nullptr;
  d.args.cuSeqlens = d.cuSeqlens.desc.data ? &d.cuSeqlens.desc : nullptr;
  d.args.normIn = d.normIn.desc.data ? &d.normIn.desc : nullptr;
  d.args.normOut = d.normOut.desc.data ? &d.normOut.desc : nullptr;
  d.args.maxIn = d.maxIn.desc.data ? &d.maxIn.desc : nullptr;
  d.args.maxOut = d.maxOut.desc.data ? &d.maxOut.desc : nullptr;
  d.args.inputs = d.inputs;
}

/// Allocates the workspace the kernel asks for on this problem (none on the one-kernel
/// path), as a runtime caller does once per problem shape.
runtime::Status attachWorkspace(runtime::Runtime &rt, const runtime::Kernel &kernel,
                                LinearDevice &d) {
  Expected<int64_t> bytes = kernel.linearWorkspaceBytes(d.args);
  if (!bytes)
    return bytes.takeError();
  if (*bytes == 0)
    return runtime::Status::success();
  Expected<DeviceBuffer> buffer = rt.allocate(size_t(*bytes));
  if (!buffer)
    return buffer.takeError();
  d.workspace = buffer.takeValue();
  d.args.workspace = d.workspace.data();
  d.args.workspaceCapacity = *bytes;
  return runtime::Status::success();
}

/// Downloads a contiguous f32 device tensor of `shape`.
Expected<reference::HostTensor> downloadFloats(const DeviceTensor &t, std::vector<int64_t> shape) {
  reference::HostTensor host(std::move(shape));
  std::vector<float> values(host.data.size());
  if (runtime::Status st = t.buffer.download(values.data(), values.size() * sizeof(float)); !st)
    return st.takeError();
  std::copy(values.begin(), values.end(), host.data.begin());
  return host;
}

/// Downloads a [B, H, T|K, V] device tensor into [B, H, ...] order through its strides.
Expected<reference::HostTensor> download(const DeviceTensor &t, const std::vector<int64_t> &shape) {
  reference::HostTensor host(shape);
  const int size = runtime::dtypeSize(t.desc.dtype);
  std::vector<unsigned char> bytes(host.data.size() * size);
  if (runtime::Status st = t.buffer.download(bytes.data(), bytes.size()); !st)
    return st.takeError();
  for (int64_t b = 0; b < shape[0]; ++b)
    for (int64_t hh = 0; hh < shape[1]; ++hh)
      for (int64_t r = 0; r < shape[2]; ++r)
        for (int64_t c = 0; c < shape[3]; ++c) {
          const int64_t off = b * t.desc.strides[0] + hh * t.desc.strides[1] +
                              r * t.desc.strides[2] + c * t.desc.strides[3];
          host.at({b, hh, r, c}) = decode(&bytes[size_t(off) * size], t.desc.dtype);
        }
  return host;
}

/// Replaces non-finite values by 0 and counts them.
int64_t scrub(reference::HostTensor &t) {
  int64_t bad = 0;
  for (double &x : t.data)
    if (!std::isfinite(x)) {
      ++bad;
      x = 0;
    }
  return bad;
}

} // namespace

LinearProblem LinearProblem::fromShape(const ProblemShape &shape) {
  LinearProblem p;
  p.batch = shape.batch;
  p.heads = shape.headsQ;
  p.seqLen = shape.seqQ;
  p.inputFiles = shape.inputFiles;
  return p;
}

LinearProblem LinearProblem::packed(int64_t heads, std::vector<int> lengths) {
  LinearProblem p;
  p.heads = heads;
  p.seqLen = 0;
  for (int len : lengths)
    p.seqLen += len;
  p.packedLengths = std::move(lengths);
  return p;
}

int64_t LinearProblem::sequences() const {
  return packedLengths.empty() ? batch : int64_t(packedLengths.size());
}

std::string LinearProblem::str() const {
  std::ostringstream os;
  if (!packedLengths.empty()) {
    os << "packed [";
    for (size_t i = 0; i < packedLengths.size(); ++i)
      os << (i ? "," : "") << packedLengths[i];
    os << "] ";
  }
  os << "B=" << batch << " H=" << heads << " T=" << seqLen
     << (tokenMajor ? " [B,T,H,D]" : " [B,H,T,D]") << (initialState ? " S0" : "");
  return os.str();
}

Expected<LinearCheckResult> checkLinear(runtime::Runtime &rt, const runtime::Kernel &kernel,
                                        const dsl::Kernel &ast, const LinearProblem &pb) {
  const runtime::KernelSpec &spec = kernel.spec();
  if (spec.family != runtime::KernelFamily::Linear)
    return Error{ErrorCode::InvalidArgument, "checkLinear needs a linear-family kernel"};
  Expected<LinearHost> host = makeHost(spec, ast, pb);
  if (!host)
    return host.takeError();
  Expected<LinearDevice> dev = uploadAll(rt, spec, *host, pb);
  if (!dev)
    return dev.takeError();
  bindArgs(*dev);
  if (runtime::Status st = attachWorkspace(rt, kernel, *dev); !st)
    return st.takeError();
  if (runtime::Status st = kernel.launchLinear(dev->args, nullptr); !st)
    return st.takeError();
  if (runtime::Status st = rt.synchronize(); !st)
    return st.takeError();

  LinearReferenceResult ref;
  try {
    ref = linearReference(ast, host->inputs, pb.initialState ? &host->initial : nullptr,
                          offsetsOf(pb));
  } catch (const reference::ReferenceError &e) {
    return Error{ErrorCode::InvalidArgument, std::string("reference: ") + e.what()};
  }
  const reference::HostTensor &refState = ref.finalStates.at(host->stateName);
  Expected<reference::HostTensor> o = download(dev->o, ref.o.shape);
  Expected<reference::HostTensor> s = download(dev->stateOut, refState.shape);
  if (!o || !s)
    return !o ? o.takeError() : s.takeError();
  LinearCheckResult r;
  r.tolerance = spec.dtype == DType::BF16 ? kToleranceBF16 : kToleranceF16;
  r.nonFinite = scrub(*o) + scrub(*s);
  r.elements = o->numel();
  r.relError = reference::relativeError(*o, ref.o);
  r.maxAbsError = reference::maxAbsDiff(*o, ref.o);
  if (!spec.linear.isMlstm()) {
    r.stateRelError = reference::relativeError(*s, refState);
    return r;
  }
  const int64_t N = pb.sequences(), H = pb.heads;
  Expected<reference::HostTensor> n = downloadFloats(dev->normOut, {N, H, spec.headDim});
  if (!n)
    return n.takeError();
  r.nonFinite += scrub(*n);
  if (spec.linear.gate == LinearGate::MlstmExp) { // back to C and n from C e^-m, n e^-m
    Expected<reference::HostTensor> m = downloadFloats(dev->maxOut, {N, H});
    if (!m)
      return m.takeError();
    r.nonFinite += scrub(*m);
    for (reference::HostTensor *t : {&*s, &*n}) {
      const int64_t per = t->numel() / (N * H);
      for (int64_t x = 0; x < t->numel(); ++x)
        t->data[x] *= std::exp(m->data[x / per]);
    }
  }
  r.stateRelError = std::max(reference::relativeError(*s, refState),
                             reference::relativeError(*n, ref.finalStates.at(host->normName)));
  return r;
}

Expected<BenchResult> benchLinear(runtime::Runtime &rt, const runtime::Kernel &kernel,
                                  const dsl::Kernel &ast, const LinearProblem &pb, int warmup,
                                  int iterations) {
  const runtime::KernelSpec &spec = kernel.spec();
  if (iterations <= 0)
    return Error{ErrorCode::InvalidArgument, "benchLinear needs iterations"};
  const int64_t setBytes = runtime::dtypeSize(spec.dtype) * pb.batch * pb.heads * pb.seqLen *
                           (2 * spec.headDim + 2 * spec.headDimV);
  const int sets = static_cast<int>(std::clamp<int64_t>(
      3 * int64_t(rt.device().l2CacheBytes) / std::max<int64_t>(setBytes, 1) + 1, 1,
      kMaxInputSets));
  std::vector<LinearDevice> devices;
  devices.reserve(sets); // bindArgs points into the elements
  for (int s = 0; s < sets; ++s) {
    LinearProblem p = pb;
    p.seed = kBenchSeed + s;
    Expected<LinearHost> host = makeHost(spec, ast, p);
    if (!host)
      return host.takeError();
    Expected<LinearDevice> dev = uploadAll(rt, spec, *host, p);
    if (!dev)
      return dev.takeError();
    devices.push_back(dev.takeValue());
    bindArgs(devices.back());
    if (runtime::Status st = attachWorkspace(rt, kernel, devices.back()); !st)
      return st.takeError();
  }
  return timeLaunches(
      rt.driver(), [&](int i) { return kernel.launchLinear(devices[i % sets].args, nullptr); },
      warmup, iterations, sets);
}

} // namespace attnc
