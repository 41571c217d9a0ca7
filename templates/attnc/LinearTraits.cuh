//===- LinearTraits.cuh - Compile-time shape of a chunkwise linear kernel -*- CUDA -*-===//
//
// Everything the chunkwise linear-attention kernel fixes at compile time: the element
// type, head dims, the slice of V one CTA owns, the chunk (first tiling level: how many
// tokens share one pass over the state), the key sub-tile inside a chunk (second level:
// the intra-chunk causal product streams over SUB-wide key tiles, so scores in registers
// do not grow with the chunk), warps, the gate kind and the depth of the chunk pipeline
// (ChunkPipeline.cuh). The shared-memory plan lives here too, and the static_asserts say
// which shapes the kernel supports. SPAN > 1 makes a chunk of SPAN tiles: the state's
// copy that q S reads is refreshed only at chunk ends, and each tile also takes the
// quadratic products against the chunk's earlier tiles (TFLA's large chunks), which are
// loaded again into a past-tile buffer. The mLSTM (LinearMlstmTraits) lays out its own
// buffers and uses the SPAN rules stated here.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_LINEAR_TRAITS_CUH
#define ATTNC_LINEAR_TRAITS_CUH

#include "attnc/Mma.cuh"

namespace attnc {

/// How the state decays between tokens.
enum class LinearGate : int {
  kNone = 0,       ///< plain linear attention: S_t = S_{t-1} + k v^T
  kPerHead = 1,    ///< constant log decay per head (RetNet, Lightning Attention-2)
  kPerToken = 2,   ///< one log gate per token (simple GLA, Mamba-2 SSD)
  kPerChannel = 3, ///< one log gate per token and key channel (GLA)
  kMlstmSig = 4,   ///< mLSTM, sigmoid input gate (LinearMlstm.cuh): no stabiliser needed
  kMlstmExp = 5,   ///< mLSTM, exponential input gate: max-state stabiliser (LinearMlstm.cuh)
};

/// A row-major, XOR-swizzled shared tile WIDTH elements wide, in the shape the copy and
/// ldmatrix helpers of Prefill.cuh expect of their traits.
template <typename Element_, int WIDTH, int THREADS> struct SmemTileShape {
  using Element = Element_;
  static constexpr int kThreads = THREADS;
  static constexpr int kElemsPerChunk = kCopyBytes / sizeof(Element);
  static constexpr int kChunksPerRow = WIDTH / kElemsPerChunk;
  static constexpr int kRowBytes = WIDTH * sizeof(Element);
  static constexpr int kSwizzleGroup = 8;
  static constexpr int kBytes(int rows) { return rows * kRowBytes; }
};

template <typename Element_, int HEAD_K_, int HEAD_V_, int SLICE_V_, int CHUNK_, int SUB_,
          int NUM_WARPS_, LinearGate GATE_, int STAGES_ = 2, int SPAN_ = 1>
struct LinearTraits {
  using Element = Element_;
  static constexpr int HEAD_K = HEAD_K_;
  static constexpr int HEAD_V = HEAD_V_;
  static constexpr int SLICE_V = SLICE_V_; ///< V columns of the state one CTA owns
  static constexpr int CHUNK = CHUNK_;
  static constexpr int SUB = SUB_;
  static constexpr int NUM_WARPS = NUM_WARPS_;
  static constexpr LinearGate GATE = GATE_;

  static constexpr int kThreads = NUM_WARPS * kWarpSize;
  static constexpr int kStripes = CHUNK / kMmaM; ///< m16 query stripes per chunk
  static constexpr int kStripesPerWarp = kStripes / NUM_WARPS;
  static constexpr int kKSteps = HEAD_K / kMmaK;        ///< k16 steps over the key dim
  static constexpr int kVTiles = SLICE_V / kMmaN;       ///< n8 tiles of O and S along V
  static constexpr int kSubNTiles = SUB / kMmaN;        ///< n8 score tiles per key sub-tile
  static constexpr int kSubKSteps = SUB / kMmaK;        ///< k16 steps of P V per sub-tile
  static constexpr int kTokenSteps = CHUNK / kMmaK;     ///< k16 steps of the state update
  static constexpr int kStateRows = HEAD_K / NUM_WARPS; ///< key rows of S per warp
  static constexpr int kStateMTiles = kStateRows / kMmaM;
  static constexpr int kSlices = HEAD_V / SLICE_V;

  using QKTile = SmemTileShape<Element, HEAD_K, kThreads>;
  using VTile = SmemTileShape<Element, SLICE_V, kThreads>;

  static constexpr bool kVectorGate = GATE == LinearGate::kPerChannel;
  static constexpr bool kHasGate = GATE != LinearGate::kNone;
  /// One decay per token for every key channel: applied to scores, not operands.
  static constexpr bool kScalarDecay =
      GATE == LinearGate::kPerHead || GATE == LinearGate::kPerToken;
  /// Data-dependent gates are streamed with the chunk; a per-head decay is a scalar.
  static constexpr bool kGateTile = GATE == LinearGate::kPerToken || kVectorGate;
  /// Log gates per token in shared memory; per-channel rows are padded by one 16-byte
  /// chunk so the lanes of a fragment (rows lane/4) do not share banks.
  static constexpr int kGatePad = kVectorGate ? kCopyBytes / sizeof(float) : 0;
  static constexpr int kGateRow = kVectorGate ? HEAD_K + kGatePad : 1;
  static constexpr int kGateBytes = kGateTile ? CHUNK * kGateRow * sizeof(float) : 0;

  /// Chunk c is computed while chunks c+1 .. c+kStages-1 load.
  static constexpr int kStages = STAGES_;
  static constexpr int kQKBytes = QKTile::kBytes(CHUNK);
  static constexpr int kVBytes = VTile::kBytes(CHUNK);
  static constexpr int kStageBytes = 2 * kQKBytes + kVBytes + kGateBytes;
  static constexpr int kStateBytes = VTile::kBytes(HEAD_K); ///< bf16 copy of S for q S
  /// Tiles per chunk (the state's copy is refreshed every SPAN tiles); with SPAN > 1 a
  /// buffer for one earlier tile's k, V slice and gates, then each tile's log2 decay from
  /// the chunk's start (a row of one float, or HEAD_K for per-channel gates).
  static constexpr int kSpan = SPAN_;
  static constexpr int kOffsetRow = kVectorGate ? HEAD_K : 1;
  static constexpr int kPastBytes =
      kSpan > 1
          ? kQKBytes + kVBytes + kGateBytes + kSpan * kOffsetRow * static_cast<int>(sizeof(float))
          : 0;
  static constexpr int kSmemBytes = kStages * kStageBytes + kStateBytes + kPastBytes;

  static_assert(sizeof(Element) == 2, "operands are 16-bit (bf16 or fp16)");
  static_assert(kStages >= 2 && kStages <= 4, "the chunk pipeline is 2 to 4 stages deep");
  static_assert(HEAD_K % 64 == 0 && SLICE_V % 32 == 0,
                "q and k rows span whole 128-byte swizzle groups (head dims 64, 128, 256); "
                "V slices of 32 have 64-byte rows (see swizzlePhase)");
  static_assert(HEAD_V % SLICE_V == 0, "V splits into whole slices");
  static_assert(CHUNK % (NUM_WARPS * kMmaM) == 0, "each warp owns whole m16 stripes");
  static_assert(CHUNK % SUB == 0 && SUB % kMmaK == 0, "key sub-tiles are whole k16 steps");
  static_assert(SUB % kMmaM == 0, "a stripe never straddles two key sub-tiles");
  static_assert(!kVectorGate || SUB == kMmaM,
                "per-channel gates factor around a 16-token reference; wider sub-tiles "
                "could overflow fp32 under strong decay");
  static_assert(HEAD_K % (NUM_WARPS * kMmaM) == 0, "each warp owns whole m16 rows of S");
  static_assert(!kVectorGate || HEAD_K <= kThreads, "one thread scans each key channel");
  static_assert(CHUNK % kWarpSize == 0, "one warp scans per-token gates, whole tokens per lane");
  static_assert(kSpan >= 1, "a chunk spans whole tiles");
  static_assert(kSpan == 1 || kStripesPerWarp == 1,
                "chunks of several tiles keep one stripe's output per warp across the tiles");
};

} // namespace attnc

#endif // ATTNC_LINEAR_TRAITS_CUH
