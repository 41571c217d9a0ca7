//===- LinearDeltaSplitTraits.cuh - Shapes of the two-stage delta rule -*- CUDA -*-===//
//
// The delta rule in two stages (LinearDeltaPrepare.cuh, LinearDeltaWalk.cuh): a
// chunk-parallel prepare stage does each chunk's UT transform once, for all V columns, and
// leaves W, U, the intra-chunk scores P and the cumulative log decays in a workspace; the
// walk then only runs the serial part per (sequence, head, V slice). These traits fix both
// stages' shared-memory plans. The prepare stage holds q, k, the whole V, beta and the
// gates of one chunk, the fp32 system A and its inverse split into bf16 hi/lo tiles (two
// scalings: W's beta exp(b), U's beta); the walk double-buffers q, k, W, the U slice, P
// and the decays, and keeps the 16-bit state copy and the corrected values of one chunk.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_LINEAR_DELTA_SPLIT_TRAITS_CUH
#define ATTNC_LINEAR_DELTA_SPLIT_TRAITS_CUH

#include "attnc/LinearTraits.cuh"

namespace attnc {

/// The one chunk both stages support: P rows (CHUNK 16-bit scores) span one 128-byte
/// swizzle group, and the prepare stage's inverse keeps CHUNK floats per thread.
constexpr int kDeltaSplitChunk = 64;

/// The prepare stage: one CTA per (chunk, head, sequence), all V columns.
template <typename Element_, int HEAD_K_, int HEAD_V_, int CHUNK_, int NUM_WARPS_,
          LinearGate GATE_>
struct LinearDeltaPrepareTraits {
  using Element = Element_;
  static constexpr int HEAD_K = HEAD_K_;
  static constexpr int HEAD_V = HEAD_V_;
  static constexpr int CHUNK = CHUNK_;
  static constexpr int NUM_WARPS = NUM_WARPS_;
  static constexpr LinearGate GATE = GATE_;

  static constexpr int kThreads = NUM_WARPS * kWarpSize;
  static constexpr int kStripes = CHUNK / kMmaM;
  static constexpr int kStripesPerWarp = kStripes / NUM_WARPS;
  static constexpr int kKSteps = HEAD_K / kMmaK;
  static constexpr int kChunkNTiles = CHUNK / kMmaN;
  static constexpr bool kHasGate = GATE != LinearGate::kNone;
  static constexpr bool kGateTile = kHasGate;
  static constexpr bool kScalarDecay = kHasGate;
  static constexpr bool kVectorGate = false;
  static constexpr int kGateRow = 1;

  using QKTile = SmemTileShape<Element, HEAD_K, kThreads>;
  using VTile = SmemTileShape<Element, HEAD_V, kThreads>; ///< the whole V of the chunk
  using PTile = SmemTileShape<Element, CHUNK, kThreads>;  ///< CHUNK x CHUNK, e.g. Ai

  /// fp32 rows of A pad by one 16-byte chunk (float4 rows, fragment stores spread banks).
  static constexpr int kARow = CHUNK + kCopyBytes / sizeof(float);
  /// Inverse tiles: W's hi and lo, then U's (the same matrix without a gate).
  static constexpr int kInverseTiles = kHasGate ? 4 : 2;

  static constexpr int kQOffset = 0;
  static constexpr int kKOffset = kQOffset + QKTile::kBytes(CHUNK);
  static constexpr int kVOffset = kKOffset + QKTile::kBytes(CHUNK);
  static constexpr int kInverseOffset = kVOffset + VTile::kBytes(CHUNK);
  static constexpr int kInverseTileBytes = PTile::kBytes(CHUNK);
  static constexpr int kAOffset = kInverseOffset + kInverseTiles * kInverseTileBytes;
  static constexpr int kBetaOffset = kAOffset + CHUNK * kARow * sizeof(float);
  static constexpr int kGateOffset = kBetaOffset + CHUNK * sizeof(float);
  static constexpr int kSmemBytes = kGateOffset + CHUNK * sizeof(float);

  static_assert(sizeof(Element) == 2, "operands are 16-bit (bf16 or fp16)");
  static_assert(GATE == LinearGate::kNone || GATE == LinearGate::kPerToken,
                "the delta rule is plain or gated by one log decay per token");
  static_assert(CHUNK == kDeltaSplitChunk, "P rows are one swizzle group; see kDeltaSplitChunk");
  static_assert(HEAD_K % 64 == 0 && HEAD_V % 64 == 0, "rows span whole 128-byte swizzle groups");
  static_assert(CHUNK % (NUM_WARPS * kMmaM) == 0, "each warp owns whole m16 stripes");
  static_assert(kInverseTiles / 2 * CHUNK <= kThreads,
                "one thread per column of each scaled inverse");
  static_assert(CHUNK % kWarpSize == 0, "one warp scans the gates, whole tokens per lane");
};

/// The walk: one CTA per (V slice, head, sequence), the decay family's tiling.
template <typename Element_, int HEAD_K_, int HEAD_V_, int SLICE_V_, int CHUNK_, int NUM_WARPS_,
          LinearGate GATE_>
struct LinearDeltaWalkTraits
    : LinearTraits<Element_, HEAD_K_, HEAD_V_, SLICE_V_, CHUNK_, kMmaM, NUM_WARPS_, GATE_> {
  using Base = LinearTraits<Element_, HEAD_K_, HEAD_V_, SLICE_V_, CHUNK_, kMmaM, NUM_WARPS_, GATE_>;
  using typename Base::Element;
  using typename Base::QKTile;
  using typename Base::VTile;
  using Base::CHUNK;
  using Base::kThreads;
  using PTile = SmemTileShape<Element, CHUNK, kThreads>;

  /// Per stage: q, k, W (QKTile), the U slice (VTile), P (PTile), the decays (fp32).
  static constexpr int kWOffset = 2 * Base::kQKBytes;
  static constexpr int kUOffset = kWOffset + Base::kQKBytes;
  static constexpr int kPOffset = kUOffset + Base::kVBytes;
  static constexpr int kDecayOffset = kPOffset + PTile::kBytes(CHUNK);
  static constexpr int kDecayBytes = Base::kHasGate ? CHUNK * sizeof(float) : 0;
  static constexpr int kStageBytes = kDecayOffset + kDecayBytes;
  static constexpr int kStateOffset = Base::kStages * kStageBytes;
  static constexpr int kNewVOffset = kStateOffset + Base::kStateBytes;
  static constexpr int kSmemBytes = kNewVOffset + VTile::kBytes(CHUNK);

  static_assert(GATE_ == LinearGate::kNone || GATE_ == LinearGate::kPerToken,
                "the delta rule is plain or gated by one log decay per token");
  static_assert(CHUNK == kDeltaSplitChunk, "P rows are one swizzle group; see kDeltaSplitChunk");
  static_assert(Base::kStripesPerWarp == 1,
                "q S of a warp's one stripe is held across the barrier before P U'");
  static constexpr int kSwizzleSpan = VTile::kSwizzleGroup * kCopyBytes; ///< one XOR period
  static_assert(kStageBytes % kSwizzleSpan == 0, "every stage starts on a swizzle period");
};

} // namespace attnc

#endif // ATTNC_LINEAR_DELTA_SPLIT_TRAITS_CUH
