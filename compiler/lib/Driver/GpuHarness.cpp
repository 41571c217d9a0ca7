//===- GpuHarness.cpp - Check and time a generated kernel on the GPU -------===//
//
// Host inputs are drawn in float64 (q, k, v with unit variance; float inputs uniform in
// [0, 1); int inputs as non-decreasing segment ids along their last dim, the shape of
// packed-document ids), rounded to the storage format, and uploaded bit-exactly. The
// reference receives the same rounded values, so the error measured is the kernel's.
//
//===----------------------------------------------------------------------===//
#include "attnc/Driver/GpuHarness.h"

#include "attnc/Reference/HostTensor.h"
#include "attnc/Reference/Reference.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

namespace attnc {

using runtime::DeviceBuffer;
using runtime::DType;
using runtime::Error;
using runtime::ErrorCode;
using runtime::Expected;
using runtime::TensorDesc;

namespace {

constexpr double kUnitVarianceBound = 1.7320508075688772; // sqrt(3): U(-b, b) has variance 1
constexpr double kToleranceBF16 = 1e-2;
constexpr double kToleranceF16 = 2e-3;
constexpr uint8_t kPoisonByte = 0xFF; // all-ones: NaN in bf16, fp16 and f32
constexpr int kMaxInputSets = 16;
constexpr uint64_t kBenchSeed = 1000; // input sets of a benchmark use seeds 1000, 1001, ...

uint16_t bf16Bits(double x) {
  float f = static_cast<float>(x); // exact: x is already a bf16 value
  uint32_t u;
  std::memcpy(&u, &f, sizeof(u));
  return static_cast<uint16_t>(u >> 16);
}

uint16_t f16Bits(double x) {
  // x is exactly representable in fp16 (rounded beforehand): build the bits directly.
  uint16_t sign = std::signbit(x) ? 0x8000 : 0;
  double a = std::fabs(x);
  if (std::isnan(a)) return 0x7e00;
  if (std::isinf(a)) return sign | 0x7c00;
  if (a == 0) return sign;
  int e;
  double m = std::frexp(a, &e); // a = m * 2^e, m in [0.5, 1)
  int exponent = e - 1 + 15;
  if (exponent <= 0) // subnormal: a = frac * 2^-24
    return sign | static_cast<uint16_t>(std::lround(a * 16777216.0));
  uint16_t frac = static_cast<uint16_t>(std::lround((m * 2 - 1) * 1024));
  return sign | static_cast<uint16_t>(exponent << 10) | frac;
}

double fromBits(uint16_t bits, bool bf16) {
  if (bf16) {
    uint32_t u = static_cast<uint32_t>(bits) << 16;
    float f;
    std::memcpy(&f, &u, sizeof(f));
    return f;
  }
  int exponent = (bits >> 10) & 0x1f, frac = bits & 0x3ff;
  double sign = (bits & 0x8000) ? -1.0 : 1.0;
  if (exponent == 0x1f) return frac ? NAN : sign * INFINITY;
  if (exponent == 0) return sign * frac * std::ldexp(1.0, -24);
  return sign * (1 + frac / 1024.0) * std::ldexp(1.0, exponent - 15);
}

/// Non-decreasing ids along the last dim, segments of random length (packed documents).
reference::HostTensor segmentIds(std::vector<int64_t> shape, uint64_t seed) {
  reference::HostTensor t(shape);
  int64_t len = shape.back(), rows = t.numel() / len;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> segment(1, std::max<int64_t>(1, len / 3));
  for (int64_t r = 0; r < rows; ++r) {
    int64_t id = 0, left = segment(rng);
    for (int64_t x = 0; x < len; ++x, --left) {
      if (left == 0) { ++id; left = segment(rng); }
      t.data[r * len + x] = static_cast<double>(id);
    }
  }
  return t;
}

/// A device copy of a host tensor and the descriptor a launch takes.
struct DeviceTensor {
  std::vector<int64_t> shape;
  DeviceBuffer buffer;
  TensorDesc desc;
};

/// The storage bytes of `host` in `dtype` (bit-exact: values were rounded beforehand).
std::vector<unsigned char> encode(const reference::HostTensor &host, DType dtype) {
  size_t n = host.data.size();
  std::vector<unsigned char> bytes(n * runtime::dtypeSize(dtype));
  for (size_t x = 0; x < n; ++x) {
    double v = host.data[x];
    switch (dtype) {
    case DType::BF16: { uint16_t b = bf16Bits(v); std::memcpy(&bytes[2 * x], &b, 2); break; }
    case DType::F16: { uint16_t b = f16Bits(v); std::memcpy(&bytes[2 * x], &b, 2); break; }
    case DType::F32: { float f = static_cast<float>(v); std::memcpy(&bytes[4 * x], &f, 4); break; }
    default: { int32_t i = static_cast<int32_t>(v); std::memcpy(&bytes[4 * x], &i, 4); break; }
    }
  }
  return bytes;
}

/// A dense row-major descriptor of `buffer` viewed as `shape` of `dtype`.
DeviceTensor describe(std::vector<int64_t> shape, DeviceBuffer buffer, DType dtype) {
  DeviceTensor t{std::move(shape), std::move(buffer), {}};
  t.desc.data = t.buffer.data();
  t.desc.dtype = dtype;
  t.desc.rank = static_cast<int>(t.shape.size());
  int64_t stride = 1;
  for (int d = t.desc.rank - 1; d >= 0; --d) {
    t.desc.shape[d] = t.shape[d];
    t.desc.strides[d] = stride;
    stride *= t.shape[d];
  }
  return t;
}

Expected<DeviceTensor> upload(runtime::Runtime &rt, const std::vector<int64_t> &shape,
                              const std::vector<unsigned char> &bytes, DType dtype) {
  Expected<DeviceBuffer> buffer = rt.allocate(std::max<size_t>(bytes.size(), 16));
  if (!buffer)
    return buffer.takeError();
  if (runtime::Status st = buffer->upload(bytes.data(), bytes.size()); !st)
    return st.takeError();
  return describe(shape, buffer.takeValue(), dtype);
}

/// Every tensor of one workload on the device: q, k, v, then the extra inputs in
/// declaration order.
struct Problem {
  std::vector<DeviceTensor> tensors;
  std::vector<std::string> extraNames;
};

Expected<Problem> uploadWorkload(runtime::Runtime &rt, const SoftmaxWorkload &w) {
  Problem p;
  const reference::HostTensor *qkv[] = {&w.inputs.q, &w.inputs.k, &w.inputs.v};
  for (size_t x = 0; x < w.storage.size(); ++x) {
    bool extra = x >= 3;
    const reference::HostTensor &host = extra ? w.inputs.extra.at(w.extraNames[x - 3]) : *qkv[x];
    Expected<DeviceTensor> d =
        upload(rt, host.shape, w.storage[x], extra ? w.extraTypes[x - 3] : w.dtype);
    if (!d)
      return d.takeError();
    p.tensors.push_back(d.takeValue());
    if (extra)
      p.extraNames.push_back(w.extraNames[x - 3]);
  }
  return p;
}

/// The launch arguments of `problem` writing to `o` (and `lse` when given).
struct LaunchStorage {
  std::vector<runtime::NamedTensor> inputs;
  std::vector<runtime::ParamValue> params;
  std::vector<std::string> paramNames;
  runtime::LaunchArgs args;
};

void fillLaunch(LaunchStorage &ls, const Problem &p, const runtime::KernelSpec &spec,
                const ProblemShape &shape, const TensorDesc &o, const TensorDesc *lse,
                DeviceBuffer *blockMap) {
  ls.args.q = p.tensors[0].desc;
  ls.args.k = p.tensors[1].desc;
  ls.args.v = p.tensors[2].desc;
  ls.args.o = o;
  ls.args.lse = lse;
  ls.inputs.clear();
  for (size_t x = 0; x < p.extraNames.size(); ++x)
    ls.inputs.push_back({p.extraNames[x].c_str(), p.tensors[3 + x].desc});
  ls.paramNames.clear();
  for (const auto &[name, value] : shape.params)
    ls.paramNames.push_back(name);
  ls.params.clear();
  for (const std::string &name : ls.paramNames) {
    bool isFloat = false;
    for (const runtime::ParamSlot &s : spec.params)
      if (s.name == name) isFloat = s.isFloat;
    double v = shape.params.at(name);
    ls.params.push_back(isFloat ? runtime::ParamValue::real(name.c_str(), v)
                                : runtime::ParamValue::integer(name.c_str(),
                                                               static_cast<int64_t>(v)));
  }
  ls.args.inputs = ls.inputs;
  ls.args.params = ls.params;
  if (blockMap) {
    ls.args.blockMap = blockMap->data();
    ls.args.blockMapCapacity = static_cast<int64_t>(blockMap->size());
  }
}

/// The block-map workspace a data-dependent mask needs (an empty buffer otherwise).
Expected<DeviceBuffer> blockMapWorkspace(runtime::Runtime &rt, const runtime::KernelSpec &spec,
                                         const ProblemShape &shape) {
  int64_t bytes = runtime::blockMapBytes(spec, shape.batch, shape.headsQ, shape.seqQ, shape.seqK);
  if (bytes == 0)
    return DeviceBuffer();
  return rt.allocate(static_cast<size_t>(bytes));
}

Expected<DeviceTensor> outputTensor(runtime::Runtime &rt, std::vector<int64_t> shape,
                                    DType dtype) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  Expected<DeviceBuffer> buffer =
      rt.allocate(std::max<size_t>(static_cast<size_t>(n) * runtime::dtypeSize(dtype), 16));
  if (!buffer)
    return buffer.takeError();
  if (runtime::Status st = buffer->fill(kPoisonByte); !st)
    return st.takeError();
  return describe(std::move(shape), buffer.takeValue(), dtype);
}

} // namespace

Expected<reference::HostTensor> readInputFile(const std::string &name, const std::string &path,
                                              std::vector<int64_t> shape, DType dtype) {
  reference::HostTensor t(std::move(shape));
  const size_t elementBytes = static_cast<size_t>(runtime::dtypeSize(dtype));
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in)
    return Error{ErrorCode::InvalidArgument,
                 "input '" + name + "': cannot open '" + path + "'"};
  const size_t want = t.data.size() * elementBytes;
  const size_t have = static_cast<size_t>(in.tellg());
  if (have != want)
    return Error{ErrorCode::InvalidArgument,
                 "input '" + name + "': '" + path + "' holds " + std::to_string(have) +
                     " bytes; shape " + t.shapeStr() + " of " + runtime::dtypeName(dtype) +
                     " needs " + std::to_string(want)};
  std::vector<char> bytes(want);
  in.seekg(0);
  in.read(bytes.data(), static_cast<std::streamsize>(want));
  for (size_t x = 0; x < t.data.size(); ++x) {
    const char *e = bytes.data() + x * elementBytes;
    if (dtype == DType::I32) { int32_t v; std::memcpy(&v, e, 4); t.data[x] = v; }
    else if (dtype == DType::F32) { float v; std::memcpy(&v, e, 4); t.data[x] = v; }
    else { uint16_t v; std::memcpy(&v, e, 2); t.data[x] = fromBits(v, dtype == DType::BF16); }
  }
  return t;
}

std::string ProblemShape::str() const {
  std::ostringstream os;
  os << "B=" << batch << " Hq=" << headsQ << " Hkv=" << headsKv << " N=" << seqQ
     << " M=" << seqK;
  for (const auto &[k, v] : dims)
    os << " " << k << "=" << v;
  for (const auto &[k, v] : params)
    os << " " << k << "=" << v;
  return os.str();
}

std::optional<ProblemShape> parseShape(const std::string &text, std::string *error) {
  ProblemShape s;
  std::string norm = text;
  std::replace(norm.begin(), norm.end(), ',', ' ');
  std::istringstream in(norm);
  std::string item;
  bool hasM = false, hasHkv = false;
  while (in >> item) {
    size_t eq = item.find('=');
    int64_t v = 0;
    try {
      size_t used = 0;
      if (eq == std::string::npos || eq == 0)
        throw std::invalid_argument("no =");
      v = std::stoll(item.substr(eq + 1), &used);
      if (used != item.size() - eq - 1 || v <= 0)
        throw std::invalid_argument("not a positive integer");
    } catch (const std::exception &) {
      *error = "expected NAME=POSITIVE_INTEGER in the shape, got '" + item + "'";
      return std::nullopt;
    }
    std::string name = item.substr(0, eq);
    if (name == "B") s.batch = v;
    else if (name == "H") { s.headsQ = v; s.headsKv = v; hasHkv = true; }
    else if (name == "Hq") s.headsQ = v;
    else if (name == "Hkv") { s.headsKv = v; hasHkv = true; }
    else if (name == "N") s.seqQ = v;
    else if (name == "M") { s.seqK = v; hasM = true; }
    else s.dims[name] = v;
  }
  if (!hasM) s.seqK = s.seqQ;
  if (!hasHkv) s.headsKv = s.headsQ;
  return s;
}

Expected<SoftmaxWorkload> makeWorkload(const dsl::Kernel &ast, const ProblemShape &shape,
                                       int headDim, DType dtype, uint64_t seed,
                                       bool withReference) {
  if (!ast.q || !ast.k || !ast.v)
    return Error{ErrorCode::InvalidArgument, "kernel has no q/k/v declarations"};
  const int64_t D = headDim;
  std::map<std::string, int64_t> sizes = shape.dims;
  auto bind = [&](const dsl::Dim &d, int64_t v) {
    if (!d.isLiteral()) sizes[d.symbol] = v;
  };
  bind(ast.q->dims[0], shape.batch);
  bind(ast.q->dims[1], shape.headsQ);
  bind(ast.q->dims[2], shape.seqQ);
  bind(ast.q->dims[3], D);
  bind(ast.k->dims[1], shape.headsKv);
  bind(ast.k->dims[2], shape.seqK);
  bind(ast.v->dims[3], D);

  const reference::StorageFormat fmt =
      dtype == DType::BF16 ? reference::StorageFormat::BF16 : reference::StorageFormat::F16;
  auto operand = [&](std::vector<int64_t> s, uint64_t salt) {
    return reference::roundedTo(
        reference::randomUniform(std::move(s), seed * 1000003 + salt, -kUnitVarianceBound,
                                 kUnitVarianceBound),
        fmt);
  };
  SoftmaxWorkload p;
  p.shape = shape;
  p.headDim = headDim;
  p.dtype = dtype;
  p.bindings.params = shape.params;
  p.inputs.q = operand({shape.batch, shape.headsQ, shape.seqQ, D}, 1);
  p.inputs.k = operand({shape.batch, shape.headsKv, shape.seqK, D}, 2);
  p.inputs.v = operand({shape.batch, shape.headsKv, shape.seqK, D}, 3);
  for (const auto &[name, path] : shape.inputFiles)
    if (!ast.findInput(name))
      return Error{ErrorCode::InvalidArgument,
                   "--input " + name + ": kernel '" + ast.name + "' has no input of that name"};
  uint64_t salt = 10;
  for (const dsl::InputDecl &in : ast.inputs) {
    std::vector<int64_t> s;
    for (const dsl::Dim &d : in.dims) {
      if (d.isLiteral()) { s.push_back(d.value); continue; }
      auto it = sizes.find(d.symbol);
      if (it == sizes.end())
        return Error{ErrorCode::InvalidArgument,
                     "input '" + in.name + "': dim '" + d.symbol +
                         "' has no size; give one in the shape, e.g. " + d.symbol + "=64"};
      s.push_back(it->second);
    }
    reference::HostTensor host;
    DType inType = DType::F32;
    switch (in.type) {
    case dsl::ElementType::I32: host = segmentIds(s, seed + salt); inType = DType::I32; break;
    case dsl::ElementType::F32: host = reference::randomUniform(s, seed + salt, 0.0, 1.0); break;
    case dsl::ElementType::BF16:
      host = reference::roundedTo(reference::randomUniform(s, seed + salt, 0.0, 1.0),
                                  reference::StorageFormat::BF16);
      inType = DType::BF16;
      break;
    case dsl::ElementType::F16:
      host = reference::roundedTo(reference::randomUniform(s, seed + salt, 0.0, 1.0),
                                  reference::StorageFormat::F16);
      inType = DType::F16;
      break;
    }
    ++salt;
    if (auto file = shape.inputFiles.find(in.name); file != shape.inputFiles.end()) {
      Expected<reference::HostTensor> read = readInputFile(in.name, file->second, s, inType);
      if (!read)
        return read.takeError();
      host = read.takeValue();
    }
    p.inputs.extra[in.name] = std::move(host);
    p.extraNames.push_back(in.name);
    p.extraTypes.push_back(inType);
  }
  for (const reference::HostTensor *t : {&p.inputs.q, &p.inputs.k, &p.inputs.v})
    p.storage.push_back(encode(*t, dtype));
  for (size_t x = 0; x < p.extraNames.size(); ++x)
    p.storage.push_back(encode(p.inputs.extra.at(p.extraNames[x]), p.extraTypes[x]));
  if (withReference) {
    try {
      p.expected = reference::referenceSoftmax(ast, p.inputs, p.bindings, &p.expectedLse);
    } catch (const reference::ReferenceError &e) {
      return Error{ErrorCode::InvalidArgument, std::string("reference: ") + e.what()};
    }
    p.hasReference = true;
  }
  return p;
}

Expected<CheckResult> checkSoftmax(runtime::Runtime &rt, const runtime::Kernel &kernel,
                                   const SoftmaxWorkload &w) {
  const runtime::KernelSpec &spec = kernel.spec();
  if (!w.hasReference)
    return Error{ErrorCode::Internal, "checkSoftmax needs a workload made with its reference"};
  if (w.headDim != spec.headDim || w.dtype != spec.dtype)
    return Error{ErrorCode::InvalidArgument,
                 "the workload's head dim or dtype differs from the kernel's"};
  const ProblemShape &shape = w.shape;
  Expected<Problem> problem = uploadWorkload(rt, w);
  if (!problem)
    return problem.takeError();
  Expected<DeviceTensor> o =
      outputTensor(rt, {shape.batch, shape.headsQ, shape.seqQ, spec.headDimV}, spec.dtype);
  Expected<DeviceTensor> lse = outputTensor(rt, {shape.batch, shape.headsQ, shape.seqQ}, DType::F32);
  if (!o) return o.takeError();
  if (!lse) return lse.takeError();
  Expected<DeviceBuffer> map = blockMapWorkspace(rt, spec, shape);
  if (!map)
    return map.takeError();
  LaunchStorage ls;
  fillLaunch(ls, *problem, spec, shape, o->desc, &lse->desc,
             spec.needsBlockMap() ? &*map : nullptr);
  if (runtime::Status st = kernel.launch(ls.args, nullptr); !st)
    return st.takeError();
  if (runtime::Status st = rt.synchronize(); !st)
    return st.takeError();

  const reference::HostTensor &ref = w.expected;
  const reference::HostTensor &refLse = w.expectedLse;
  std::vector<uint16_t> oBits(ref.data.size());
  std::vector<float> lseHost(refLse.data.size());
  if (runtime::Status st = o->buffer.download(oBits.data(), oBits.size() * 2); !st)
    return st.takeError();
  if (runtime::Status st = lse->buffer.download(lseHost.data(), lseHost.size() * 4); !st)
    return st.takeError();

  CheckResult r;
  r.tolerance = spec.dtype == DType::BF16 ? kToleranceBF16 : kToleranceF16;
  reference::HostTensor got(ref.shape);
  for (size_t x = 0; x < oBits.size(); ++x) {
    got.data[x] = fromBits(oBits[x], spec.dtype == DType::BF16);
    if (!std::isfinite(got.data[x])) {
      ++r.nonFinite;
      got.data[x] = 0;
    }
  }
  r.elements = static_cast<int64_t>(oBits.size());
  r.relError = reference::relativeError(got, ref);
  r.maxAbsError = reference::maxAbsDiff(got, ref);
  for (size_t x = 0; x < lseHost.size(); ++x) {
    double want = refLse.data[x], have = lseHost[x];
    if (std::isinf(want) && want < 0) {
      if (!(std::isinf(have) && have < 0)) r.lseMaxError = std::max(r.lseMaxError, 1.0);
    } else if (!std::isfinite(have)) {
      r.lseMaxError = INFINITY;
    } else {
      r.lseMaxError = std::max(r.lseMaxError, std::fabs(have - want));
    }
  }
  return r;
}

Expected<CheckResult> checkSoftmax(runtime::Runtime &rt, const runtime::Kernel &kernel,
                                   const dsl::Kernel &ast, const ProblemShape &shape,
                                   uint64_t seed) {
  const runtime::KernelSpec &spec = kernel.spec();
  Expected<SoftmaxWorkload> w = makeWorkload(ast, shape, spec.headDim, spec.dtype, seed, true);
  if (!w)
    return w.takeError();
  return checkSoftmax(rt, kernel, *w);
}

int benchInputSets(int headDim, const ProblemShape &shape, int64_t l2CacheBytes) {
  int64_t setBytes = 2 * static_cast<int64_t>(headDim) *
                     (2 * shape.batch * shape.headsQ * shape.seqQ +
                      2 * shape.batch * shape.headsKv * shape.seqK);
  return static_cast<int>(std::clamp<int64_t>(
      (3 * l2CacheBytes) / std::max<int64_t>(setBytes, 1) + 1, 1, kMaxInputSets));
}

Expected<BenchResult> benchSoftmax(runtime::Runtime &rt, const runtime::Kernel &kernel,
                                   const std::vector<SoftmaxWorkload> &workloads, int warmup,
                                   int iterations, bool reuseBlockMap) {
  const runtime::KernelSpec &spec = kernel.spec();
  if (workloads.empty() || iterations <= 0)
    return Error{ErrorCode::InvalidArgument, "benchSoftmax needs workloads and iterations"};
  const ProblemShape &shape = workloads.front().shape;
  const int sets = static_cast<int>(workloads.size());
  std::vector<Problem> problems;
  std::vector<DeviceTensor> outs;
  for (const SoftmaxWorkload &w : workloads) {
    Expected<Problem> p = uploadWorkload(rt, w);
    if (!p) return p.takeError();
    problems.push_back(p.takeValue());
    Expected<DeviceTensor> o =
        outputTensor(rt, {shape.batch, shape.headsQ, shape.seqQ, spec.headDimV}, spec.dtype);
    if (!o) return o.takeError();
    outs.push_back(o.takeValue());
  }
  // One map for all sets when each launch rebuilds it; one per set when they are reused.
  const bool reuse = reuseBlockMap && spec.needsBlockMap();
  std::vector<DeviceBuffer> maps;
  for (int s = 0; s < (reuse ? sets : 1); ++s) {
    Expected<DeviceBuffer> map = blockMapWorkspace(rt, spec, shape);
    if (!map)
      return map.takeError();
    maps.push_back(map.takeValue());
  }
  std::vector<LaunchStorage> launches(sets);
  for (int s = 0; s < sets; ++s)
    fillLaunch(launches[s], problems[s], spec, shape, outs[s].desc, nullptr,
               spec.needsBlockMap() ? &maps[reuse ? s : 0] : nullptr);
  if (reuse)
    for (LaunchStorage &l : launches) { // build each set's map once, then reuse it
      if (runtime::Status st = kernel.launch(l.args, nullptr); !st)
        return st.takeError();
      l.args.blockMapBuilt = true;
    }
  return timeLaunches(
      rt.driver(), [&](int i) { return kernel.launch(launches[i % sets].args, nullptr); }, warmup,
      iterations, sets);
}

Expected<std::vector<SoftmaxWorkload>> makeBenchWorkloads(const dsl::Kernel &ast,
                                                          const ProblemShape &shape, int headDim,
                                                          DType dtype, int64_t l2CacheBytes) {
  std::vector<SoftmaxWorkload> sets;
  int count = benchInputSets(headDim, shape, l2CacheBytes);
  for (int s = 0; s < count; ++s) {
    Expected<SoftmaxWorkload> w = makeWorkload(ast, shape, headDim, dtype, kBenchSeed + s, false);
    if (!w)
      return w.takeError();
    sets.push_back(w.takeValue());
  }
  return sets;
}

Expected<BenchResult> benchSoftmax(runtime::Runtime &rt, const runtime::Kernel &kernel,
                                   const dsl::Kernel &ast, const ProblemShape &shape,
                                   int warmup, int iterations, bool reuseBlockMap) {
  const runtime::KernelSpec &spec = kernel.spec();
  Expected<std::vector<SoftmaxWorkload>> sets =
      makeBenchWorkloads(ast, shape, spec.headDim, spec.dtype, rt.device().l2CacheBytes);
  if (!sets)
    return sets.takeError();
  return benchSoftmax(rt, kernel, *sets, warmup, iterations, reuseBlockMap);
}

} // namespace attnc
