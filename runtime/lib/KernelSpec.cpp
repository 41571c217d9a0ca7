//===- KernelSpec.cpp - Names, sizes and the spec's self-check -------------------===//
#include "attnc/Runtime/KernelSpec.h"

#include "attnc/KernelParams.h"
#include "attnc/Runtime/LinearLaunch.h"

#include <cctype>
#include <set>

namespace attnc::runtime {

namespace {
constexpr const char *kBuiltinDims[] = {"B", "Hq", "Hkv", "N", "M", "D", "Dv"};

bool isBuiltinDim(const std::string &name) {
  for (const char *b : kBuiltinDims)
    if (name == b)
      return true;
  return false;
}

bool isLiteral(const std::string &dim) {
  if (dim.empty())
    return false;
  for (char c : dim)
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return false;
  return true;
}

Error specError(const KernelSpec &spec, const std::string &what) {
  return makeError(ErrorCode::InvalidArgument,
                   "invalid kernel spec '" + spec.entryName + "': " + what);
}
} // namespace

const char *dtypeName(DType dtype) {
  switch (dtype) {
  case DType::BF16:
    return "bf16";
  case DType::F16:
    return "f16";
  case DType::F32:
    return "f32";
  case DType::I32:
    return "i32";
  case DType::I64:
    return "i64";
  case DType::U8:
    return "u8";
  case DType::FP8E4M3:
    return "fp8e4m3";
  }
  return "?";
}

int dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::BF16:
  case DType::F16:
    return 2;
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::I64:
    return 8;
  case DType::U8:
  case DType::FP8E4M3:
    return 1;
  }
  return 1;
}

Expected<DType> parseDType(const std::string &name) {
  for (DType d :
       {DType::BF16, DType::F16, DType::F32, DType::I32, DType::I64, DType::U8, DType::FP8E4M3})
    if (name == dtypeName(d))
      return d;
  return makeError(ErrorCode::InvalidArgument, "unknown dtype '" + name +
                                                   "' (expected bf16, f16, f32, i32, i64, u8 or "
                                                   "fp8e4m3)");
}

const char *familyName(KernelFamily family) {
  switch (family) {
  case KernelFamily::SoftmaxPrefill:
    return "softmax-prefill";
  case KernelFamily::SoftmaxDecode:
    return "softmax-decode";
  case KernelFamily::Linear:
    return "linear";
  }
  return "?";
}

TensorDesc TensorDesc::contiguous(void *data, DType dtype, std::initializer_list<int64_t> shape) {
  TensorDesc t;
  t.data = data;
  t.dtype = dtype;
  t.rank = int(shape.size() > 4 ? 4 : shape.size());
  int i = 0;
  for (int64_t s : shape)
    if (i < 4)
      t.shape[i++] = s;
  int64_t stride = 1;
  for (int d = t.rank - 1; d >= 0; --d) {
    t.strides[d] = stride;
    stride *= t.shape[d];
  }
  return t;
}

Status KernelSpec::verify() const {
  if (needsBlockMap() && blockMap.threadsPerBlock <= 0)
    return specError(*this, "block map threads must be positive");
  if (entryName.empty())
    return specError(*this, "empty entry name");
  // Enums may come from C (attnc.h) as plain ints.
  if (int(family) < 0 || int(family) > int(KernelFamily::Linear))
    return specError(*this, "unknown family " + std::to_string(int(family)));
  if (int(grid) < 0 || int(grid) > int(GridRule::PersistentQueryBlocks))
    return specError(*this, "unknown grid rule " + std::to_string(int(grid)));
  if (int(dtype) < 0 || int(dtype) > int(DType::FP8E4M3))
    return specError(*this, "unknown dtype " + std::to_string(int(dtype)));
  for (const InputSlot &in : inputs)
    if (int(in.dtype) < 0 || int(in.dtype) > int(DType::FP8E4M3))
      return specError(*this, "input '" + in.name + "' has unknown dtype " +
                                  std::to_string(int(in.dtype)));
  if (headDim <= 0 || headDimV <= 0)
    return specError(*this, "head dims must be positive, got D=" + std::to_string(headDim) +
                                " Dv=" + std::to_string(headDimV));
  if (blockM <= 0 || blockN <= 0)
    return specError(*this, "block sizes must be positive, got BLOCK_M=" + std::to_string(blockM) +
                                " BLOCK_N=" + std::to_string(blockN));
  if (threadsPerBlock <= 0 || threadsPerBlock > 1024)
    return specError(*this, "threads per block must be in [1, 1024], got " +
                                std::to_string(threadsPerBlock));
  if (dynamicSmemBytes < 0)
    return specError(*this, "negative dynamic shared memory");
  if (vectorBytes <= 0 || (vectorBytes & (vectorBytes - 1)) != 0)
    return specError(*this, "vector bytes must be a power of two");
  if (inputs.size() > ATTNC_MAX_INPUTS)
    return specError(*this, std::to_string(inputs.size()) + " extra inputs, at most " +
                                std::to_string(ATTNC_MAX_INPUTS) + " fit the launch ABI");
  std::set<std::string> names;
  auto claimName = [&](const std::string &name) {
    return !name.empty() && !isBuiltinDim(name) && names.insert(name).second;
  };
  std::set<int> intSlots, floatSlots;
  for (const ParamSlot &p : params) {
    if (!claimName(p.name))
      return specError(*this, "param name '" + p.name + "' is empty, reserved or repeated");
    if (p.slot < 0 || p.slot >= ATTNC_MAX_PARAMS)
      return specError(*this, "param '" + p.name + "' has slot " + std::to_string(p.slot) +
                                  " outside [0, " + std::to_string(ATTNC_MAX_PARAMS) + ")");
    if (!(p.isFloat ? floatSlots : intSlots).insert(p.slot).second)
      return specError(*this, "param '" + p.name + "' reuses slot " + std::to_string(p.slot));
  }
  std::set<std::string> dimNames;
  for (const DimSymbolSlot &d : dimSymbols) {
    if (!claimName(d.name))
      return specError(*this, "dim symbol '" + d.name + "' is empty, reserved or repeated");
    if (d.slot < 0 || d.slot >= ATTNC_MAX_PARAMS || !intSlots.insert(d.slot).second)
      return specError(*this, "dim symbol '" + d.name + "' has a bad or reused int slot " +
                                  std::to_string(d.slot));
    dimNames.insert(d.name);
  }
  std::set<std::string> usedDims;
  for (const InputSlot &in : inputs) {
    if (!claimName(in.name))
      return specError(*this, "input name '" + in.name + "' is empty, reserved or repeated");
    if (in.dims.empty() || in.dims.size() > ATTNC_MAX_RANK)
      return specError(*this, "input '" + in.name + "' has rank " + std::to_string(in.dims.size()) +
                                  ", expected 1 to 4");
    for (const std::string &dim : in.dims) {
      if (!isLiteral(dim) && !isBuiltinDim(dim) && !dimNames.count(dim))
        return specError(*this, "input '" + in.name + "' uses unknown dim '" + dim + "'");
      usedDims.insert(dim);
    }
  }
  for (const DimSymbolSlot &d : dimSymbols)
    if (!usedDims.count(d.name))
      return specError(*this, "dim symbol '" + d.name + "' appears in no input shape");
  if (family == KernelFamily::Linear)
    return verifyLinearSpec(*this);
  return Status::success();
}

} // namespace attnc::runtime

namespace attnc::runtime {

namespace {
constexpr int64_t kBlockMapRangeAlign = 16; // attnc::kBlockMapRangeAlign in BlockMap.cuh
/// Per row of the map: an int2 key range, an int cost, an int of the claim order.
constexpr int64_t kBlockMapRowBytes = 8 + 4 + 4;
constexpr int64_t kBlockMapCounterBytes = 4;
constexpr int64_t kBlockMapClaimCounters = 2; // attnc::kClaimCounter, kClaimsDoneCounter
} // namespace

BlockMapCounters blockMapCounters(const KernelSpec &spec, int64_t batch, int64_t headsQ,
                                  int64_t seqQ, int64_t seqK) {
  if (!spec.needsBlockMap() || spec.blockM <= 0 || spec.blockN <= 0)
    return {};
  const int64_t planes = (spec.blockMap.perBatch ? batch : 1) * (spec.blockMap.perHead ? headsQ : 1);
  const int64_t rows = planes * ((seqQ + spec.blockM - 1) / spec.blockM);
  const int64_t tiles = rows * ((seqK + spec.blockN - 1) / spec.blockN);
  // Tile bytes, then the per-row arrays, then the counters (templates/attnc/BlockMap.cuh).
  const int64_t offset =
      (tiles + kBlockMapRangeAlign - 1) / kBlockMapRangeAlign * kBlockMapRangeAlign +
      rows * kBlockMapRowBytes;
  return {offset, (planes + kBlockMapClaimCounters) * kBlockMapCounterBytes};
}

int64_t blockMapBytes(const KernelSpec &spec, int64_t batch, int64_t headsQ, int64_t seqQ,
                      int64_t seqK) {
  const BlockMapCounters counters = blockMapCounters(spec, batch, headsQ, seqQ, seqK);
  return counters.offset + counters.bytes;
}

} // namespace attnc::runtime
