//===- LaunchArgs.cpp - Argument validation and AttncSoftmaxParams filling -------===//
//
// Checks run in the order a user would fix them: each tensor on its own (pointer, dtype,
// rank, strides, alignment), then shapes against each other and the kernel, then extra
// inputs, then params. The success path builds no strings and allocates nothing.
//
//===----------------------------------------------------------------------===//
#include "attnc/Runtime/LaunchArgs.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <cstring>

namespace attnc::runtime {

namespace {

constexpr float kLog2e = 1.4426950408889634f;
constexpr int64_t kMaxGridYZ = 65535;
/// PrefillSm90.cuh walks persistent tiles with int indices (tile + gridDim.x must not wrap).
constexpr int64_t kMaxPersistentTiles = INT_MAX / 2;

Error argError(const std::string &message) {
  return makeError(ErrorCode::InvalidArgument, message);
}

std::string shapeString(const TensorDesc &t) {
  std::string s = "[";
  for (int d = 0; d < t.rank && d < 4; ++d)
    s += (d ? ", " : "") + std::to_string(t.shape[d]);
  return s + "]";
}

std::string layoutOf(const InputSlot &in) {
  std::string layout = "[";
  for (size_t d = 0; d < in.dims.size(); ++d)
    layout += (d ? ", " : "") + in.dims[d];
  return layout + "]";
}

/// Checks one tensor on its own. `layout` names the expected dims, e.g. "[B, Hq, N, D]"
/// (for an extra input, `input` names them and `layout` is null). With `vectorBytes` > 0 the
/// pointer and every non-innermost stride must be multiples of it and the innermost dim contiguous;
/// otherwise only element alignment is required.
Status checkTensor(const char *name, const TensorDesc &t, DType dtype, int rank,
                   const char *layoutText, const InputSlot *input, int vectorBytes) {
  auto n = [&] { return std::string(name); };
  auto layout = [&] { return input ? layoutOf(*input) : std::string(layoutText); };
  if (!t.data)
    return argError(n() + ": null data pointer");
  if (t.dtype != dtype)
    return argError(n() + ": expected " + dtypeName(dtype) + ", got " + dtypeName(t.dtype));
  if (t.rank != rank)
    return argError(n() + ": expected rank " + std::to_string(rank) + " " + layout() +
                    ", got rank " + std::to_string(t.rank));
  for (int d = 0; d < rank; ++d) {
    if (t.shape[d] <= 0 || t.shape[d] > INT_MAX)
      return argError(n() + ": dimension " + std::to_string(d) + " of " + layout() +
                      " must be in [1, 2^31), got " + std::to_string(t.shape[d]));
    if (t.strides[d] < 0)
      return argError(n() + ": stride of dimension " + std::to_string(d) +
                      " must be non-negative, got " + std::to_string(t.strides[d]));
  }
  int elem = dtypeSize(dtype);
  int align = vectorBytes > 0 ? vectorBytes : elem;
  if (reinterpret_cast<uintptr_t>(t.data) % uintptr_t(align) != 0)
    return argError(n() + ": pointer not " + std::to_string(align) + "-byte aligned");
  if (vectorBytes <= 0)
    return Status::success();
  if (t.strides[rank - 1] != 1)
    return argError(n() + ": last dimension must be contiguous (stride 1), got " +
                    std::to_string(t.strides[rank - 1]));
  for (int d = 0; d < rank - 1; ++d)
    if ((t.strides[d] * elem) % vectorBytes != 0)
      return argError(n() + ": stride of dimension " + std::to_string(d) + " is " +
                      std::to_string(t.strides[d]) + " elements (" +
                      std::to_string(t.strides[d] * elem) + " bytes), not a multiple of " +
                      std::to_string(vectorBytes) + " bytes");
  return Status::success();
}

AttncTensorArg tensorArg(const TensorDesc &t) {
  AttncTensorArg a;
  a.ptr = t.data;
  for (int d = 0; d < ATTNC_MAX_RANK; ++d) {
    a.stride[d] = d < t.rank ? t.strides[d] : 0;
    a.size[d] = d < t.rank ? t.shape[d] : 1;
  }
  return a;
}

/// The problem's sizes, bound from q/k/v.
struct Dims {
  int64_t B, Hq, Hkv, N, M, D, Dv;
  bool lookup(const std::string &name, int64_t &value) const {
    const std::pair<const char *, int64_t> table[] = {{"B", B}, {"Hq", Hq}, {"Hkv", Hkv}, {"N", N},
                                                      {"M", M}, {"D", D},   {"Dv", Dv}};
    for (const auto &[n, v] : table)
      if (name == n) {
        value = v;
        return true;
      }
    return false;
  }
};

Status checkMainTensors(const KernelSpec &spec, const LaunchArgs &a, Dims &dims) {
  int vb = spec.vectorBytes;
  if (Status st = checkTensor("q", a.q, spec.dtype, 4, "[B, Hq, N, D]", nullptr, vb); !st)
    return st;
  if (Status st = checkTensor("k", a.k, spec.dtype, 4, "[B, Hkv, M, D]", nullptr, vb); !st)
    return st;
  if (Status st = checkTensor("v", a.v, spec.dtype, 4, "[B, Hkv, M, Dv]", nullptr, vb); !st)
    return st;
  if (Status st = checkTensor("o", a.o, spec.dtype, 4, "[B, Hq, N, Dv]", nullptr, vb); !st)
    return st;
  dims = {a.q.shape[0], a.q.shape[1], a.k.shape[1], a.q.shape[2],
          a.k.shape[2], a.q.shape[3], a.v.shape[3]};
  auto headDimError = [](const char *t, int64_t got, const char *sym, int want) {
    return argError(std::string(t) + ": head dim " + std::to_string(got) +
                    " does not match the kernel's " + sym + "=" + std::to_string(want));
  };
  if (dims.D != spec.headDim)
    return headDimError("q", dims.D, "D", spec.headDim);
  if (a.k.shape[3] != spec.headDim)
    return headDimError("k", a.k.shape[3], "D", spec.headDim);
  if (dims.Dv != spec.headDimV)
    return headDimError("v", dims.Dv, "Dv", spec.headDimV);
  if (a.k.shape[0] != dims.B)
    return argError("k: batch " + std::to_string(a.k.shape[0]) + " does not match q's batch " +
                    std::to_string(dims.B));
  if (a.v.shape[0] != a.k.shape[0] || a.v.shape[1] != a.k.shape[1] || a.v.shape[2] != a.k.shape[2])
    return argError("v: shape " + shapeString(a.v) + " does not match k's " + shapeString(a.k) +
                    " in [B, Hkv, M]");
  if (dims.Hq % dims.Hkv != 0)
    return argError("Hq=" + std::to_string(dims.Hq) +
                    " is not a multiple of Hkv=" + std::to_string(dims.Hkv));
  if (a.o.shape[0] != dims.B || a.o.shape[1] != dims.Hq || a.o.shape[2] != dims.N ||
      a.o.shape[3] != dims.Dv)
    return argError("o: shape " + shapeString(a.o) + " does not match [B, Hq, N, Dv] = [" +
                    std::to_string(dims.B) + ", " + std::to_string(dims.Hq) + ", " +
                    std::to_string(dims.N) + ", " + std::to_string(dims.Dv) + "]");
  if (!spec.writesLse && a.lse)
    return argError("lse: the kernel does not write lse; pass none");
  if (a.lse) {
    if (Status st = checkTensor("lse", *a.lse, DType::F32, 3, "[B, Hq, N]", nullptr, 0); !st)
      return st;
    if (a.lse->shape[0] != dims.B || a.lse->shape[1] != dims.Hq || a.lse->shape[2] != dims.N)
      return argError("lse: shape " + shapeString(*a.lse) + " does not match [B, Hq, N]");
  }
  return Status::success();
}

/// Binds user dim symbols (values indexed like spec.dimSymbols) from the input shapes.
Status checkInputs(const KernelSpec &spec, const LaunchArgs &a, const Dims &dims,
                   AttncSoftmaxParams &p) {
  const NamedTensor *bySlot[ATTNC_MAX_INPUTS] = {};
  for (const NamedTensor &given : a.inputs) {
    if (!given.name)
      return argError("an extra input has no name");
    size_t slot = 0;
    while (slot < spec.inputs.size() && spec.inputs[slot].name != given.name)
      ++slot;
    if (slot == spec.inputs.size()) {
      std::string known;
      for (const InputSlot &in : spec.inputs)
        known += (known.empty() ? "" : ", ") + in.name;
      return argError(
          "unknown input '" + std::string(given.name) + "' (" +
          (known.empty() ? "the kernel takes no extra inputs" : "the kernel's inputs: " + known) +
          ")");
    }
    if (bySlot[slot])
      return argError("input '" + std::string(given.name) + "' given twice");
    bySlot[slot] = &given;
  }
  int64_t symbolValues[ATTNC_MAX_PARAMS];
  bool symbolBound[ATTNC_MAX_PARAMS] = {};
  for (size_t slot = 0; slot < spec.inputs.size(); ++slot) {
    const InputSlot &in = spec.inputs[slot];
    if (!bySlot[slot])
      return argError("missing input '" + in.name + "' (" + dtypeName(in.dtype) + layoutOf(in) +
                      ")");
    const TensorDesc &t = bySlot[slot]->tensor;
    if (Status st = checkTensor(in.name.c_str(), t, in.dtype, int(in.dims.size()), nullptr, &in, 0);
        !st)
      return st;
    for (size_t d = 0; d < in.dims.size(); ++d) {
      const std::string &sym = in.dims[d];
      int64_t want;
      bool known = dims.lookup(sym, want);
      bool literal = !known && std::isdigit(static_cast<unsigned char>(sym[0]));
      if (literal) {
        want = std::stoll(sym);
        known = true;
      }
      size_t s = 0;
      while (!known && s < spec.dimSymbols.size() && spec.dimSymbols[s].name != sym)
        ++s;
      if (!known && s < spec.dimSymbols.size() && !symbolBound[s]) {
        symbolBound[s] = true;
        symbolValues[s] = t.shape[d];
        continue;
      }
      if (!known && s == spec.dimSymbols.size())
        return makeError(ErrorCode::Internal, "input '" + in.name + "' uses unknown dim '" + sym +
                                                  "' (the spec was not verified)");
      if (!known)
        want = symbolValues[s];
      if (t.shape[d] != want)
        return argError(in.name + ": dimension " + std::to_string(d) + " is " +
                        std::to_string(t.shape[d]) + " but " +
                        (literal ? "the kernel fixes it to " : sym + "=") + std::to_string(want) +
                        " (expected shape " + layoutOf(in) + ")");
    }
    p.inputs[slot] = tensorArg(t);
  }
  for (size_t s = 0; s < spec.dimSymbols.size(); ++s)
    p.iparams[spec.dimSymbols[s].slot] = symbolValues[s]; // verify(): every symbol is used
  return Status::success();
}

Status fillParams(const KernelSpec &spec, const LaunchArgs &a, AttncSoftmaxParams &p) {
  const ParamValue *bySlot[ATTNC_MAX_PARAMS * 2] = {};
  for (const ParamValue &given : a.params) {
    if (!given.name)
      return argError("a param has no name");
    size_t i = 0;
    while (i < spec.params.size() && spec.params[i].name != given.name)
      ++i;
    if (i == spec.params.size()) {
      std::string known;
      for (const ParamSlot &ps : spec.params)
        known += (known.empty() ? "" : ", ") + ps.name;
      return argError(
          "unknown param '" + std::string(given.name) + "' (" +
          (known.empty() ? "the kernel takes no params" : "the kernel's params: " + known) + ")");
    }
    if (bySlot[i])
      return argError("param '" + std::string(given.name) + "' given twice");
    bySlot[i] = &given;
  }
  for (size_t i = 0; i < spec.params.size(); ++i) {
    const ParamSlot &ps = spec.params[i];
    const ParamValue *v = bySlot[i];
    if (!v && !ps.hasDefault)
      return argError("missing param '" + ps.name + "' (it has no default)");
    if (ps.isFloat) {
      double value = !v ? ps.defaultValue : v->isFloat ? v->floatValue : double(v->intValue);
      if (!std::isfinite(value))
        return argError(ps.name + ": expected a finite float, got " + std::to_string(value));
      p.fparams[ps.slot] = float(value);
      continue;
    }
    if (v && v->isFloat &&
        (v->floatValue != std::floor(v->floatValue) || std::fabs(v->floatValue) > 9.0e15))
      return argError(ps.name + ": expected an integer, got " + std::to_string(v->floatValue));
    p.iparams[ps.slot] = !v           ? int64_t(ps.defaultValue)
                         : v->isFloat ? int64_t(v->floatValue)
                                      : v->intValue;
  }
  return Status::success();
}

Status computeGrid(const KernelSpec &spec, const Dims &dims, int numSplits,
                   int64_t residentCtas, LaunchConfig &c) {
  int64_t x = 1, y = dims.Hq, z = dims.B;
  switch (spec.grid) {
  case GridRule::QueryBlocksHeadsBatch:
    x = (dims.N + spec.blockM - 1) / spec.blockM;
    break;
  case GridRule::SplitsHeadsBatch:
    x = numSplits;
    break;
  case GridRule::SplitsKvHeadsBatch:
    x = numSplits;
    y = dims.Hkv;
    break;
  case GridRule::PersistentQueryBlocks: {
    const int64_t tiles = (dims.N + spec.blockM - 1) / spec.blockM * dims.Hq * dims.B;
    if (tiles > kMaxPersistentTiles)
      return argError(std::to_string(tiles) + " query blocks (ceil(N / " +
                      std::to_string(spec.blockM) + ") x Hq x B) exceed the persistent kernel's " +
                      "limit of " + std::to_string(kMaxPersistentTiles));
    x = residentCtas > 0 ? std::min(tiles, residentCtas) : tiles;
    y = z = 1;
    break;
  }
  }
  if (y > kMaxGridYZ)
    return argError("grid y = " + std::to_string(y) + " heads exceeds CUDA's limit of " +
                    std::to_string(kMaxGridYZ));
  if (z > kMaxGridYZ)
    return argError("grid z = batch " + std::to_string(z) + " exceeds CUDA's limit of " +
                    std::to_string(kMaxGridYZ));
  c.grid[0] = unsigned(x);
  c.grid[1] = unsigned(y);
  c.grid[2] = unsigned(z);
  c.block[0] = unsigned(spec.threadsPerBlock);
  c.dynamicSmemBytes = unsigned(spec.dynamicSmemBytes);
  return Status::success();
}

} // namespace

Expected<LaunchConfig> prepareLaunch(const KernelSpec &spec, const LaunchArgs &args,
                                     int64_t residentCtas) {
  if (spec.family == KernelFamily::Linear)
    return argError("kernel '" + spec.entryName +
                    "': linear-family launches are not supported by this runtime yet");
  // The fixed-size tables below hold at most this many slots; verify() guarantees it.
  if (spec.inputs.size() > ATTNC_MAX_INPUTS || spec.params.size() > 2 * ATTNC_MAX_PARAMS ||
      spec.dimSymbols.size() > ATTNC_MAX_PARAMS)
    return makeError(ErrorCode::Internal,
                     "kernel '" + spec.entryName + "': too many slots (the spec was not verified)");
  LaunchConfig config;
  std::memset(&config.params, 0, sizeof(config.params));
  AttncSoftmaxParams &p = config.params;
  Dims dims;
  if (Status st = checkMainTensors(spec, args, dims); !st)
    return st.takeError();
  bool decode = spec.family == KernelFamily::SoftmaxDecode;
  if (args.numSplits < 1 || (!decode && args.numSplits != 1))
    return argError("num_splits: expected " +
                    std::string(decode ? "at least 1" : "1 for a prefill kernel") + ", got " +
                    std::to_string(args.numSplits));
  if (args.numSplits > 1 && !args.workspace)
    return argError("workspace: required when num_splits > 1");
  if (Status st = checkInputs(spec, args, dims, p); !st)
    return st.takeError();
  if (Status st = fillParams(spec, args, p); !st)
    return st.takeError();
  float scale = args.scale ? *args.scale : 1.0f / std::sqrt(float(spec.headDim));
  if (!std::isfinite(scale))
    return argError("scale: expected a finite value, got " + std::to_string(scale));
  p.q = tensorArg(args.q);
  p.k = tensorArg(args.k);
  p.v = tensorArg(args.v);
  p.o = tensorArg(args.o);
  if (args.lse)
    p.lse = tensorArg(*args.lse);
  if (args.blockMapBuilt && !spec.needsBlockMap())
    return argError("block_map_built: kernel '" + spec.entryName +
                    "' has no data-dependent mask, so there is no block map to reuse");
  if (spec.needsBlockMap()) {
    int64_t need = blockMapBytes(spec, dims.B, dims.Hq, dims.N, dims.M);
    if (!args.blockMap || args.blockMapCapacity < need)
      return argError("block_map: kernel '" + spec.entryName +
                      "' has a data-dependent mask and needs a workspace of " +
                      std::to_string(need) + " bytes (blockMapBytes), got " +
                      (args.blockMap ? std::to_string(args.blockMapCapacity) : "none"));
    p.block_map = args.blockMap;
    p.block_map_stride = (dims.M + spec.blockN - 1) / spec.blockN;
    config.blockMapGrid[0] = unsigned((dims.N + spec.blockM - 1) / spec.blockM);
    config.blockMapGrid[1] = unsigned(spec.blockMap.perBatch ? dims.B : 1);
    config.blockMapGrid[2] = unsigned(spec.blockMap.perHead ? dims.Hq : 1);
    const BlockMapCounters counters = blockMapCounters(spec, dims.B, dims.Hq, dims.N, dims.M);
    config.blockMapCountersOffset = counters.offset;
    config.blockMapCountersBytes = counters.bytes;
  }
  p.batch = int(dims.B);
  p.heads_q = int(dims.Hq);
  p.heads_kv = int(dims.Hkv);
  p.seq_q = int(dims.N);
  p.seq_k = int(dims.M);
  p.scale = scale;
  p.scale_log2 = scale * kLog2e;
  p.num_splits = args.numSplits;
  p.workspace = args.workspace;
  if (Status st = computeGrid(spec, dims, args.numSplits, residentCtas, config); !st)
    return st.takeError();
  return config;
}

} // namespace attnc::runtime
