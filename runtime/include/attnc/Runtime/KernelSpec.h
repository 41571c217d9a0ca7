//===- KernelSpec.h - What the code generator tells the runtime ---------*- C++ -*-===//
//
// A compiled kernel is a cubin plus a `KernelSpec`: the facts the host needs to validate
// arguments and launch it (dtype, head dims, tile shape, threads, shared memory, the
// extra-input, param and dim-symbol slots of AttncSoftmaxParams, and the grid rule). The
// code generator fills it from the same IR it emits the prelude from, so the slot numbers
// here and in the generated source agree by construction.
//
// `TensorDesc` is how callers hand tensors over: a device pointer, a dtype and up to four
// sizes and element strides (torch's layout convention).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_KERNELSPEC_H
#define ATTNC_RUNTIME_KERNELSPEC_H

#include "attnc/Runtime/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace attnc::runtime {

/// Element types of tensors crossing the launch ABI.
enum class DType { BF16, F16, F32, I32, I64, U8, FP8E4M3 };

/// "bf16", "f16", "f32", "i32", "i64", "u8", "fp8e4m3".
const char *dtypeName(DType dtype);
/// Bytes per element.
int dtypeSize(DType dtype);
/// Parses a dtypeName; nullopt-like failure as an InvalidArgument error.
Expected<DType> parseDType(const std::string &name);

/// Which template family the kernel instantiates.
enum class KernelFamily { SoftmaxPrefill, SoftmaxDecode, Linear };
const char *familyName(KernelFamily family);

/// How the launch grid follows from the problem.
enum class GridRule {
  QueryBlocksHeadsBatch, ///< (ceil(N / BLOCK_M), Hq, B): prefill
  SplitsHeadsBatch,      ///< (num_splits, Hq, B): split-KV decode
  SplitsKvHeadsBatch,    ///< (num_splits, Hkv, B): GQA-packed split-KV decode
  /// (min(ceil(N / BLOCK_M) Hq B, resident CTAs), 1, 1): a persistent prefill whose CTAs
  /// walk the query blocks of every head and batch row with a stride of the grid; any grid
  /// size is correct, the device's resident CTAs (SMs x CTAs that fit one) the fastest.
  PersistentQueryBlocks,
};

/// A device tensor: sizes and strides in elements, outermost first, `rank` of them used.
struct TensorDesc {
  void *data = nullptr;
  DType dtype = DType::BF16;
  int rank = 0;
  int64_t shape[4] = {0, 0, 0, 0};
  int64_t strides[4] = {0, 0, 0, 0};

  /// A contiguous (row-major) tensor of the given shape.
  static TensorDesc contiguous(void *data, DType dtype, std::initializer_list<int64_t> shape);
};

/// An extra input tensor of the variant (e.g. `input slopes: f32[Hq]`).
/// Each entry of `dims` is a dim symbol ("B", "Hq", "Hkv", "N", "M", "D", "Dv", or one of
/// the spec's `dimSymbols`) or a decimal literal for a fixed size.
struct InputSlot {
  std::string name;
  DType dtype = DType::F32;
  std::vector<std::string> dims; ///< rank = dims.size() (1..4)
};

/// A scalar param (e.g. `param window: i32 = 1024`). Integer params live in
/// iparams[slot], float params in fparams[slot].
struct ParamSlot {
  std::string name;
  bool isFloat = false;
  int slot = 0;
  bool hasDefault = false;
  double defaultValue = 0;
};

/// A user dim symbol that appears only in extra inputs (e.g. `L` in `ids: i32[B, L]`):
/// bound from the input shapes at launch and written to iparams[slot].
struct DimSymbolSlot {
  std::string name;
  int slot = 0;
};

/// A second entry point that classifies the tiles of a data-dependent mask (document ids)
/// on the device before each launch, into a workspace the caller provides
/// (`blockMapBytes`). One byte per tile, then each query block's non-empty key range; one
/// plane per batch and/or head only when the mask reads b / h.
struct BlockMapSpec {
  std::string entryName; ///< empty: the kernel needs no block map
  int threadsPerBlock = 128;
  bool perBatch = false;
  bool perHead = false;
};

/// How a linear-family kernel's state decays between tokens (attnc::LinearGate in
/// templates/attnc/LinearTraits.cuh). The mLSTM kinds (templates/attnc/LinearMlstm.cuh)
/// read two gate inputs and carry a normaliser state n (and, with the exponential input
/// gate, the stabiliser m) next to C.
enum class LinearGate { None, PerHead, PerToken, PerChannel, MlstmSig, MlstmExp };
/// "none", "per-head", "per-token", "per-channel", "mlstm-sig", "mlstm-exp".
const char *linearGateName(LinearGate gate);

/// How the grid of a linear stage follows from the problem (P: segments per sequence, R:
/// the state pre-pass's pieces per earlier segment).
enum class LinearStageGrid {
  SlicesHeadsEarlierSegments, ///< (V / sliceV, H, sequences x (P - 1) x R): the pre-pass pieces
  SlicesHeadsSegments,        ///< (V / sliceV, H, sequences x P)
  SlicesHeadsSequences,       ///< (V / sliceV, H, sequences): per-sequence work, e.g. a fold
  /// One CTA per chunk (blockM tokens) of every sequence and head: (ceil(T / chunk), H, B),
  /// or with packed sequences (floor(T / chunk) + sequences, H, 1), which
  /// templates/attnc/LinearDeltaWorkspace.cuh maps back to (sequence, chunk).
  ChunksHeadsSequences,
};
/// "slices-heads-earlier-segments", "slices-heads-segments", "slices-heads-sequences",
/// "chunks-heads-sequences".
const char *linearStageGridName(LinearStageGrid grid);

/// When a stage runs: only when a launch splits its sequences (P > 1; the segment state
/// pre-pass and fold), or on every launch (the delta rule's chunk-parallel prepare stage).
enum class LinearStageWhen { Split, Always };
/// "split" or "always".
const char *linearStageWhenName(LinearStageWhen when);

/// An entry point of the same module launched before the main one, on the same stream,
/// e.g. the state pre-pass and the fold of templates/attnc/LinearSegmentState.cuh (when
/// a launch splits its sequences) or the delta rule's prepare stage (always). Stages run
/// in the order listed; each reads the same AttncLinearParams and communicates through
/// the workspace.
struct LinearStage {
  std::string entryName;
  LinearStageGrid grid = LinearStageGrid::SlicesHeadsEarlierSegments;
  int threadsPerBlock = 0;
  int dynamicSmemBytes = 0;
  LinearStageWhen when = LinearStageWhen::Split;
};

/// What a linear-family kernel (templates/attnc/LinearChunk.cuh, LinearDeltaWalk.cuh)
/// fixes beyond the common fields, which hold K (headDim), V (headDimV), the chunk
/// (blockM) and the key sub-tile (blockN). Launches go through prepareLinearLaunch
/// (LinearLaunch.h).
struct LinearSpec {
  LinearGate gate = LinearGate::None;
  int sliceV = 0;        ///< V columns per CTA: grid (V / sliceV, H, sequences x P)
  std::string gateInput; ///< the input passed as AttncLinearParams::g; empty when none
  /// The delta rule's write strengths, f32 [B, H, T], passed as AttncLinearParams::beta;
  /// empty for the decay family.
  std::string betaInput;
  /// P, the chunk-aligned segments each sequence is split into (each walked by its own
  /// CTAs); 0: chosen per launch from the device's SM count and the problem
  /// (linearSegmentsFor). Values above 1 need stages that run when splitting.
  int segments = 1;
  /// Entry points run before the main one: those marked Split when P > 1, those marked
  /// Always on every launch (none: the kernel runs alone and cannot split).
  std::vector<LinearStage> splitStages;
  /// Workspace bytes per (sequence, head, segment but the last) when P > 1.
  int64_t segmentBytes = 0;
  /// Workspace bytes per (batch row, head, token) the Always stages leave for the main
  /// entry (the delta rule's W, U, P and decays); 0 when there are none.
  int64_t tokenBytes = 0;

  /// Whether a launch may split sequences into segments (it has Split stages).
  bool canSplit() const;
  /// mLSTM only: the input passed as AttncLinearParams::igate (the input gate's
  /// pre-activations; gateInput holds the forget gate's).
  std::string inputGateInput;
  bool isMlstm() const { return gate == LinearGate::MlstmSig || gate == LinearGate::MlstmExp; }
};

/// Everything the runtime needs to know about one compiled kernel.
struct KernelSpec {
  KernelFamily family = KernelFamily::SoftmaxPrefill;
  std::string entryName; ///< the __global__ function's (extern "C") name
  DType dtype = DType::BF16;
  int headDim = 0;  ///< D
  int headDimV = 0; ///< Dv
  int blockM = 0, blockN = 0;
  int threadsPerBlock = 0;
  int dynamicSmemBytes = 0;
  /// The kernel writes the log-sum-exp [B, Hq, N] when AttncSoftmaxParams::lse.ptr is
  /// non-null (the templates test the pointer), so an lse tensor is optional at launch.
  bool writesLse = false;
  GridRule grid = GridRule::QueryBlocksHeadsBatch;
  std::vector<InputSlot> inputs;
  std::vector<ParamSlot> params;
  std::vector<DimSymbolSlot> dimSymbols;
  /// Pointer and row-stride alignment (bytes) the template's vector loads need.
  int vectorBytes = 16;
  BlockMapSpec blockMap;
  LinearSpec linear; ///< family Linear only

  bool needsBlockMap() const { return !blockMap.entryName.empty(); }

  /// Checks the spec itself (sizes positive, slots in range and distinct, names unique,
  /// dims known); the code generator should never produce a spec that fails this.
  Status verify() const;
};

/// A line-oriented text form of a spec (stable, versioned, round-trips exactly), for
/// storing specs beside cubins in a deployment database or passing them across the C ABI:
///   attnc-kernel-spec 1
///   family softmax-prefill
///   entry attnc_alibi
///   dtype bf16
///   head_dim 128 128
///   block 64 64
///   threads 128
///   smem 81920
///   lse 1
///   grid query-blocks-heads-batch
///   vector_bytes 16
///   input slopes f32 Hq
///   param window int 0 1024      (slot, then default or "-")
///   dim L 1                      (iparams slot)
///   linear per-token 64 g 0 66048  (family linear: gate, V slice, gate input or "-",
///                                  segments (0: per launch), workspace bytes per segment;
///                                  the last two may be left out: 1 segment)
///   linear mlstm-exp 64 f i        (the mLSTM kinds add the input-gate input instead)
///   linear_stage attnc_gla_segment_state slices-heads-earlier-segments 128 98304
///   linear_stage attnc_gla_segment_fold slices-heads-sequences 128 0
///                                 (one per stage, in launch order; an optional last
///                                 field "always" marks a stage every launch runs)
///   linear_delta beta 644         (the delta rule: beta input, workspace bytes per token)
std::string serializeKernelSpec(const KernelSpec &spec);
/// Parses serializeKernelSpec's output (and verifies the result). Errors name the line.
Expected<KernelSpec> parseKernelSpec(const std::string &text);

/// Where the block map's counters lie in its workspace (byte offset and size): they must
/// be zero when the map kernel starts, so every launch that builds the map clears them
/// first (every kernel leaves them zero when it ends).
struct BlockMapCounters {
  int64_t offset = 0;
  int64_t bytes = 0;
};
BlockMapCounters blockMapCounters(const KernelSpec &spec, int64_t batch, int64_t headsQ,
                                  int64_t seqQ, int64_t seqK);

/// Bytes of the block-map workspace a launch of `spec` on this problem needs (0 when the
/// kernel needs none).
int64_t blockMapBytes(const KernelSpec &spec, int64_t batch, int64_t headsQ, int64_t seqQ,
                      int64_t seqK);

} // namespace attnc::runtime

#endif // ATTNC_RUNTIME_KERNELSPEC_H
