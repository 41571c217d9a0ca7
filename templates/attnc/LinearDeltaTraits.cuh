//===- LinearDeltaTraits.cuh - Compile-time shape of the delta-rule kernel -*- CUDA -*-===//
//
// The chunkwise delta rule (LinearDelta.cuh) reuses the decay family's tiling — the same
// element type, head dims, V slice, chunk, key sub-tile and warps, and the same output
// and state-update products — so its traits extend LinearTraits. What it adds is the
// shared-memory plan of the UT transform: per stage a beta vector next to the chunk's
// q/k/v/gate tiles, and, once per CTA, the fp32 strictly-lower system A, the fp32
// right-hand side beta (v - exp(b) k^T S), and the bf16/fp16 tile U' of corrected values
// that then takes V's place in o and in the state update. The static_asserts say which
// shapes the forward substitution (one thread per V column, rows in register blocks)
// supports.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_LINEAR_DELTA_TRAITS_CUH
#define ATTNC_LINEAR_DELTA_TRAITS_CUH

#include "attnc/LinearTraits.cuh"

namespace attnc {

/// Longest chunk the forward substitution handles (CHUNK^2 / 2 unrolled FMAs per column).
constexpr int kDeltaMaxChunk = 64;
/// Rows of one column the forward substitution holds in registers at a time.
constexpr int kDeltaSolveBlock = 32;

template <typename Element_, int HEAD_K_, int HEAD_V_, int SLICE_V_, int CHUNK_, int SUB_,
          int NUM_WARPS_, LinearGate GATE_>
struct LinearDeltaTraits
    : LinearTraits<Element_, HEAD_K_, HEAD_V_, SLICE_V_, CHUNK_, SUB_, NUM_WARPS_, GATE_> {
  using Base = LinearTraits<Element_, HEAD_K_, HEAD_V_, SLICE_V_, CHUNK_, SUB_, NUM_WARPS_, GATE_>;
  using Base::CHUNK;
  using Base::SLICE_V;
  using typename Base::VTile;

  static constexpr int kChunkNTiles = CHUNK / kMmaN; ///< n8 tiles of one row stripe of A
  /// fp32 rows of A and of the right-hand side are padded by one 16-byte chunk: rows stay
  /// float4-aligned and the fragment stores of consecutive rows start in different banks.
  static constexpr int kRowPad = kCopyBytes / sizeof(float);
  static constexpr int kARow = CHUNK + kRowPad;
  static constexpr int kRhsRow = SLICE_V + kRowPad;

  static constexpr int kBetaBytes = CHUNK * sizeof(float);
  static constexpr int kStageBytes = Base::kStageBytes + kBetaBytes; ///< q, k, v, gate, beta
  static constexpr int kGateOffset = 2 * Base::kQKBytes + Base::kVBytes;
  static constexpr int kBetaOffset = kGateOffset + Base::kGateBytes;

  static constexpr int kStateOffset = Base::kStages * kStageBytes;
  static constexpr int kUOffset = kStateOffset + Base::kStateBytes;
  static constexpr int kAOffset = kUOffset + VTile::kBytes(CHUNK);
  static constexpr int kRhsOffset = kAOffset + CHUNK * kARow * sizeof(float);
  static constexpr int kSmemBytes = kRhsOffset + CHUNK * kRhsRow * sizeof(float);

  static_assert(GATE_ == LinearGate::kNone || GATE_ == LinearGate::kPerToken,
                "the delta rule is plain or gated by one log decay per token");
  static_assert(CHUNK <= kDeltaMaxChunk, "the forward substitution keeps CHUNK floats per thread");
  static_assert(CHUNK % kMmaK == 0 && CHUNK % 4 == 0, "A rows are read as float4");
  static_assert(SLICE_V <= Base::kThreads, "one thread solves each V column of the slice");
  static constexpr int kSwizzleSpan = VTile::kSwizzleGroup * kCopyBytes; ///< one XOR period
  static_assert(kStageBytes % kSwizzleSpan == 0 && kUOffset % kSwizzleSpan == 0 &&
                    kAOffset % kCopyBytes == 0,
                "swizzled tiles start on whole swizzle periods, fp32 rows on 16-byte bounds");
};

} // namespace attnc

#endif // ATTNC_LINEAR_DELTA_TRAITS_CUH
