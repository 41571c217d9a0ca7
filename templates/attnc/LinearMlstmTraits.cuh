//===- LinearMlstmTraits.cuh - Compile-time shape of the mLSTM kernel -*- CUDA -*-===//
//
// The chunkwise mLSTM (LinearMlstm.cuh) reuses the decay family's tiling — element type,
// head dims, V slice, chunk, key sub-tile, warps, the q/k/v stages and the 16-bit state
// copy — so its traits extend LinearTraits with GATE kMlstmSig or kMlstmExp. What it adds
// to the shared-memory plan: per stage the raw forget and input gate pre-activations of
// the chunk (one float per token each), and once per CTA the gate tables the per-chunk
// scan writes (LinearMlstmGate.cuh) and the fp32 copy of the normaliser n[HEAD_K] that
// q . n reads (n itself lives in mma accumulators next to C's rows). With SPAN > 1 (chunks
// of several tiles) also a buffer for one earlier tile's k and V slice, after the state
// copy, and a table of every tile's key exponents in the chunk (SPAN x CHUNK floats).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_LINEAR_MLSTM_TRAITS_CUH
#define ATTNC_LINEAR_MLSTM_TRAITS_CUH

#include "attnc/LinearTraits.cuh"

namespace attnc {

/// Per-chunk tables of the mLSTM gate scan, as float offsets from the table base: the
/// scalars (two, or five with SPAN > 1, padded to 16-byte chunks), then five per-token rows
/// (and with SPAN > 1 one row of key exponents per tile of the chunk).
struct MlstmTableLayout {
  static constexpr int kCarry = 0;       ///< 2^(m_prev - ref_last): the state's factor
  static constexpr int kMaxState = 1;    ///< m, the state's log2 scale (exp gate only)
  static constexpr int kChunkMaxState = 2; ///< SPAN > 1: m at the chunk's start
  static constexpr int kNextOffset = 3;  ///< SPAN > 1: log2 decay from the chunk's start
                                         ///< to the next tile's start
  static constexpr int kOffset = 4;      ///< SPAN > 1: the same to this tile's start
  /// Scalars, padded to whole 16-byte chunks.
  static constexpr int scalarFloats(int span) { return span > 1 ? 8 : 4; }
  static constexpr int kRows = 5; ///< a, ref, inter, floor, w
};

template <typename Element_, int HEAD_K_, int HEAD_V_, int SLICE_V_, int CHUNK_, int SUB_,
          int NUM_WARPS_, LinearGate GATE_, int STAGES_ = 2, int SPAN_ = 1>
struct LinearMlstmTraits : LinearTraits<Element_, HEAD_K_, HEAD_V_, SLICE_V_, CHUNK_, SUB_,
                                        NUM_WARPS_, GATE_, STAGES_, SPAN_> {
  using Base = LinearTraits<Element_, HEAD_K_, HEAD_V_, SLICE_V_, CHUNK_, SUB_, NUM_WARPS_, GATE_,
                            STAGES_, SPAN_>;
  using Base::CHUNK;
  using Base::HEAD_K;
  using Base::kSpan;

  /// The exponential input gate needs the max-state stabiliser; the sigmoid one keeps
  /// every weight <= 1 without it (its state scale m stays 0).
  static constexpr bool kStabilised = GATE_ == LinearGate::kMlstmExp;

  static constexpr int kGateRowBytes = CHUNK * sizeof(float);
  static constexpr int kForgetOffset = 2 * Base::kQKBytes + Base::kVBytes; ///< within a stage
  static constexpr int kInputOffset = kForgetOffset + kGateRowBytes;
  static constexpr int kStageBytes = kInputOffset + kGateRowBytes;

  static constexpr int kStateOffset = Base::kStages * kStageBytes;
  /// SPAN > 1: an earlier tile's k, then its V slice.
  static constexpr int kPastOffset = kStateOffset + Base::kStateBytes;
  static constexpr int kPastBytes = kSpan > 1 ? Base::kQKBytes + Base::kVBytes : 0;
  static constexpr int kTableOffset = kPastOffset + kPastBytes;
  /// SPAN > 1: the key exponents a_s of the chunk's tiles from the chunk's start, a row of
  /// CHUNK per tile, after the five per-token rows.
  static constexpr int kChunkRowFloats = kSpan > 1 ? kSpan * CHUNK : 0;
  static constexpr int kScalarFloats = MlstmTableLayout::scalarFloats(kSpan);
  static constexpr int kTableFloats =
      kScalarFloats + MlstmTableLayout::kRows * CHUNK + kChunkRowFloats;
  static constexpr int kNormOffset = kTableOffset + kTableFloats * sizeof(float);
  static constexpr int kSmemBytes = kNormOffset + HEAD_K * sizeof(float);

  static_assert(GATE_ == LinearGate::kMlstmSig || GATE_ == LinearGate::kMlstmExp,
                "the mLSTM kernel takes a sigmoid or an exponential input gate");
  static constexpr int kSwizzleSpan = Base::VTile::kSwizzleGroup * kCopyBytes;
  static_assert(kStageBytes % kSwizzleSpan == 0 && kStateOffset % kSwizzleSpan == 0 &&
                    kPastOffset % kSwizzleSpan == 0,
                "swizzled tiles start on whole swizzle periods");
  static_assert(kTableOffset % kCopyBytes == 0 && kNormOffset % kCopyBytes == 0,
                "fp32 tables start on 16-byte bounds");
};

} // namespace attnc

#endif // ATTNC_LINEAR_MLSTM_TRAITS_CUH
