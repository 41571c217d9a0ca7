//===- Prefill.cuh - FlashAttention-2 forward kernel template ----*- CUDA -*-===//
//
// One CTA computes BLOCK_M query rows of one (batch, head): the Q tile is loaded once and
// held in registers as mma.sync A fragments; K and V tiles stream through a STAGES-deep
// cp.async ring in shared memory (XOR-swizzled, so ldmatrix is bank-conflict free). Per
// key block: S = Q K^T on tensor cores, the variant's score modifier, the mask only on
// partial tiles, an online softmax in the log2 domain (exp2), and O += P V with P reused
// straight from the S accumulators as A fragments. Key blocks outside the variant's key
// range are never loaded; empty tiles inside it are skipped. Any N and M work: rows past
// the end are zero-filled on load and never stored. Sequence lengths, batch and heads are
// run-time values; only the element type, head dim and tile shape are compiled in.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_PREFILL_CUH
#define ATTNC_PREFILL_CUH

#include "attnc/KernelParams.h"
#include "attnc/Mma.cuh"
#include "attnc/Numeric.cuh"
#include "attnc/Variant.cuh"

namespace attnc {

/// The compile-time shape of a prefill kernel; the tuner searches over these.
template <typename Element_, int HEAD_DIM_, int BLOCK_M_, int BLOCK_N_, int NUM_WARPS_,
          int STAGES_, bool Q_IN_REGS_ = true>
struct PrefillTraits {
  using Element = Element_;
  static constexpr int HEAD_DIM = HEAD_DIM_;
  static constexpr int BLOCK_M = BLOCK_M_;
  static constexpr int BLOCK_N = BLOCK_N_;
  static constexpr int NUM_WARPS = NUM_WARPS_;
  static constexpr int STAGES = STAGES_;
  /// Hold Q's A fragments in registers for the whole loop (else re-read them from shared
  /// memory every key block, which frees registers for more rows per warp).
  static constexpr bool Q_IN_REGS = Q_IN_REGS_;

  static constexpr int kThreads = NUM_WARPS * kWarpSize;
  static constexpr int kWarpRows = BLOCK_M / NUM_WARPS;
  static constexpr int kWarpMTiles = kWarpRows / kMmaM;
  static constexpr int kKSteps = HEAD_DIM / kMmaK;   ///< k16 steps of Q K^T over the head dim
  static constexpr int kNTiles = BLOCK_N / kMmaN;    ///< n8 tiles of S along keys
  static constexpr int kPSteps = BLOCK_N / kMmaK;    ///< k16 steps of P V over keys
  static constexpr int kDTiles = HEAD_DIM / kMmaN;   ///< n8 tiles of O along the head dim
  static constexpr int kElemsPerChunk = kCopyBytes / sizeof(Element);
  static constexpr int kChunksPerRow = HEAD_DIM / kElemsPerChunk;
  static constexpr int kRowBytes = HEAD_DIM * sizeof(Element);
  static constexpr int kSwizzleGroup = 8; ///< chunks per XOR-swizzle group (8 x 16 B = 128 B)
  static constexpr int kQTileBytes = BLOCK_M * kRowBytes;
  static constexpr int kKVTileBytes = BLOCK_N * kRowBytes;
  static constexpr int kSmemBytes = kQTileBytes + STAGES * 2 * kKVTileBytes;

  static_assert(sizeof(Element) == 2, "prefill operands are 16-bit (bf16 or fp16)");
  static_assert(HEAD_DIM % 64 == 0, "a row must span whole 128-byte swizzle groups (head dim 64, 128, 256)");
  static_assert(BLOCK_M % (NUM_WARPS * kMmaM) == 0, "each warp owns whole m16 row tiles");
  static_assert(BLOCK_N % kMmaK == 0, "key blocks are whole k16 steps of P V");
  static_assert(STAGES >= 2, "the K/V ring needs at least double buffering");
};

/// Rows of 64 bytes (32 16-bit elements) pair up into one 128-byte swizzle line.
constexpr int kHalfSwizzleRowBytes = 64;

/// The XOR applied to the chunk index of row `row`. Rows of 128 bytes or more XOR the row
/// mod 8; 64-byte rows XOR (row / 2) mod 4 within their four chunks, so the eight rows an
/// ldmatrix phase reads (two per 128-byte line) still hit eight distinct 16-byte bank
/// groups. Both repeat every 8 rows.
template <typename Traits> __device__ __forceinline__ int swizzlePhase(int row) {
  if constexpr (Traits::kRowBytes == kHalfSwizzleRowBytes)
    return (row / 2) % (Traits::kSwizzleGroup / 2);
  else
    return row % Traits::kSwizzleGroup;
}

/// Byte offset of 16-byte chunk `chunk` of row `row` in a swizzled tile.
template <typename Traits>
__device__ __forceinline__ unsigned swizzledOffset(int row, int chunk) {
  int swizzled = chunk ^ swizzlePhase<Traits>(row);
  return row * Traits::kRowBytes + swizzled * kCopyBytes;
}

/// A lane's ldmatrix address into a swizzled tile, as one register plus compile-time
/// parts. Valid for rows `rowBase + laneRow` with rowBase % 8 == 0 and chunks
/// `chunkBase + laneChunk` with chunkBase even, laneChunk 0/1. Then the swizzle XOR touches
/// only chunk bits 1-2, which are address bits 5-6 of the lane's chunk-pair-0 offset (row
/// bytes are a multiple of 128, or 64 with the phase of `swizzlePhase`, which a multiple
/// of 8 rows leaves unchanged), so chunk pair c is that offset XOR (c << 5): one register
/// per operand instead of four, and one LOP3 per ldmatrix.
template <typename Traits> struct LaneSwizzle {
  static constexpr int kPairShift = 5; ///< log2 of a chunk pair's bytes (2 x 16 B)
  static_assert(Traits::kRowBytes % (Traits::kSwizzleGroup * kCopyBytes) == 0 ||
                    Traits::kRowBytes == kHalfSwizzleRowBytes,
                "rows start on a swizzle-group boundary, or pair up into one");
  unsigned offset;

  __device__ __forceinline__ LaneSwizzle(int laneRow, int laneChunk)
      : offset(laneRow * Traits::kRowBytes +
               (laneChunk ^ swizzlePhase<Traits>(laneRow)) * kCopyBytes) {}
  /// Offset for compile-time `rowBase` and `chunkBase` (after unrolling).
  __device__ __forceinline__ unsigned at(int rowBase, int chunkBase) const {
    constexpr int kGroupMask = Traits::kSwizzleGroup - 1;
    return (offset ^ (((chunkBase & kGroupMask) / 2) << kPairShift)) +
           rowBase * Traits::kRowBytes + (chunkBase & ~kGroupMask) * kCopyBytes;
  }
};

/// Issues cp.async copies of `ROWS` rows starting at `src` (row stride in elements) into a
/// swizzled shared tile; rows at or past `validRows` are zero-filled. Each thread owns one
/// chunk column and every kRowsPerPass-th row; the global pointer advances one stride step
/// per pass, and where a pass spans whole swizzle groups (head dim <= 128) the shared
/// offset advances by a constant too. Shapes that do not split into whole passes copy one
/// chunk per step.
template <typename Traits, int ROWS>
__device__ __forceinline__ void loadTileAsync(unsigned smemTile,
                                              const typename Traits::Element *src,
                                              long long rowStride, int validRows) {
  constexpr int kRowsPerPass = Traits::kThreads / Traits::kChunksPerRow;
  constexpr bool kWholePasses = Traits::kThreads % Traits::kChunksPerRow == 0 &&
                                kRowsPerPass > 0 && ROWS % kRowsPerPass == 0;
  if constexpr (kWholePasses) {
    constexpr bool kSamePhase = kRowsPerPass % Traits::kSwizzleGroup == 0;
    const int row = threadIdx.x / Traits::kChunksPerRow;
    const int chunk = threadIdx.x % Traits::kChunksPerRow;
    const unsigned dst = smemTile + swizzledOffset<Traits>(row, chunk);
    const typename Traits::Element *p = src + row * rowStride + chunk * Traits::kElemsPerChunk;
#pragma unroll
    for (int pass = 0; pass < ROWS / kRowsPerPass; ++pass) {
      const bool valid = row + pass * kRowsPerPass < validRows;
      // A zero-fill copy reads nothing, so `p` may point past the tensor's last row there.
      const unsigned passDst =
          kSamePhase ? dst + pass * kRowsPerPass * Traits::kRowBytes
                     : smemTile + swizzledOffset<Traits>(row + pass * kRowsPerPass, chunk);
      cpAsync16(passDst, p, valid);
      p += kRowsPerPass * rowStride;
    }
  } else {
    constexpr int kChunks = ROWS * Traits::kChunksPerRow;
#pragma unroll
    for (int idx = threadIdx.x; idx < kChunks; idx += Traits::kThreads) {
      const int row = idx / Traits::kChunksPerRow;
      const int chunk = idx % Traits::kChunksPerRow;
      const bool valid = row < validRows;
      cpAsync16(smemTile + swizzledOffset<Traits>(row, chunk),
                src + (valid ? row * rowStride : 0) + chunk * Traits::kElemsPerChunk, valid);
    }
  }
}

/// Per-row online-softmax state of one thread: its two rows of each m16 tile.
template <typename Traits> struct RowState {
  float rowMax[Traits::kWarpMTiles][2];
  float rowSum[Traits::kWarpMTiles][2];
};

/// Max over the four threads of a quad (they share one row of an m16n8 fragment).
__device__ __forceinline__ float quadMax(float x) {
  x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 1));
  return fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 2));
}

__device__ __forceinline__ float quadSum(float x) {
  x += __shfl_xor_sync(0xffffffffu, x, 1);
  return x + __shfl_xor_sync(0xffffffffu, x, 2);
}

/// P of one key block as packed element pairs: [mt][nt][half] holds the two columns of
/// n8 tile nt in row half `half` of m16 tile mt, the register layout of an A fragment.
template <typename Traits>
using PackedP = unsigned[Traits::kWarpMTiles][Traits::kNTiles][2];

/// Online-softmax step for one key block: scores to the log2 domain (through the
/// variant's score modifier, if any), the mask where the tile needs it (MASKED), new row
/// maxima, P = exp2(x - max) packed to element pairs as each row is done (so the fp32
/// scores die before P V, at half the registers), and the rescaling of row sums and
/// accumulators. Without a score modifier the raw q.k stays unscaled until one FFMA
/// before exp2.
template <typename Traits, bool MASKED, typename Variant>
__device__ __forceinline__ void
softmaxUpdate(float (&s)[Traits::kWarpMTiles][Traits::kNTiles][4], PackedP<Traits> &pOut,
              RowState<Traits> &state,
              float (&acc)[Traits::kWarpMTiles][Traits::kDTiles][4], const Variant &variant,
              const ScoreContext &ctx, int row0, int k0, int lane, bool evalMask,
              bool testPairs) {
  const AttncSoftmaxParams &p = *ctx.params;
  const float toLog2 = Variant::HAS_SCORE_MOD ? 1.f : p.scale_log2;
  // Score modifier and mask, row by row: a row that tests pairs (a partial tile of a mask
  // with a per-element part) does so for all its columns in one straight run, so the data
  // the mask reads is loaded together; the other rows compare bounds only.
  if constexpr (Variant::HAS_SCORE_MOD || MASKED) {
    const int laneRow = row0 + lane / 4;
    const int laneCol = k0 + 2 * (lane % 4);
#pragma unroll
    for (int mt = 0; mt < Traits::kWarpMTiles; ++mt)
#pragma unroll
      for (int half = 0; half < 2; ++half) {
        const int row = laneRow + mt * kMmaM + half * 8;
        RowKeys keys{};
        if constexpr (MASKED)
          keys = tileRowKeys(variant, row, evalMask, ctx);
        modifyTileRow<MASKED, Variant>(keys, row, testPairs, ctx, [&](auto pairTest) {
#pragma unroll
          for (int nt = 0; nt < Traits::kNTiles; ++nt)
#pragma unroll
            for (int c = 0; c < 2; ++c)
              modifyScore<MASKED, decltype(pairTest)::value>(
                  s[mt][nt][half * 2 + c], variant, keys, row, laneCol + nt * kMmaN + c, ctx);
        });
      }
  }
#pragma unroll
  for (int mt = 0; mt < Traits::kWarpMTiles; ++mt) {
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      float blockMax = kNegInf;
#pragma unroll
      for (int nt = 0; nt < Traits::kNTiles; ++nt)
#pragma unroll
        for (int c = 0; c < 2; ++c)
          blockMax = fmaxf(blockMax, s[mt][nt][half * 2 + c]);
      const float newMax = fmaxf(state.rowMax[mt][half], quadMax(blockMax) * toLog2);
      // A row with nothing unmasked yet keeps max -inf; exponentiate against 0 then.
      const float base = newMax == kNegInf ? 0.f : newMax;
      const float correction = fastExp2(state.rowMax[mt][half] - base);
      state.rowMax[mt][half] = newMax;
      float sum = 0.f;
#pragma unroll
      for (int nt = 0; nt < Traits::kNTiles; ++nt) {
        const float p0 = fastExp2(fmaf(s[mt][nt][half * 2], toLog2, -base));
        const float p1 = fastExp2(fmaf(s[mt][nt][half * 2 + 1], toLog2, -base));
        sum += p0;
        sum += p1;
        pOut[mt][nt][half] = ElementTraits<typename Traits::Element>::pack(p0, p1);
      }
      state.rowSum[mt][half] = state.rowSum[mt][half] * correction + sum;
#pragma unroll
      for (int dt = 0; dt < Traits::kDTiles; ++dt) {
        acc[mt][dt][half * 2] *= correction;
        acc[mt][dt][half * 2 + 1] *= correction;
      }
    }
  }
}

/// The whole forward pass for one query block. `Variant` follows DenseVariant's shape.
template <typename Traits, typename Variant>
__device__ __forceinline__ void prefillKernel(const AttncSoftmaxParams &p) {
  using Element = typename Traits::Element;
  extern __shared__ __align__(128) unsigned char smem[];
  const unsigned smemQ = smemAddress(smem);
  const unsigned smemKV = smemQ + Traits::kQTileBytes;
  auto smemK = [&](int stage) { return smemKV + stage * 2 * Traits::kKVTileBytes; };
  auto smemV = [&](int stage) { return smemK(stage) + Traits::kKVTileBytes; };

  const int warp = threadIdx.x / kWarpSize;
  const int lane = threadIdx.x % kWarpSize;
  // Launch the last query blocks first: under a causal mask they see the most keys, so the
  // longest CTAs start early and the tail of the grid is short ones.
  const int qBlock = gridDim.x - 1 - blockIdx.x;
  const int head = blockIdx.y;
  const int batch = blockIdx.z;
  const int headKv = head / (p.heads_q / p.heads_kv);
  const int q0 = qBlock * Traits::BLOCK_M;
  const int warpRow0 = warp * Traits::kWarpRows;
  const ScoreContext ctx{batch, head, &p};
  const Variant variant{};

  const Element *qBase = static_cast<const Element *>(p.q.ptr) + batch * p.q.stride[0] +
                         head * p.q.stride[1] + q0 * p.q.stride[2];
  const Element *kBase = static_cast<const Element *>(p.k.ptr) + batch * p.k.stride[0] +
                         headKv * p.k.stride[1];
  const Element *vBase = static_cast<const Element *>(p.v.ptr) + batch * p.v.stride[0] +
                         headKv * p.v.stride[1];

  // Key blocks this query block visits.
  const int qEnd = min(q0 + Traits::BLOCK_M, p.seq_q);
  KeyRange keys = variant.keyRange(q0, qEnd, ctx);
  keys.begin = max(keys.begin, 0);
  keys.end = min(keys.end, p.seq_k);
  const int kbBegin = keys.begin / Traits::BLOCK_N;
  const int kbEnd = keys.end > keys.begin ? (keys.end + Traits::BLOCK_N - 1) / Traits::BLOCK_N
                                          : kbBegin;

  auto loadKV = [&](int kb, int stage) {
    int k0 = kb * Traits::BLOCK_N;
    int valid = p.seq_k - k0;
    loadTileAsync<Traits, Traits::BLOCK_N>(smemK(stage), kBase + k0 * p.k.stride[2],
                                           p.k.stride[2], valid);
    loadTileAsync<Traits, Traits::BLOCK_N>(smemV(stage), vBase + k0 * p.v.stride[2],
                                           p.v.stride[2], valid);
  };

  loadTileAsync<Traits, Traits::BLOCK_M>(smemQ, qBase, p.q.stride[2], p.seq_q - q0);
  cpAsyncCommit();
#pragma unroll
  for (int s = 0; s < Traits::STAGES - 1; ++s) {
    if (kbBegin + s < kbEnd)
      loadKV(kbBegin + s, s);
    cpAsyncCommit();
  }

  // Q fragments: the Q group is the oldest, so it is complete here.
  cpAsyncWait<Traits::STAGES - 1>();
  __syncthreads();
  // ldmatrix.x4 lane roles: Q (A operand) rows 0-15 x chunks {0,1}; K (B, [key][d])
  // keys {0-7, 8-15} x chunks {0,1}; V (B transposed) keys 0-15 x chunks {0,1}.
  const LaneSwizzle<Traits> qLane(warpRow0 + lane % 16, lane / 16);
  const LaneSwizzle<Traits> kLane((lane / 16) * 8 + lane % 8, (lane / 8) % 2);
  const LaneSwizzle<Traits> vLane(((lane / 8) % 2) * 8 + lane % 8, lane / 16);
  auto loadQFragment = [&](unsigned(&frag)[4], int mt, int ks) {
    ldmatrixX4(frag, smemQ + qLane.at(mt * kMmaM, ks * 2));
  };
  constexpr int kHeldKSteps = Traits::Q_IN_REGS ? Traits::kKSteps : 1;
  unsigned qFrag[Traits::kWarpMTiles][kHeldKSteps][4];
  if constexpr (Traits::Q_IN_REGS) {
#pragma unroll
    for (int mt = 0; mt < Traits::kWarpMTiles; ++mt)
#pragma unroll
      for (int ks = 0; ks < Traits::kKSteps; ++ks)
        loadQFragment(qFrag[mt][ks], mt, ks);
  }

  float acc[Traits::kWarpMTiles][Traits::kDTiles][4];
  RowState<Traits> state;
#pragma unroll
  for (int mt = 0; mt < Traits::kWarpMTiles; ++mt) {
#pragma unroll
    for (int dt = 0; dt < Traits::kDTiles; ++dt)
#pragma unroll
      for (int e = 0; e < 4; ++e)
        acc[mt][dt][e] = 0.f;
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      state.rowMax[mt][half] = kNegInf;
      state.rowSum[mt][half] = 0.f;
    }
  }

  for (int kb = kbBegin; kb < kbEnd; ++kb) {
    const int it = kb - kbBegin;
    cpAsyncWait<Traits::STAGES - 2>();
    __syncthreads();
    const int next = kb + Traits::STAGES - 1;
    if (next < kbEnd)
      loadKV(next, (it + Traits::STAGES - 1) % Traits::STAGES);
    cpAsyncCommit();

    const int k0 = kb * Traits::BLOCK_N;
    const int kEnd = min(k0 + Traits::BLOCK_N, p.seq_k);
    const int kind = Variant::HAS_MASK ? variant.tileKind(q0, qEnd, k0, kEnd, ctx) : kTileFull;
    if (kind == kTileEmpty)
      continue;
    const bool evalMask =
        kind == kTilePartial || (Variant::ROW_KEYS_DECIDE_MATCHED_IDS && kind == kTileRowKeys);
    const bool testPairs = tileTestsPairs<Variant>(kind, evalMask);
    const bool ragged = k0 + Traits::BLOCK_N > p.seq_k;
    const int stage = it % Traits::STAGES;

    // S = Q K^T.
    float s[Traits::kWarpMTiles][Traits::kNTiles][4];
#pragma unroll
    for (int mt = 0; mt < Traits::kWarpMTiles; ++mt)
#pragma unroll
      for (int nt = 0; nt < Traits::kNTiles; ++nt)
#pragma unroll
        for (int e = 0; e < 4; ++e)
          s[mt][nt][e] = 0.f;
#pragma unroll
    for (int ks = 0; ks < Traits::kKSteps; ++ks) {
      const int held = Traits::Q_IN_REGS ? ks : 0;
      if constexpr (!Traits::Q_IN_REGS) {
#pragma unroll
        for (int mt = 0; mt < Traits::kWarpMTiles; ++mt)
          loadQFragment(qFrag[mt][0], mt, ks);
      }
#pragma unroll
      for (int np = 0; np < Traits::kNTiles / 2; ++np) {
        unsigned b[4];
        ldmatrixX4(b, smemK(stage) + kLane.at(np * 16, ks * 2));
#pragma unroll
        for (int mt = 0; mt < Traits::kWarpMTiles; ++mt) {
          mma16816<Element>(s[mt][2 * np], qFrag[mt][held], b[0], b[1]);
          mma16816<Element>(s[mt][2 * np + 1], qFrag[mt][held], b[2], b[3]);
        }
      }
    }

    // Scores to the log2 domain, masked where the tile needs it; online softmax update.
    PackedP<Traits> pPacked;
    // Masks with row-key tiles take three bodies (pair tests, bounds only, no mask) with
    // constant flags: at 255 registers (128x64 w4), one body on both partial classes spilled.
    if (Variant::ROW_KEYS_DECIDE_MATCHED_IDS && testPairs)
      softmaxUpdate<Traits, true>(s, pPacked, state, acc, variant, ctx, q0 + warpRow0, k0, lane,
                                  true, true);
    else if (Variant::ROW_KEYS_DECIDE_MATCHED_IDS && (evalMask || ragged))
      softmaxUpdate<Traits, true>(s, pPacked, state, acc, variant, ctx, q0 + warpRow0, k0, lane,
                                  evalMask, false);
    else if (evalMask || ragged)
      softmaxUpdate<Traits, true>(s, pPacked, state, acc, variant, ctx, q0 + warpRow0, k0, lane,
                                  evalMask, testPairs);
    else
      softmaxUpdate<Traits, false>(s, pPacked, state, acc, variant, ctx, q0 + warpRow0, k0,
                                   lane, false, false);

    // O += P V, the packed P pairs of two n8 tiles forming one k16 A fragment.
#pragma unroll
    for (int pk = 0; pk < Traits::kPSteps; ++pk) {
      unsigned pFrag[Traits::kWarpMTiles][4];
#pragma unroll
      for (int mt = 0; mt < Traits::kWarpMTiles; ++mt) {
        pFrag[mt][0] = pPacked[mt][2 * pk][0];
        pFrag[mt][1] = pPacked[mt][2 * pk][1];
        pFrag[mt][2] = pPacked[mt][2 * pk + 1][0];
        pFrag[mt][3] = pPacked[mt][2 * pk + 1][1];
      }
#pragma unroll
      for (int dp = 0; dp < Traits::kDTiles / 2; ++dp) {
        unsigned b[4];
        ldmatrixX4Trans(b, smemV(stage) + vLane.at(pk * 16, dp * 2));
#pragma unroll
        for (int mt = 0; mt < Traits::kWarpMTiles; ++mt) {
          mma16816<Element>(acc[mt][2 * dp], pFrag[mt], b[0], b[1]);
          mma16816<Element>(acc[mt][2 * dp + 1], pFrag[mt], b[2], b[3]);
        }
      }
    }
  }
  cpAsyncWait<0>();

  // Epilogue: normalise, write O (and the log-sum-exp) for the rows that exist.
  Element *oBase = static_cast<Element *>(const_cast<void *>(p.o.ptr)) +
                   batch * p.o.stride[0] + head * p.o.stride[1];
#pragma unroll
  for (int mt = 0; mt < Traits::kWarpMTiles; ++mt)
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      const int row = q0 + warpRow0 + mt * kMmaM + lane / 4 + half * 8;
      const float sum = quadSum(state.rowSum[mt][half]);
      const float inv = sum > 0.f ? 1.f / sum : 0.f;
      if (row >= p.seq_q)
        continue;
      Element *orow = oBase + row * p.o.stride[2];
#pragma unroll
      for (int dt = 0; dt < Traits::kDTiles; ++dt) {
        const int col = dt * kMmaN + 2 * (lane % 4);
        *reinterpret_cast<unsigned *>(orow + col) = ElementTraits<Element>::pack(
            acc[mt][dt][half * 2] * inv, acc[mt][dt][half * 2 + 1] * inv);
      }
      if (p.lse.ptr != nullptr && lane % 4 == 0) {
        float *lse = static_cast<float *>(const_cast<void *>(p.lse.ptr));
        lse[batch * p.lse.stride[0] + head * p.lse.stride[1] + row * p.lse.stride[2]] =
            sum > 0.f ? (state.rowMax[mt][half] + log2f(sum)) * kLn2 : kNegInf;
      }
    }
}

} // namespace attnc

#endif // ATTNC_PREFILL_CUH
