//===- LinearConfig.h - Tile shape of a chunkwise linear kernel ----*- C++ -*-===//
//
// The compile-time parameters of templates/attnc/LinearTraits.cuh (chunk, key sub-tile,
// V slice per CTA, warps, pipeline stages) plus the launch's split of each sequence into
// segments (a run-time choice recorded in the kernel spec, so it costs no recompile) as the
// linear emitter, the CLI and the tuner exchange them, with the defaults measured by
// bench/dev/linear_probe.py and delta_probe.py on an H100 (bench/NOTES.md, "Linear
// family") and the shared-memory formula the emitted prelude checks against the traits'
// kSmemBytes. The update rule (the decay family's additive
// update or the delta rule, LinearDeltaSplitTraits.cuh) adds its own limits and buffers. No
// MLIR, so the tuner can include it.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TARGET_CUDA_LINEARCONFIG_H
#define ATTNC_TARGET_CUDA_LINEARCONFIG_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace attnc::cuda {

/// How the state decays between tokens; mirrors attnc::LinearGate in LinearTraits.cuh. The
/// two mLSTM kinds select templates/attnc/LinearMlstm.cuh (a normaliser state next to C;
/// the exponential input gate adds the max-state stabiliser).
enum class LinearGateKind {
  None = 0,
  PerHead = 1,
  PerToken = 2,
  PerChannel = 3,
  MlstmSig = 4,
  MlstmExp = 5
};

/// Whether `gate` is one of the mLSTM kinds.
bool isMlstmGate(LinearGateKind gate);

/// "none", "per-head", "per-token", "per-channel", "mlstm-sig", "mlstm-exp".
const char *linearGateName(LinearGateKind gate);

/// How a token writes the state: the decay family's S <- decay S + k v^T
/// (LinearChunk.cuh) or the delta rule's S <- decay (I - beta k k^T) S + beta k v^T
/// (LinearDeltaPrepare.cuh + LinearDeltaWalk.cuh, with their own shapes and buffers).
enum class LinearRule { Additive = 0, Delta = 1 };

/// "additive" or "delta".
const char *linearRuleName(LinearRule rule);

/// The rule of a classified recurrence ("delta_rule", "gated_delta_rule": Delta).
LinearRule linearRuleOf(const std::string &recurrence);

/// Most segments a config may ask for (LinearSegment.cuh; the runtime's auto choice stays
/// below it too).
constexpr int kMaxLinearSegments = 64;

/// Depth of the chunk pipeline (LinearTraits' STAGES, ChunkPipeline.cuh): the default
/// double buffer and the range its static_assert allows.
constexpr int kDefaultLinearStages = 2;
constexpr int kMinLinearStages = 2;
constexpr int kMaxLinearStages = 4;

/// Most tokens a chunk of several tiles may span (the 64 to 1024).
constexpr int kMaxLinearSpanTokens = 1024;

/// The tile shape of a chunkwise linear kernel (LinearTraits' parameters) and the split.
struct LinearConfig {
  int chunk = 64;  ///< tokens per pass over the state (CHUNK)
  int sub = 32;    ///< key sub-tile of the intra-chunk product (SUB)
  int sliceV = 64; ///< V columns of the state one CTA owns (SLICE_V)
  int numWarps = 4;
  /// P, the chunk-aligned segments each sequence is split into, each walked by its own
  /// CTAs after a state pre-pass; 1 is the one-kernel path; 0 (the default) lets each
  /// launch choose from the device's SM count and the problem shape.
  int segments = 0;
  /// Chunks in the shared-memory pipeline (STAGES): chunk c computes while the next
  /// stages - 1 load.
  int stages = kDefaultLinearStages;
  /// Tiles per chunk (SPAN): above 1, chunks of span x chunk tokens (TFLA's large chunks):
  /// the state's copy that q S reads is refreshed every span tiles and each tile adds its
  /// quadratic products against the chunk's earlier tiles (the decay family and the mLSTM).
  int span = 1;
  /// "c64 sub32 v64 w4", then " s3" when stages is not the default, " span8" when span is
  /// above 1 and " p4" when segments is fixed.
  std::string str() const;
  /// Reads str()'s form back; nullopt when malformed.
  static std::optional<LinearConfig> parse(const std::string &text);
  bool operator==(const LinearConfig &o) const { return str() == o.str(); }
};

/// Default tile shapes for head dims K, V, a gate kind and an update rule, best first
/// (H100, bench/NOTES.md), less those whose shared memory exceeds `smemLimitBytes` (the
/// device's or arch's per-block opt-in; 0: no limit). Scalar gates: c128 sub16 v128 w8
/// (1.52-1.58x FLA at T = 16k split in 4, 2.3x at T = 4k; 224 KB, so not on sm_80), then
/// c64 sub32 v64 w4 (1.42-1.57x / 2.1-2.4x); per-channel gates need a 16-token sub-tile
/// (c64 sub16 v64 w4); the mLSTM kinds replace c128 sub16 v128 w8 (over the limit with
/// their gate tables) by c128 sub16 v64 w8; the delta rule's two stages take 64-token
/// chunks and no key sub-tile, its walk groups of 4 warps that share q, k, W and P and own
/// their V columns each: c64 sub16 v32 w4 (128 walks at B = 2, H = 16), then c64 sub16
/// v128 w8 (fastest at T = 4k), c64 sub16 v64 w8, c64 sub16 v64 w4. Callers take the
/// first that compiles without local memory.
std::vector<LinearConfig> linearCandidates(int headDimK, int headDimV, LinearGateKind gate,
                                           LinearRule rule, int smemLimitBytes = 0);

/// Why `config` does not fit the traits' static_asserts for these head dims, gate and
/// rule, or an empty string when it does.
std::string linearConfigProblem(int headDimK, int headDimV, LinearGateKind gate, LinearRule rule,
                                const LinearConfig &config);

/// Shared-memory bytes of the main entry for this config: `stages` stages of q, k, the V slice
/// and the gates plus the 16-bit copy of the state; for the mLSTM kinds (LinearMlstmTraits)
/// also the gate tables and the normaliser; for the delta rule's walk `stages` stages of q, k,
/// W, the U slice, the scores P and the decays, the state copy and U'.
int linearSmemBytes(int headDimK, LinearGateKind gate, LinearRule rule,
                    const LinearConfig &config);

/// Shared-memory bytes of the delta rule's prepare stage (LinearDeltaPrepareTraits): q (or,
/// in its place, the bf16 hi/lo inverse tiles, whichever is larger), k and the whole V of
/// a chunk, the fp32 system A, beta and the gates.
int linearDeltaPrepareSmemBytes(int headDimK, int headDimV, LinearGateKind gate,
                                const LinearConfig &config);

/// Warps of the delta rule's prepare stage (one m16 stripe of the chunk each), whatever
/// the walk's warps.
int linearDeltaPrepareWarps(const LinearConfig &config);

/// Workspace bytes per (batch row, head, token) the delta rule's prepare stage writes for
/// the walk (LinearDeltaWorkspace.cuh): W [K], U [V] and P [chunk] in 16 bits, the
/// cumulative decay in fp32.
int64_t linearDeltaTokenBytes(int headDimK, int headDimV, const LinearConfig &config);

} // namespace attnc::cuda

#endif // ATTNC_TARGET_CUDA_LINEARCONFIG_H
