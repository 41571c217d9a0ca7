//===- SoftmaxEmitter.cpp - attn.softmax_attention to a CUDA prelude -------===//
//
// Assigns every run-time symbol a spelling (role dims read the fixed fields of
// AttncSoftmaxParams, other dims and params get iparams/fparams slots, inputs get
// `inputs[k]`), then prints the variant functor and the instantiation. The hand-written
// kernels live in templates/attnc/Prefill.cuh and PrefillSm90.cuh; nothing here writes
// kernel logic.
//
//===----------------------------------------------------------------------===//
#include "attnc/Target/CUDA/SoftmaxEmitter.h"

#include "attnc/Target/CUDA/ExpressionEmitter.h"
#include "attnc/Target/CUDA/MaskCodegen.h"

#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace attnc::cuda {
namespace {

constexpr int kMaxSlots = 8; // ATTNC_MAX_INPUTS / ATTNC_MAX_PARAMS in KernelParams.h
constexpr int kWarpThreads = 32;

std::string storageType(Type t) {
  if (t.isF32()) return "float";
  if (t.isInteger(32)) return "int";
  if (t.isBF16()) return "__nv_bfloat16";
  return "__half";
}

std::string typeName(Type t) {
  if (t.isF32()) return "f32";
  if (t.isInteger(32)) return "i32";
  if (t.isBF16()) return "bf16";
  return "f16";
}

/// Role dims from q/k/v, slots for everything else; errors at the op that overflows.
LogicalResult assignSlots(attn::KernelOp kernel, int headDim, EmittedKernel &out,
                          SymbolAccess &access) {
  attn::TensorOp q = kernel.lookupTensor("q"), k = kernel.lookupTensor("k"),
                 v = kernel.lookupTensor("v");
  if (!q || !k || !v)
    return kernel.emitError("expected q, k and v declarations");
  auto qd = q.getDimNames(), kd = k.getDimNames(), vd = v.getDimNames();
  out.batchDim = qd[0].str();
  out.headsQDim = qd[1].str();
  out.seqQDim = qd[2].str();
  out.headsKvDim = kd[1].str();
  out.seqKDim = kd[2].str();
  for (auto [dim, field] : {std::pair{qd[0], "p.batch"}, {qd[1], "p.heads_q"},
                            {kd[1], "p.heads_kv"}, {qd[2], "p.seq_q"}, {kd[2], "p.seq_k"}})
    access.values.try_emplace(dim, field);
  for (StringRef d : {qd[3], kd[3], vd[3]}) {
    std::optional<int64_t> fixed = kernel.getStaticDimValue(d);
    if (fixed && *fixed != headDim)
      return q.emitError() << "expected head dim " << *fixed << " (declared), got "
                           << headDim << " (requested)";
    access.values.try_emplace(d, "HEAD_DIM");
  }

  int islot = 0, fslot = 0, inslot = 0;
  for (Operation &op : kernel.getBody()->getOperations()) {
    if (auto dim = dyn_cast<attn::DimOp>(op)) {
      if (dim.getValue()) {
        access.values.try_emplace(dim.getSymName(), std::to_string(*dim.getValue()) + "LL");
        continue;
      }
      if (access.values.count(dim.getSymName()))
        continue;
      if (islot == kMaxSlots)
        return dim.emitError() << "expected at most " << kMaxSlots
                               << " int params and free dims, got more";
      out.scalars.push_back({dim.getSymName().str(), ScalarSlot::Kind::Dim, false, {}, islot});
      access.values.try_emplace(dim.getSymName(), "p.iparams[" + std::to_string(islot++) + "]");
    } else if (auto param = dyn_cast<attn::ParamOp>(op)) {
      bool isFloat = param.getParamType().isF32();
      int &slot = isFloat ? fslot : islot;
      if (slot == kMaxSlots)
        return param.emitError() << "expected at most " << kMaxSlots << " "
                                 << (isFloat ? "float" : "int") << " params, got more";
      std::optional<double> def;
      if (auto attr = param.getDefaultValueAttr()) {
        if (auto f = dyn_cast<FloatAttr>(attr)) def = f.getValueAsDouble();
        else if (auto i = dyn_cast<IntegerAttr>(attr)) def = static_cast<double>(i.getInt());
      }
      out.scalars.push_back({param.getSymName().str(), ScalarSlot::Kind::Param, isFloat, def, slot});
      std::string field = isFloat ? "p.fparams[" : "p.iparams[";
      access.values[param.getSymName()] = field + std::to_string(slot++) + "]";
    } else if (auto input = dyn_cast<attn::InputOp>(op)) {
      if (inslot == kMaxSlots)
        return input.emitError() << "expected at most " << kMaxSlots << " inputs, got more";
      InputSlot s{input.getSymName().str(), typeName(input.getElementType()), {}, inslot};
      for (StringRef d : input.getDimNames())
        s.dims.push_back(d.str());
      out.inputs.push_back(s);
      access.inputs[input.getSymName()] = {"p.inputs[" + std::to_string(inslot++) + "]",
                                            storageType(input.getElementType())};
    }
  }
  if (!access.values.count("scale"))
    access.values["scale"] = "p.scale";
  return success();
}

/// The score hook: the region's body, or none when the region just yields `s`.
LogicalResult emitScore(attn::SoftmaxAttentionOp op, const SymbolAccess &access,
                        EmittedKernel &out, llvm::raw_ostream &os) {
  Block &block = op.getScore().front();
  auto yield = cast<attn::YieldOp>(block.getTerminator());
  out.hasScoreMod = yield->getOperand(0) != block.getArgument(0);
  os << "  static constexpr bool HAS_SCORE_MOD = " << (out.hasScoreMod ? "true" : "false")
     << ";\n"
     << "  __device__ __forceinline__ float score(float s, int i_, int j_, "
        "const attnc::ScoreContext &ctx) const {\n";
  if (!out.hasScoreMod) {
    os << "    return s;\n  }\n";
    return success();
  }
  os << "    [[maybe_unused]] const AttncSoftmaxParams &p = *ctx.params;\n"
     << "    [[maybe_unused]] const long long b = ctx.batch, h = ctx.head, i = i_, j = j_;\n";
  FailureOr<std::string> result =
      emitRegionBody(op.getScore(), {"s", "b", "h", "i", "j"}, access, os, "    ");
  if (failed(result))
    return failure();
  os << "    return " << *result << ";\n  }\n";
  return success();
}

LogicalResult emitMask(attn::SoftmaxAttentionOp op, const SymbolAccess &access,
                       const analysis::MaskModel &model, EmittedKernel &out,
                       llvm::raw_ostream &os) {
  out.hasMask = op.hasMask() && model.hasMask();
  out.maskKind = model.kind();
  os << "  static constexpr bool HAS_MASK = " << (out.hasMask ? "true" : "false") << ";\n"
     << "  __device__ __forceinline__ bool mask(int i_, int j_, "
        "const attnc::ScoreContext &ctx) const {\n";
  if (!out.hasMask) {
    os << "    return true;\n  }\n"
       << "  __device__ __forceinline__ attnc::KeyRange keyRange(int, int, "
          "const attnc::ScoreContext &ctx) const {\n"
       << "    return {0, ctx.params->seq_k};\n  }\n"
       << "  __device__ __forceinline__ int tileKind(int, int, int, int, "
          "const attnc::ScoreContext &) const {\n"
       << "    return attnc::kTileFull;\n  }\n"
       << "  static constexpr bool HAS_ROW_KEYS = false;\n"
       << "  static constexpr bool HAS_RESIDUAL_MASK = false;\n"
       << "  static constexpr bool ROW_KEYS_DECIDE_MATCHED_IDS = false;\n";
    return success();
  }
  os << "    [[maybe_unused]] const AttncSoftmaxParams &p = *ctx.params;\n"
     << "    [[maybe_unused]] const long long b = ctx.batch, h = ctx.head, i = i_, j = j_;\n";
  FailureOr<std::string> result =
      emitRegionBody(op.getMask(), {"s_unavailable_in_mask", "b", "h", "i", "j"}, access, os,
                     "    ");
  if (failed(result))
    return failure();
  os << "    return " << *result << ";\n  }\n";
  out.usesBlockMap = out.maskKind == analysis::MaskKind::BlockMap ||
                     out.maskKind == analysis::MaskKind::AffineBlockMap;
  std::string error;
  if (!emitRowKeys(op.getMask(), model, access, os, &error))
    return op.emitError() << error;
  if (!out.usesBlockMap) {
    os << "  static constexpr bool ROW_KEYS_DECIDE_MATCHED_IDS = false; // no block map\n";
    if (!emitBlockHooks(model, access, "keyRange", "tileKind", os, &error))
      return op.emitError() << error;
    return success();
  }
  // The mask reads data: tiles are classified at run time into a map the kernel reads,
  // which also holds each query block's non-empty key range.
  if (!emitBlockHooks(model, access, "affineKeyRange", "affineTileKind", os, &error) ||
      !emitIdHooks(op.getMask(), model, access, os, &error))
    return op.emitError() << error;
  Block &maskBlock = op.getMask().front();
  out.mapPerBatch = !maskBlock.getArgument(1).use_empty();
  out.mapPerHead = !maskBlock.getArgument(2).use_empty();
  os << "  static constexpr bool MAP_PER_BATCH = " << (out.mapPerBatch ? "true" : "false")
     << ";\n"
     << "  static constexpr bool MAP_PER_HEAD = " << (out.mapPerHead ? "true" : "false")
     << ";\n"
     << "  __device__ __forceinline__ attnc::KeyRange keyRange(int i0, int i1, "
        "const attnc::ScoreContext &ctx) const {\n"
     << "    const attnc::KeyRange affine = affineKeyRange(i0, i1, ctx);\n"
     << "    const attnc::KeyRange mapped = attnc::readBlockMapKeyRange<BLOCK_M, MAP_PER_BATCH, "
        "MAP_PER_HEAD>(\n"
     << "        *ctx.params, ctx.batch, ctx.head, i0);\n"
     << "    return {max(affine.begin, mapped.begin), min(affine.end, mapped.end)};\n  }\n"
     << "  __device__ __forceinline__ int tileKind(int i0, int, int j0, int, "
        "const attnc::ScoreContext &ctx) const {\n"
     << "    return attnc::readBlockMap<BLOCK_M, BLOCK_N, MAP_PER_BATCH, MAP_PER_HEAD>(\n"
     << "        *ctx.params, ctx.batch, ctx.head, i0, j0);\n  }\n";
  return success();
}

} // namespace

FailureOr<EmittedKernel> emitSoftmaxPrefill(attn::KernelOp kernel, int headDim,
                                            const PrefillConfig &config,
                                            const analysis::MaskModel &mask) {
  attn::SoftmaxAttentionOp op = kernel.getSoftmaxAttention();
  if (!op)
    return kernel.emitError("expected an attn.softmax_attention kernel");
  if (headDim != 64 && headDim != 128 && headDim != 256)
    return kernel.emitError() << "expected head dim 64, 128 or 256, got " << headDim;
  EmittedKernel out;
  out.kernelName = kernel.getSymName().str();
  out.entryName = "attnc_" + out.kernelName;
  out.headDim = headDim;
  out.config = config;
  out.threads = config.numWarps * kWarpThreads;
  out.smemBytes = prefillSmemBytes(headDim, config);
  Type dtype = kernel.getDtype();
  out.dtype = dtype.isBF16() ? "bf16" : "f16";

  SymbolAccess access;
  if (failed(assignSlots(kernel, headDim, out, access)))
    return failure();

  std::string body;
  llvm::raw_string_ostream os(body);
  os << "// Generated by attnc for kernel '" << out.kernelName << "': prefill, "
     << config.str() << ", head dim " << headDim << ", " << out.dtype << ".\n"
     << "#include \"attnc/BlockMap.cuh\"\n"
     << "#include \"attnc/Expr.cuh\"\n"
     << (config.sm90 ? "#include \"attnc/PrefillSm90.cuh\"\n\n" : "#include \"attnc/Prefill.cuh\"\n\n")
     << "namespace attnc_generated {\n"
     << "constexpr int HEAD_DIM = " << headDim << ";\n"
     << "constexpr int BLOCK_M = " << config.blockM << ";\n"
     << "constexpr int BLOCK_N = " << config.blockN << ";\n"
     << "constexpr int STAGES = " << config.stages << ";\n";
  if (config.sm90)
    os << "constexpr bool OVERLAP_SOFTMAX = " << (config.overlap ? "true" : "false") << ";\n"
       << "constexpr int CTAS_PER_SM = " << config.ctasPerSm << ";\n"
       << "constexpr int PERSISTENT = " << config.persistent << ";\n"
       << "constexpr bool PINGPONG = " << (config.pingpong ? "true" : "false") << ";\n\n";
  else
    os << "constexpr int NUM_WARPS = " << config.numWarps << ";\n"
       << "constexpr bool Q_IN_REGS = " << (config.qInRegs ? "true" : "false") << ";\n\n";
  os << "struct Variant {\n";
  if (failed(emitScore(op, access, out, os)) || failed(emitMask(op, access, mask, out, os)))
    return failure();
  os << "};\n\n";
  if (config.sm90)
    os << "using Traits = attnc::PrefillSm90Traits<" << storageType(dtype)
       << ", HEAD_DIM, BLOCK_N, STAGES, BLOCK_M / attnc::kWgmmaM, OVERLAP_SOFTMAX,"
          " CTAS_PER_SM, PERSISTENT, PINGPONG>;\n"
       << "static_assert(Traits::BLOCK_M == BLOCK_M, \"host and device disagree on BLOCK_M\");\n";
  else
    os << "using Traits = attnc::PrefillTraits<" << storageType(dtype)
       << ", HEAD_DIM, BLOCK_M, BLOCK_N, NUM_WARPS, STAGES, Q_IN_REGS>;\n";
  // sm_90a: the CTAs-per-SM minimum caps registers, and setmaxnreg re-partitions that cap.
  os << "static_assert(Traits::kSmemBytes == " << out.smemBytes
     << ", \"host and device disagree on shared memory\");\n"
     << "} // namespace attnc_generated\n\n"
     << "extern \"C\" __global__ void __launch_bounds__(attnc_generated::Traits::kThreads"
     << (config.sm90 ? ", attnc_generated::Traits::CTAS_PER_SM" : "") << ")\n"
     << out.entryName << "(const __grid_constant__ AttncSoftmaxParams p) {\n"
     << "  attnc::" << (config.sm90 ? "prefillKernelSm90" : "prefillKernel")
     << "<attnc_generated::Traits, attnc_generated::Variant>(p);\n"
     << "}\n";
  if (out.usesBlockMap) {
    out.blockMapEntry = out.entryName + "_blockmap";
    os << "\n// Builds the tile classes of this data-dependent mask before each launch.\n"
       << "extern \"C\" __global__ void __launch_bounds__(attnc::kBlockMapThreads)\n"
       << out.blockMapEntry << "(const __grid_constant__ AttncSoftmaxParams p) {\n"
       << "  using attnc_generated::Variant;\n"
       << "  attnc::buildBlockMap<attnc_generated::BLOCK_M, attnc_generated::BLOCK_N,\n"
       << "                       Variant::MAP_PER_BATCH, Variant::MAP_PER_HEAD, Variant>(p);\n"
       << "}\n";
  }
  out.source = std::move(body);
  return out;
}

} // namespace attnc::cuda
