//===- LinearDeltaSplitTraits.cuh - Shapes of the two-stage delta rule -*- CUDA -*-===//
//
// The delta rule in two stages (LinearDeltaPrepare.cuh, LinearDeltaWalk.cuh): a
// chunk-parallel prepare stage does each chunk's UT transform once, for all V columns, and
// leaves W, U, the intra-chunk scores P and the cumulative log decays in a workspace; the
// walk then only runs the serial part per (sequence, head, V slice). These traits fix both
// stages' shared-memory plans. The prepare stage holds q, k, the whole V, beta and the
// gates of one chunk, the fp32 system A and its inverse Ai diag(beta) split into bf16
// hi/lo tiles in q's place (W's decays scale k's rows instead: one inverse, and three CTAs
// per SM at K = 128); the walk pipelines q, k, W, the U slices, P and the decays
// (ChunkPipeline.cuh), and keeps each warp group's 16-bit state copy and corrected values
// of one chunk.
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
  /// One scaled inverse Ai diag(beta), as a hi and a lo tile; W's decays scale k instead.
  static constexpr int kInverseTiles = 2;
  static constexpr int kInverseTileBytes = PTile::kBytes(CHUNK);

  /// q is dead once A and P are formed, so the inverse tiles reuse its space.
  static constexpr int kQOffset = 0;
  static constexpr int kInverseOffset = kQOffset;
  static constexpr int kQRegionBytes = QKTile::kBytes(CHUNK) > kInverseTiles * kInverseTileBytes
                                           ? QKTile::kBytes(CHUNK)
                                           : kInverseTiles * kInverseTileBytes;
  static constexpr int kKOffset = kQOffset + kQRegionBytes;
  static constexpr int kVOffset = kKOffset + QKTile::kBytes(CHUNK);
  static constexpr int kAOffset = kVOffset + VTile::kBytes(CHUNK);
  static constexpr int kBetaOffset = kAOffset + CHUNK * kARow * sizeof(float);
  static constexpr int kGateOffset = kBetaOffset + CHUNK * sizeof(float);
  static constexpr int kSmemBytes = kGateOffset + CHUNK * sizeof(float);

  static_assert(sizeof(Element) == 2, "operands are 16-bit (bf16 or fp16)");
  static_assert(GATE == LinearGate::kNone || GATE == LinearGate::kPerToken,
                "the delta rule is plain or gated by one log decay per token");
  static_assert(CHUNK == kDeltaSplitChunk, "P rows are one swizzle group; see kDeltaSplitChunk");
  static_assert(HEAD_K % 64 == 0 && HEAD_V % 64 == 0, "rows span whole 128-byte swizzle groups");
  static_assert(CHUNK % (NUM_WARPS * kMmaM) == 0, "each warp owns whole m16 stripes");
  static_assert(2 * CHUNK <= kThreads,
                "one thread per column of the inverse, as many scale k's rows meanwhile");
  static_assert(CHUNK % kWarpSize == 0, "one warp scans the gates, whole tokens per lane");
};

/// Warps of one walk group: one m16 stripe of the chunk each.
constexpr int deltaWalkGroupWarps(int chunk) { return chunk / kMmaM; }

/// The walk: one CTA per (V slice, head, sequence). Its warps form NUM_WARPS / (CHUNK / 16)
/// groups; each group owns SLICE_V / groups columns of the slice (its own U tile, state and
/// state copy, U' tile) and runs the decay family's tiling on them, while q, k, W, P and the
/// decays of a chunk are loaded once for the whole CTA. Two groups give each scheduler two
/// warps to interleave without a second copy of the shared tiles in shared memory. The
/// base traits are one group's (SLICE_V: the group's columns, kThreads: its threads, and
/// QKTile/VTile/kStateRows sized for it); kThreads and NUM_WARPS are redefined here for
/// the whole CTA, and the tiles loaded by every thread have their own shapes.
template <typename Element_, int HEAD_K_, int HEAD_V_, int SLICE_V_, int CHUNK_, int NUM_WARPS_,
          LinearGate GATE_, int STAGES_ = 2>
struct LinearDeltaWalkTraits
    : LinearTraits<Element_, HEAD_K_, HEAD_V_,
                   SLICE_V_ / (NUM_WARPS_ / deltaWalkGroupWarps(CHUNK_)), CHUNK_, kMmaM,
                   deltaWalkGroupWarps(CHUNK_), GATE_, STAGES_> {
  using Base = LinearTraits<Element_, HEAD_K_, HEAD_V_,
                            SLICE_V_ / (NUM_WARPS_ / deltaWalkGroupWarps(CHUNK_)), CHUNK_, kMmaM,
                            deltaWalkGroupWarps(CHUNK_), GATE_, STAGES_>;
  using typename Base::Element;
  using typename Base::QKTile;
  using typename Base::VTile;
  using Base::CHUNK;

  static constexpr int NUM_WARPS = NUM_WARPS_;
  static constexpr int kThreads = NUM_WARPS * kWarpSize;
  static constexpr int kGroupWarps = deltaWalkGroupWarps(CHUNK);
  static constexpr int kGroups = NUM_WARPS / kGroupWarps;
  static constexpr int kCtaV = SLICE_V_; ///< V columns of one CTA; Base::SLICE_V: one group's
  static constexpr int kCtaSlices = Base::HEAD_V / kCtaV;

  using PTile = SmemTileShape<Element, CHUNK, Base::kThreads>;
  /// The same tiles as loaded by all of the CTA's threads.
  using QKLoad = SmemTileShape<Element, Base::HEAD_K, kThreads>;
  using VLoad = SmemTileShape<Element, Base::SLICE_V, kThreads>;
  using PLoad = SmemTileShape<Element, CHUNK, kThreads>;

  /// Per stage: q, k, W (QKTile), each group's U columns (VTile), P, the decays (fp32).
  static constexpr int kWOffset = 2 * Base::kQKBytes;
  static constexpr int kUOffset = kWOffset + Base::kQKBytes;
  static constexpr int kPOffset = kUOffset + kGroups * Base::kVBytes;
  static constexpr int kDecayOffset = kPOffset + PTile::kBytes(CHUNK);
  static constexpr int kDecayBytes = Base::kHasGate ? CHUNK * sizeof(float) : 0;
  static constexpr int kStageBytes = kDecayOffset + kDecayBytes;
  /// Then each group's state copy and U' tile.
  static constexpr int kStateOffset = Base::kStages * kStageBytes;
  static constexpr int kNewVOffset = kStateOffset + kGroups * Base::kStateBytes;
  static constexpr int kSmemBytes = kNewVOffset + kGroups * VTile::kBytes(CHUNK);

  static_assert(GATE_ == LinearGate::kNone || GATE_ == LinearGate::kPerToken,
                "the delta rule is plain or gated by one log decay per token");
  static_assert(CHUNK == kDeltaSplitChunk, "P rows are one swizzle group; see kDeltaSplitChunk");
  static_assert(NUM_WARPS % kGroupWarps == 0 && SLICE_V_ % kGroups == 0,
                "whole groups of CHUNK / 16 warps, each owning equal V columns");
  static_assert(Base::SLICE_V % 32 == 0,
                "a group's V columns are 64-byte rows or whole 128-byte swizzle groups");
  static_assert(Base::kStripesPerWarp == 1,
                "q S of a warp's one stripe is held across the barrier before P U'");
  static constexpr int kSwizzleSpan = QKTile::kSwizzleGroup * kCopyBytes; ///< one XOR period
  static_assert(Base::kVBytes % kSwizzleSpan == 0 && kStageBytes % kSwizzleSpan == 0,
                "every tile starts on a swizzle period");
};

} // namespace attnc

#endif // ATTNC_LINEAR_DELTA_SPLIT_TRAITS_CUH
