//===- PrefillSm90.cuh - Hopper (sm_90a) forward kernel template --*- CUDA -*-===//
//
// FlashAttention-3's structure on wgmma, behind the same variant hooks as Prefill.cuh. A CTA
// owns BLOCK_M = 64 x CONSUMER_WARPGROUPS query rows of one (batch, head) and is warp
// specialised: warpgroup 0 produces (it copies the Q tile once and then K/V tiles into a
// STAGES-deep ring of 128-byte-swizzled shared memory, each stage guarded by mbarriers, and
// keeps few registers), every other warpgroup consumes 64 query rows (it holds the S and O
// accumulators in registers after `setmaxnreg` hands it the producer's share). Per key block a
// consumer computes S = Q K^T with wgmma SS (both operands from shared memory), applies the
// variant's score modifier and, on partial tiles only, its mask, runs the online softmax in
// the log2 domain on the accumulator fragments, and adds P V with wgmma RS: P stays in
// registers (the S accumulator layout is the A-fragment layout, packed to 16-bit pairs) and
// V is read MN-major through the transpose bit. With OVERLAP_SOFTMAX the P V of one block
// runs on the tensor cores while the softmax of the next is computed (FA3's intra-warpgroup
// pipelining). Key blocks outside the variant's key range are never loaded, empty tiles are
// neither loaded nor computed; rows past the end are zero-filled and never stored.
// CTAS_PER_SM = 2 (with one consumer warpgroup) halves the register and shared-memory
// budget so two CTAs share an SM: one CTA's prologue (barrier setup, first loads, pipeline
// fill) and epilogue (last P V, stores) overlap the other's main loop, which is what short
// CTAs (sliding windows, document masks: a handful of key blocks each) cannot hide alone.
// PERSISTENT > 0 hides the same fixed cost in one CTA: the grid holds as many CTAs as fit the
// GPU and each walks the query blocks blockIdx.x, blockIdx.x + gridDim.x, ... (query blocks
// fastest within a head, last ones first), producer and consumers running their ring
// counters on across tiles, so the next tile's K/V streams into stages freed while the
// consumers finish the current tile's last P V and store it. The consumers release Q right
// after their last S = Q K^T; with PERSISTENT = 1 the producer reloads that one Q buffer
// then, with PERSISTENT = 2 it fills the other of two Q buffers a whole tile ahead.
// Over a data-dependent mask (a block map) the tiles are uneven, so persistent CTAs with one
// Q buffer claim them instead: the producer's first thread takes the next tile from a
// counter in the map, which ranks each plane's query blocks heaviest first (BlockMap.cuh),
// in groups of kClaimGroupHeads heads (the tiles running at once share those heads' K/V in
// L2), and hands it to its warpgroup and the consumers through a shared slot beside the Q
// buffer.
// PINGPONG (two consumers) takes FA3's inter-warpgroup schedule: the consumers issue their
// wgmmas in turns, handed over on two named barriers, so one warpgroup's softmax runs while
// the other's products occupy the tensor cores. A tuning choice: on the H100 the consumers
// already drift apart without it, and the turns measured 1-3% slower (bench/NOTES.md "v8").
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_PREFILL_SM90_CUH
#define ATTNC_PREFILL_SM90_CUH

#include "attnc/BlockMap.cuh"
#include "attnc/KernelParams.h"
#include "attnc/Mbarrier.cuh"
#include "attnc/Mma.cuh"
#include "attnc/Numeric.cuh"
#include "attnc/Variant.cuh"
#include "attnc/Wgmma.cuh"

namespace attnc {

/// The compile-time shape of an sm_90a prefill kernel.
template <typename Element_, int HEAD_DIM_, int BLOCK_N_, int STAGES_,
          int CONSUMER_WARPGROUPS_ = 2, bool OVERLAP_SOFTMAX_ = true, int CTAS_PER_SM_ = 1,
          int PERSISTENT_ = 0, bool PINGPONG_ = false>
struct PrefillSm90Traits {
  using Element = Element_;
  static constexpr int HEAD_DIM = HEAD_DIM_;
  static constexpr int BLOCK_N = BLOCK_N_;
  static constexpr int STAGES = STAGES_;
  static constexpr int CONSUMER_WARPGROUPS = CONSUMER_WARPGROUPS_;
  static constexpr bool OVERLAP_SOFTMAX = OVERLAP_SOFTMAX_;
  /// CTAs resident per SM: the kernel's `__launch_bounds__` minimum, which caps registers.
  static constexpr int CTAS_PER_SM = CTAS_PER_SM_;
  /// 0: one CTA per query block (grid (ceil(N / BLOCK_M), Hq, B)); 1 or 2: persistent CTAs
  /// (grid (min(tiles, SMs x CTAS_PER_SM), 1, 1)) with that many Q buffers.
  static constexpr int PERSISTENT = PERSISTENT_;
  static constexpr bool IS_PERSISTENT = PERSISTENT > 0;
  static constexpr int kQBuffers = IS_PERSISTENT ? PERSISTENT : 1;
  /// The two consumer warpgroups issue their wgmmas in turns.
  static constexpr bool PINGPONG = PINGPONG_;
  static constexpr int BLOCK_M = CONSUMER_WARPGROUPS * kWgmmaM;

  static constexpr int kThreads = (1 + CONSUMER_WARPGROUPS) * kWarpgroupThreads;
  static constexpr int kConsumerWarps = CONSUMER_WARPGROUPS * kWarpgroupThreads / kWarpSize;
  /// Registers per thread after re-partitioning. Each CTA gets its share of the SM's 64K
  /// registers at launch, per thread in whole granules of 8 (168 for 384 threads at one
  /// CTA per SM, 128 for 256 at two; ptxas caps the kernel there through
  /// __launch_bounds__); `setmaxnreg` moves registers between the warpgroups of that
  /// allocation only, so producer + consumers per thread slot stay within it (asking for
  /// more makes the consumers' claim wait forever).
  static constexpr int kRegisterFile = 65536;
  static constexpr int kRegisterGranule = 8;
  static constexpr int kMaxRegsPerThread = 255 / kRegisterGranule * kRegisterGranule;
  static constexpr int kLaunchRegs =
      kRegisterFile / (kThreads * CTAS_PER_SM) / kRegisterGranule * kRegisterGranule >
              kMaxRegsPerThread
          ? kMaxRegsPerThread
          : kRegisterFile / (kThreads * CTAS_PER_SM) / kRegisterGranule * kRegisterGranule;
  static constexpr int kRegisterFileSlots = kLaunchRegs * (1 + CONSUMER_WARPGROUPS);
  /// The producer's registers after `setmaxnreg`: persistent producers fit in 40 (their tile
  /// loop keeps no per-tile addresses), which gives each consumer 8 more; the one-tile
  /// producer needs 56.
  static constexpr int kProducerRegs = PERSISTENT_ > 0 ? 40 : 56;
  static constexpr int kConsumerRegs =
      ((kRegisterFileSlots - kProducerRegs) / CONSUMER_WARPGROUPS) / kRegisterGranule *
                  kRegisterGranule >
              240
          ? 240
          : ((kRegisterFileSlots - kProducerRegs) / CONSUMER_WARPGROUPS) / kRegisterGranule *
                kRegisterGranule;

  static constexpr int kSwizzleElems = kSwizzleRowBytes / sizeof(Element); ///< 64 per row
  static constexpr int kElemsPerChunk = kSwizzleChunkBytes / sizeof(Element);
  static constexpr int kKStepsPerSwizzleRow = kSwizzleElems / kWgmmaK;
  static constexpr int kKSteps = HEAD_DIM / kWgmmaK; ///< k16 steps of Q K^T
  static constexpr int kPSteps = BLOCK_N / kWgmmaK;  ///< k16 steps of P V
  static constexpr int kSBlocks = BLOCK_N / kMmaN;   ///< n8 blocks of S per row
  static constexpr int kOBlocks = HEAD_DIM / kMmaN;  ///< n8 blocks of O per row
  static constexpr int kSAccRegs = BLOCK_N * kWgmmaM / kWarpgroupThreads;
  static constexpr int kOAccRegs = HEAD_DIM * kWgmmaM / kWarpgroupThreads;

  static constexpr int kQTileBytes = BLOCK_M * HEAD_DIM * sizeof(Element);
  static constexpr int kKVTileBytes = BLOCK_N * HEAD_DIM * sizeof(Element);
  /// Q full; K full, V full, stage empty; persistent: the other Q buffers' full, Q empty.
  static constexpr int kBarriers = 1 + 3 * STAGES + (IS_PERSISTENT ? 2 * kQBuffers - 1 : 0);
  static constexpr int kBarrierBytes = kBarriers * kMbarrierBytes;
  /// Barriers, then one claimed-tile slot (int) per Q buffer.
  static constexpr int kSyncBytes = kBarrierBytes + kQBuffers * static_cast<int>(sizeof(int));
  static constexpr int kTileBytes = kQBuffers * kQTileBytes + 2 * STAGES * kKVTileBytes;
  /// The tiles start at the dynamic shared-memory base rounded up to a swizzle atom; the
  /// barriers take whichever side of them has room, so one atom of slack covers both.
  static constexpr int kAlignSlack = kSwizzleAtomBytes;
  static constexpr int kSmemBytes = kAlignSlack + kTileBytes;
  static constexpr int kSmemPerSm = 233472;        ///< sm_90's shared memory per SM
  static constexpr int kReservedSmemPerCta = 1024; ///< what the system keeps per CTA
  /// One CTA: sm_90's opt-in dynamic shared memory; more: an equal share of the SM's.
  static constexpr int kMaxSmemBytes =
      CTAS_PER_SM == 1 ? 232448 : kSmemPerSm / CTAS_PER_SM - kReservedSmemPerCta;

  static_assert(sizeof(Element) == 2, "wgmma operands here are 16-bit (bf16 or fp16)");
  static_assert(HEAD_DIM == 64 || HEAD_DIM == 128 || HEAD_DIM == 256,
                "head dim: whole 128-byte swizzle rows and a wgmma N of 64, 128 or 256");
  static_assert(BLOCK_N == 64 || BLOCK_N == 128, "key block: a wgmma N of 64 or 128");
  static_assert(STAGES >= 2, "the K/V ring needs at least double buffering");
  static_assert(CONSUMER_WARPGROUPS >= 1 && CONSUMER_WARPGROUPS <= 3,
                "one producer plus at most three consumers fit 512 threads");
  static_assert(CTAS_PER_SM == 1 || CTAS_PER_SM == 2, "one or two CTAs per SM");
  static_assert(PERSISTENT >= 0 && PERSISTENT <= 2, "persistent with one or two Q buffers");
  static_assert(!PINGPONG || CONSUMER_WARPGROUPS == 2, "ping-pong takes turns between two consumers");
  static_assert(kThreads * CTAS_PER_SM <= 2048, "resident threads exceed an SM's 2048");
  static_assert(kProducerRegs + CONSUMER_WARPGROUPS * kConsumerRegs <= kRegisterFileSlots,
                "register re-partitioning exceeds this CTA's share of the register file");
  static_assert(2 * kSyncBytes <= kAlignSlack,
                "the barriers fit the alignment slack on one side of the tiles or the other");
  static_assert(kSmemBytes <= kMaxSmemBytes,
                "tiles exceed this CTA's share of Hopper's shared memory");
};

namespace sm90 {

constexpr int kFragmentHalfRows = kMmaM / 2; ///< a thread's second fragment row is 8 below
/// Ping-pong: named barrier kTurnBarrier + c opens consumer c's turn to issue wgmmas (id 0
/// is __syncthreads'); both consumer warpgroups count in it.
constexpr int kTurnBarrier = 1;
constexpr int kTurnThreads = 2 * kWarpgroupThreads;

/// Ping-pong: waits for consumer `consumer`'s turn.
template <typename Traits> __device__ __forceinline__ void awaitTurn(int consumer) {
  if constexpr (Traits::PINGPONG)
    namedBarrierSync(kTurnBarrier + consumer, kTurnThreads);
}

/// Ping-pong: hands the turn to the other consumer. Consumer 1 does so once before its
/// first block, so consumer 0 goes first; the last hand-over of a CTA is never taken.
template <typename Traits> __device__ __forceinline__ void passTurn(int consumer) {
  if constexpr (Traits::PINGPONG)
    namedBarrierArrive(kTurnBarrier + 1 - consumer, kTurnThreads);
}

/// Where each tile and barrier of the ring lives (shared-memory addresses), from the base of
/// the dynamic shared-memory window: the tiles at the next swizzle atom, the barriers in
/// the gap before them when it is large enough, else right after them (kSmemBytes holds
/// one atom besides the tiles, and the barriers take at most half of one).
template <typename Traits> struct SmemLayout {
  unsigned q;
  unsigned kv;
  unsigned barriers;

  __device__ __forceinline__ explicit SmemLayout(unsigned base)
      : q((base + kSwizzleAtomBytes - 1) & ~(kSwizzleAtomBytes - 1u)),
        kv(q + Traits::kQBuffers * Traits::kQTileBytes),
        barriers(q - base >= Traits::kSyncBytes ? base : q + Traits::kTileBytes) {}
  __device__ __forceinline__ unsigned k(int stage) const {
    return kv + stage * 2 * Traits::kKVTileBytes;
  }
  __device__ __forceinline__ unsigned v(int stage) const { return k(stage) + Traits::kKVTileBytes; }
  __device__ __forceinline__ unsigned qFull() const { return barriers; }
  /// Persistent: Q buffer `buffer` (tile t of a CTA uses buffer t % kQBuffers).
  __device__ __forceinline__ unsigned qBuffer(int buffer) const {
    return q + buffer * Traits::kQTileBytes;
  }
  __device__ __forceinline__ unsigned qFull(int buffer) const {
    return buffer == 0 ? barriers : barriers + (3 * Traits::STAGES + buffer) * kMbarrierBytes;
  }
  __device__ __forceinline__ unsigned qEmpty(int buffer) const {
    return barriers + (3 * Traits::STAGES + Traits::kQBuffers + buffer) * kMbarrierBytes;
  }
  __device__ __forceinline__ unsigned kFull(int stage) const {
    return barriers + (1 + stage) * kMbarrierBytes;
  }
  __device__ __forceinline__ unsigned vFull(int stage) const {
    return barriers + (1 + Traits::STAGES + stage) * kMbarrierBytes;
  }
  __device__ __forceinline__ unsigned empty(int stage) const {
    return barriers + (1 + 2 * Traits::STAGES + stage) * kMbarrierBytes;
  }
  /// Claimed tiles: the tile whose Q goes into buffer `buffer`.
  __device__ __forceinline__ unsigned tileSlot(int buffer) const {
    return barriers + Traits::kBarrierBytes + buffer * static_cast<unsigned>(sizeof(int));
  }
};

/// What producer and consumers agree on for one query block: its rows, and the key blocks
/// it visits (both sides skip the same empty tiles, so their stage sequences match).
template <typename Traits, typename Variant> struct QueryBlock {
  int q0;
  int qEnd;
  int kbBegin;
  int kbEnd;
  int headKv;
  ScoreContext ctx;

  __device__ __forceinline__ int kind(const Variant &variant, int kb) const {
    if constexpr (!Variant::HAS_MASK)
      return kTileFull;
    const int k0 = kb * Traits::BLOCK_N;
    return variant.tileKind(q0, qEnd, k0, min(k0 + Traits::BLOCK_N, ctx.params->seq_k), ctx);
  }
};

/// Copies ROWS x HEAD_DIM elements (row stride `rowStride`) into the 128-byte-swizzled layout
/// wgmma descriptors expect: the head dim is split into 64-element column blocks, each a run
/// of ROWS 128-byte rows whose 16-byte chunks are XORed with row % 8. Rows at or past
/// `validRows` are zero-filled. `thread` is the caller's index in the producer warpgroup;
/// consecutive threads copy consecutive chunks of a row (coalesced).
template <typename Traits, int ROWS>
__device__ __forceinline__ void loadSwizzledTile(unsigned smemTile,
                                                 const typename Traits::Element *src,
                                                 long long rowStride, int validRows, int thread) {
  constexpr int kChunksPerRow = Traits::HEAD_DIM / Traits::kElemsPerChunk;
  constexpr int kChunksPerSwizzleRow = kSwizzleRowBytes / kSwizzleChunkBytes;
  constexpr int kRowsPerPass = kWarpgroupThreads / kChunksPerRow;
  static_assert(ROWS % kRowsPerPass == 0, "a tile splits into whole producer passes");
  const int row0 = thread / kChunksPerRow;
  const int chunk = thread % kChunksPerRow;
  const int rowChunk = chunk % kChunksPerSwizzleRow;
  const unsigned columnBlock = smemTile + (chunk / kChunksPerSwizzleRow) * ROWS * kSwizzleRowBytes;
  const typename Traits::Element *p = src + row0 * rowStride + chunk * Traits::kElemsPerChunk;
  if constexpr (Traits::IS_PERSISTENT && kRowsPerPass % kSwizzleAtomRows == 0) {
    // Every pass's rows share row0's swizzle, so the destinations are one register plus
    // immediates (a persistent producer keeps them across tiles; per-pass XORs spilled).
    const unsigned dst = columnBlock + row0 * kSwizzleRowBytes +
                         (rowChunk ^ (row0 % kSwizzleAtomRows)) * kSwizzleChunkBytes;
#pragma unroll
    for (int pass = 0; pass < ROWS / kRowsPerPass; ++pass) {
      cpAsync16(dst + pass * kRowsPerPass * kSwizzleRowBytes, p,
                row0 + pass * kRowsPerPass < validRows);
      p += kRowsPerPass * rowStride;
    }
    return;
  }
#pragma unroll
  for (int pass = 0; pass < ROWS / kRowsPerPass; ++pass) {
    const int row = row0 + pass * kRowsPerPass;
    const unsigned dst = columnBlock + row * kSwizzleRowBytes +
                         (rowChunk ^ (row % kSwizzleAtomRows)) * kSwizzleChunkBytes;
    // A zero-fill copy reads nothing, so `p` may point past the tensor's last row there.
    cpAsync16(dst, p, row < validRows);
    p += kRowsPerPass * rowStride;
  }
}

/// Q buffer and phase parity of a persistent CTA's `local`-th tile.
template <typename Traits> struct QSlot {
  int buffer;
  unsigned parity;
  __device__ __forceinline__ explicit QSlot(int local)
      : buffer(local % Traits::kQBuffers), parity((local / Traits::kQBuffers) & 1) {}
};

/// Warpgroup 0: Q, then K and V of every visited key block into the ring. `it` is the ring
/// iteration (persistent CTAs carry it from tile to tile), `local` this CTA's tile count.
template <typename Traits, typename Variant>
__device__ __forceinline__ void produceTiles(const AttncSoftmaxParams &p,
                                             const SmemLayout<Traits> &smem,
                                             const QueryBlock<Traits, Variant> &block,
                                             const Variant &variant, int &it, int local) {
  using Element = typename Traits::Element;
  const int thread = threadIdx.x % kWarpgroupThreads;
  const int batch = block.ctx.batch;
  const Element *qBase = static_cast<const Element *>(p.q.ptr) + batch * p.q.stride[0] +
                         block.ctx.head * p.q.stride[1] + block.q0 * p.q.stride[2];
  const Element *kBase = static_cast<const Element *>(p.k.ptr) + batch * p.k.stride[0] +
                         block.headKv * p.k.stride[1];
  const Element *vBase = static_cast<const Element *>(p.v.ptr) + batch * p.v.stride[0] +
                         block.headKv * p.v.stride[1];

  if constexpr (Traits::IS_PERSISTENT) {
    // Wait for the consumers to have released this buffer's previous Q (their last S).
    const QSlot<Traits> slot(local);
    mbarrierWait(smem.qEmpty(slot.buffer), slot.parity ^ 1);
    loadSwizzledTile<Traits, Traits::BLOCK_M>(smem.qBuffer(slot.buffer), qBase, p.q.stride[2],
                                              p.seq_q - block.q0, thread);
    cpAsyncMbarrierArrive(smem.qFull(slot.buffer));
  } else {
    loadSwizzledTile<Traits, Traits::BLOCK_M>(smem.q, qBase, p.q.stride[2], p.seq_q - block.q0,
                                              thread);
    cpAsyncMbarrierArrive(smem.qFull());
  }
  for (int kb = block.kbBegin; kb < block.kbEnd; ++kb) {
    if (block.kind(variant, kb) == kTileEmpty)
      continue;
    const int stage = it % Traits::STAGES;
    // Wait for the consumers to have released this stage's previous round.
    mbarrierWait(smem.empty(stage), ((it / Traits::STAGES) & 1) ^ 1);
    const int k0 = kb * Traits::BLOCK_N;
    loadSwizzledTile<Traits, Traits::BLOCK_N>(smem.k(stage), kBase + k0 * p.k.stride[2],
                                              p.k.stride[2], p.seq_k - k0, thread);
    cpAsyncMbarrierArrive(smem.kFull(stage));
    loadSwizzledTile<Traits, Traits::BLOCK_N>(smem.v(stage), vBase + k0 * p.v.stride[2],
                                              p.v.stride[2], p.seq_k - k0, thread);
    cpAsyncMbarrierArrive(smem.vFull(stage));
    ++it;
  }
  if constexpr (!Traits::IS_PERSISTENT)
    cpAsyncWaitAll();
}

/// Max over the four threads of a quad (they share one row of an accumulator fragment).
__device__ __forceinline__ float quadMax(float x) {
  x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 1));
  return fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 2));
}

__device__ __forceinline__ float quadSum(float x) {
  x += __shfl_xor_sync(0xffffffffu, x, 1);
  return x + __shfl_xor_sync(0xffffffffu, x, 2);
}

/// Online-softmax state of a thread's two rows (fragment rows lane/4 and lane/4 + 8).
struct SoftmaxRows {
  float max[2];
  float sum[2];
};

/// Accumulator element of n8 block `block`, row half `half`, column `c` of the pair.
__device__ __forceinline__ constexpr int fragIndex(int block, int half, int c) {
  return block * 4 + half * 2 + c;
}

/// Score modifier (to the log2 domain) and, when MASKED, the mask and the key bound, on a
/// thread's S fragment, row by row: a row that tests pairs does so for all its columns in
/// one straight run (its data loads issue together), the others compare bounds only.
template <typename Traits, bool MASKED, typename Variant>
__device__ __forceinline__ void modifyScores(float (&s)[Traits::kSAccRegs], const Variant &variant,
                                             const ScoreContext &ctx, int row0, int col0,
                                             bool evalMask, bool testPairs) {
#pragma unroll
  for (int half = 0; half < 2; ++half) {
    const int row = row0 + half * kFragmentHalfRows;
    RowKeys keys{};
    if constexpr (MASKED)
      keys = tileRowKeys(variant, row, evalMask, ctx);
    modifyTileRow<MASKED, Variant>(keys, row, testPairs, ctx, [&](auto pairTest) {
#pragma unroll
      for (int nb = 0; nb < Traits::kSBlocks; ++nb)
#pragma unroll
        for (int c = 0; c < 2; ++c)
          modifyScore<MASKED, decltype(pairTest)::value>(s[fragIndex(nb, half, c)], variant, keys,
                                                         row, col0 + nb * kMmaN + c, ctx);
    });
  }
}

/// One online-softmax step: new row maxima, S replaced in place by exp2(S * toLog2 - max),
/// row sums updated; `correction` is what earlier O rows must be multiplied by.
template <typename Traits>
__device__ __forceinline__ void softmaxStep(float (&s)[Traits::kSAccRegs], SoftmaxRows &rows,
                                            float (&correction)[2], float toLog2) {
#pragma unroll
  for (int half = 0; half < 2; ++half) {
    float blockMax = kNegInf;
#pragma unroll
    for (int nb = 0; nb < Traits::kSBlocks; ++nb)
      blockMax = fmaxf(blockMax, fmaxf(s[fragIndex(nb, half, 0)], s[fragIndex(nb, half, 1)]));
    const float newMax = fmaxf(rows.max[half], quadMax(blockMax) * toLog2);
    // A row with nothing unmasked yet keeps max -inf; exponentiate against 0 then.
    const float base = newMax == kNegInf ? 0.f : newMax;
    correction[half] = fastExp2(rows.max[half] - base);
    rows.max[half] = newMax;
    float sum = 0.f;
#pragma unroll
    for (int nb = 0; nb < Traits::kSBlocks; ++nb)
#pragma unroll
      for (int c = 0; c < 2; ++c) {
        float &x = s[fragIndex(nb, half, c)];
        x = fastExp2(fmaf(x, toLog2, -base));
        sum += x;
      }
    rows.sum[half] = rows.sum[half] * correction[half] + sum;
  }
}

template <typename Traits>
__device__ __forceinline__ void rescaleRows(float (&acc)[Traits::kOAccRegs],
                                            const float (&correction)[2]) {
#pragma unroll
  for (int nb = 0; nb < Traits::kOBlocks; ++nb)
#pragma unroll
    for (int half = 0; half < 2; ++half)
#pragma unroll
      for (int c = 0; c < 2; ++c)
        acc[fragIndex(nb, half, c)] *= correction[half];
}

/// P as wgmma A fragments: k16 step kk takes n8 blocks 2kk and 2kk+1 of S; registers are
/// (row lo, cols 0-7), (row hi, cols 0-7), (row lo, cols 8-15), (row hi, cols 8-15).
template <typename Traits>
using PFragments = unsigned[Traits::kPSteps][4];

template <typename Traits>
__device__ __forceinline__ void packP(const float (&s)[Traits::kSAccRegs], PFragments<Traits> &pf) {
  using E = ElementTraits<typename Traits::Element>;
#pragma unroll
  for (int kk = 0; kk < Traits::kPSteps; ++kk)
#pragma unroll
    for (int r = 0; r < 4; ++r) {
      const int nb = 2 * kk + r / 2;
      const int half = r % 2;
      pf[kk][r] = E::pack(s[fragIndex(nb, half, 0)], s[fragIndex(nb, half, 1)]);
    }
}

/// Descriptors of one consumer warpgroup's operands; k-step offsets are compile-time.
template <typename Traits> struct OperandDescriptors {
  unsigned long long q; ///< this warpgroup's 64 Q rows, K-major

  /// Byte offset of k16 step `ks` of a K-major tile with `rows` rows.
  static __device__ __forceinline__ constexpr unsigned kStepOffset(int ks, int rows) {
    return (ks / Traits::kKStepsPerSwizzleRow) * rows * kSwizzleRowBytes +
           (ks % Traits::kKStepsPerSwizzleRow) * kWgmmaK * sizeof(typename Traits::Element);
  }
  __device__ __forceinline__ unsigned long long qStep(int ks) const {
    return advanceDescriptor(q, kStepOffset(ks, Traits::BLOCK_M));
  }
  static __device__ __forceinline__ unsigned long long kStep(unsigned kTile, int ks) {
    return swizzle128Descriptor(kTile + kStepOffset(ks, Traits::BLOCK_N), kSwizzleChunkBytes,
                                kSwizzleAtomBytes);
  }
  /// V is MN-major for P V: 64-element head-dim blocks are BLOCK_N rows apart, 8-key groups
  /// one atom apart; k16 step kk starts 16 rows in.
  static __device__ __forceinline__ unsigned long long vStep(unsigned vTile, int kk) {
    return swizzle128Descriptor(vTile + kk * kWgmmaK * kSwizzleRowBytes,
                                Traits::BLOCK_N * kSwizzleRowBytes, kSwizzleAtomBytes);
  }
};

/// S = Q K^T for one key block, issued and committed (not waited for).
template <typename Traits>
__device__ __forceinline__ void issueQK(float (&s)[Traits::kSAccRegs],
                                        const OperandDescriptors<Traits> &desc, unsigned kTile) {
#pragma unroll
  for (int ks = 0; ks < Traits::kKSteps; ++ks)
    Wgmma<typename Traits::Element, Traits::BLOCK_N>::ss(
        s, desc.qStep(ks), OperandDescriptors<Traits>::kStep(kTile, ks), ks > 0 ? 1 : 0);
  wgmmaCommit();
}

/// O += P V for one key block, issued and committed (not waited for).
template <typename Traits>
__device__ __forceinline__ void issuePV(float (&acc)[Traits::kOAccRegs],
                                        const PFragments<Traits> &pf, unsigned vTile) {
#pragma unroll
  for (int kk = 0; kk < Traits::kPSteps; ++kk)
    Wgmma<typename Traits::Element, Traits::HEAD_DIM>::rs(
        acc, pf[kk], OperandDescriptors<Traits>::vStep(vTile, kk), 1);
  wgmmaCommit();
}

/// Normalises O and writes it (and the log-sum-exp) for the rows that exist.
template <typename Traits>
__device__ __forceinline__ void storeRows(const AttncSoftmaxParams &p, const ScoreContext &ctx,
                                          const float (&acc)[Traits::kOAccRegs],
                                          const SoftmaxRows &rows, int row0, int col0,
                                          bool lseLane) {
  using Element = typename Traits::Element;
  Element *oBase = static_cast<Element *>(const_cast<void *>(p.o.ptr)) +
                   ctx.batch * p.o.stride[0] + ctx.head * p.o.stride[1];
#pragma unroll
  for (int half = 0; half < 2; ++half) {
    const int row = row0 + half * kFragmentHalfRows;
    const float sum = quadSum(rows.sum[half]);
    const float inv = sum > 0.f ? 1.f / sum : 0.f;
    if (row >= p.seq_q)
      continue;
    Element *orow = oBase + row * p.o.stride[2];
#pragma unroll
    for (int nb = 0; nb < Traits::kOBlocks; ++nb)
      *reinterpret_cast<unsigned *>(orow + col0 + nb * kMmaN) = ElementTraits<Element>::pack(
          acc[fragIndex(nb, half, 0)] * inv, acc[fragIndex(nb, half, 1)] * inv);
    if (p.lse.ptr != nullptr && lseLane) {
      float *lse = static_cast<float *>(const_cast<void *>(p.lse.ptr));
      lse[ctx.batch * p.lse.stride[0] + ctx.head * p.lse.stride[1] + row * p.lse.stride[2]] =
          sum > 0.f ? (rows.max[half] + log2f(sum)) * kLn2 : kNegInf;
    }
  }
}

/// A consumer warpgroup: 64 query rows against every visited key block. With
/// OVERLAP_SOFTMAX the first visited block is peeled off, so the steady-state loop issues
/// the previous block's P V unconditionally (a branch between wgmma issue and wait makes
/// ptxas serialise the wgmmas). `it` and `local` as for produceTiles; a persistent consumer
/// releases Q right after its last S (or at once when the tile visits no key block).
template <typename Traits, typename Variant>
__device__ __forceinline__ void consumeTiles(const AttncSoftmaxParams &p,
                                             const SmemLayout<Traits> &smem,
                                             const QueryBlock<Traits, Variant> &block,
                                             const Variant &variant, int consumer, int &it,
                                             int local) {
  const int thread = threadIdx.x % kWarpgroupThreads;
  const int lane = thread % kWarpSize;
  const int warpRow0 = consumer * kWgmmaM + (thread / kWarpSize) * kMmaM;
  const int row0 = block.q0 + warpRow0 + lane / 4; ///< fragment row of this thread
  const int laneCol = 2 * (lane % 4);               ///< fragment column of this thread
  const float toLog2 = Variant::HAS_SCORE_MOD ? 1.f : p.scale_log2;
  const QSlot<Traits> slot(local);
  const unsigned qTile = Traits::IS_PERSISTENT ? smem.qBuffer(slot.buffer) : smem.q;
  const OperandDescriptors<Traits> desc{swizzle128Descriptor(
      qTile + consumer * kWgmmaM * kSwizzleRowBytes, kSwizzleChunkBytes, kSwizzleAtomBytes)};
  auto release = [&](int stage) {
    if (lane == 0)
      mbarrierArrive(smem.empty(stage));
  };
  auto releaseQ = [&]() {
    if (lane == 0)
      mbarrierArrive(smem.qEmpty(slot.buffer));
  };
  auto waitTile = [&](unsigned bar, int it) {
    mbarrierWait(bar, (it / Traits::STAGES) & 1);
    fenceProxyAsyncShared();
  };
  auto nextVisited = [&](int kb) {
    while (kb < block.kbEnd && block.kind(variant, kb) == kTileEmpty)
      ++kb;
    return kb;
  };

  float acc[Traits::kOAccRegs];
#pragma unroll
  for (int i = 0; i < Traits::kOAccRegs; ++i)
    acc[i] = 0.f;
  SoftmaxRows rows{{kNegInf, kNegInf}, {0.f, 0.f}};
  PFragments<Traits> pf;
  if constexpr (Traits::IS_PERSISTENT)
    mbarrierWait(smem.qFull(slot.buffer), slot.parity);
  else
    mbarrierWait(smem.qFull(), 0);
  fenceProxyAsyncShared();

  // O += P V of iteration `it`'s block, waited for and its stage released.
  auto finishPV = [&](int it) {
    const int stage = it % Traits::STAGES;
    waitTile(smem.vFull(stage), it);
    fenceOperands(acc);
    fenceOperands(pf);
    wgmmaFence();
    issuePV<Traits>(acc, pf, smem.v(stage));
    wgmmaWait<0>();
    fenceOperands(acc);
    release(stage);
  };
  // S and the softmax of key block `kb` (iteration `it`), leaving its P in `pf`; with
  // PENDING_PV the previous block's P V is issued right after S and overlaps the softmax.
  // A persistent consumer releases Q once S of the tile's last block (`lastS`) is done.
  auto scoreBlock = [&](auto pendingPV, int kb, int it, bool lastS) {
    constexpr bool kPendingPV = decltype(pendingPV)::value;
    const int stage = it % Traits::STAGES;
    const int prevStage = (it + Traits::STAGES - 1) % Traits::STAGES;
    const int k0 = kb * Traits::BLOCK_N;
    const int kind = block.kind(variant, kb);
    waitTile(smem.kFull(stage), it);
    if constexpr (kPendingPV)
      waitTile(smem.vFull(prevStage), it - 1);
    // Rescaled O and packed P must be in their registers before the wgmma window opens.
    fenceOperands(acc);
    fenceOperands(pf);
    awaitTurn<Traits>(consumer);
    wgmmaFence();
    float s[Traits::kSAccRegs];
    issueQK<Traits>(s, desc, smem.k(stage));
    if constexpr (kPendingPV)
      issuePV<Traits>(acc, pf, smem.v(prevStage));
    passTurn<Traits>(consumer);
    if constexpr (kPendingPV)
      wgmmaWait<1>();
    else
      wgmmaWait<0>();
    fenceOperands(s);
    if constexpr (Traits::IS_PERSISTENT) {
      if (lastS)
        releaseQ();
    }

    // Written out rather than through a helper: for masks without row-key tiles this must
    // stay the one compare it was, or ptxas spills alibi's consumer at the register cap.
    const bool evalMask =
        kind == kTilePartial || (Variant::ROW_KEYS_DECIDE_MATCHED_IDS && kind == kTileRowKeys);
    if (evalMask || k0 + Traits::BLOCK_N > p.seq_k)
      modifyScores<Traits, true>(s, variant, block.ctx, row0, k0 + laneCol, evalMask,
                                 tileTestsPairs<Variant>(kind, evalMask));
    else if constexpr (Variant::HAS_SCORE_MOD)
      modifyScores<Traits, false>(s, variant, block.ctx, row0, k0 + laneCol, false, false);
    float correction[2];
    softmaxStep<Traits>(s, rows, correction, toLog2);
    if constexpr (kPendingPV) {
      wgmmaWait<0>();
      fenceOperands(acc);
      release(prevStage);
    }
    rescaleRows<Traits>(acc, correction);
    packP<Traits>(s, pf);
  };

  if constexpr (Traits::IS_PERSISTENT) {
    // The next visited block is found before this one's S, so the last S knows it is last.
    int kb = nextVisited(block.kbBegin);
    if (kb >= block.kbEnd)
      releaseQ();
    if constexpr (Traits::OVERLAP_SOFTMAX) {
      if (kb < block.kbEnd) {
        int next = nextVisited(kb + 1);
        scoreBlock(BoolTag<false>{}, kb, it++, next >= block.kbEnd);
        for (kb = next; kb < block.kbEnd; kb = next) {
          next = nextVisited(kb + 1);
          scoreBlock(BoolTag<true>{}, kb, it++, next >= block.kbEnd);
        }
        finishPV(it - 1);
      }
    } else {
      while (kb < block.kbEnd) {
        const int next = nextVisited(kb + 1);
        scoreBlock(BoolTag<false>{}, kb, it, next >= block.kbEnd);
        finishPV(it++);
        kb = next;
      }
    }
  } else if constexpr (Traits::OVERLAP_SOFTMAX) {
    int kb = nextVisited(block.kbBegin);
    if (kb < block.kbEnd) {
      scoreBlock(BoolTag<false>{}, kb, it++, false);
      for (kb = nextVisited(kb + 1); kb < block.kbEnd; kb = nextVisited(kb + 1))
        scoreBlock(BoolTag<true>{}, kb, it++, false);
      finishPV(it - 1);
    }
  } else {
    for (int kb = nextVisited(block.kbBegin); kb < block.kbEnd; kb = nextVisited(kb + 1)) {
      scoreBlock(BoolTag<false>{}, kb, it, false);
      finishPV(it++);
    }
  }
  storeRows<Traits>(p, block.ctx, acc, rows, row0, laneCol, lane % 4 == 0);
}

} // namespace sm90

namespace sm90 {

/// This CTA's query block and the key blocks it visits. Each role computes it after the
/// register re-partitioning, so no value lives across `setmaxnreg` (ptxas spills those).
template <typename Traits, typename Variant>
__device__ __forceinline__ QueryBlock<Traits, Variant>
makeQueryBlock(const AttncSoftmaxParams &p, const Variant &variant, int qBlock, int head,
               int batch) {
  QueryBlock<Traits, Variant> block;
  block.ctx = ScoreContext{batch, head, &p};
  block.headKv = head / (p.heads_q / p.heads_kv);
  block.q0 = qBlock * Traits::BLOCK_M;
  block.qEnd = min(block.q0 + Traits::BLOCK_M, p.seq_q);
  KeyRange keys = variant.keyRange(block.q0, block.qEnd, block.ctx);
  keys.begin = max(keys.begin, 0);
  keys.end = min(keys.end, p.seq_k);
  block.kbBegin = keys.begin / Traits::BLOCK_N;
  block.kbEnd = keys.end > keys.begin ? (keys.end + Traits::BLOCK_N - 1) / Traits::BLOCK_N
                                      : block.kbBegin;
  return block;
}

/// A one-tile CTA's query block: launch the last query blocks first (under a causal mask
/// they see the most keys, so the longest CTAs start early and the tail of the grid is short
/// ones).
template <typename Traits, typename Variant>
__device__ __forceinline__ QueryBlock<Traits, Variant> makeQueryBlock(const AttncSoftmaxParams &p,
                                                                       const Variant &variant) {
  return makeQueryBlock<Traits>(p, variant, gridDim.x - 1 - blockIdx.x, blockIdx.y, blockIdx.z);
}

template <typename Traits> __device__ __forceinline__ int queryBlocks(const AttncSoftmaxParams &p) {
  return (p.seq_q + Traits::BLOCK_M - 1) / Traits::BLOCK_M;
}

/// Tiles (query blocks of every batch and head) a persistent grid walks.
template <typename Traits>
__device__ __forceinline__ int persistentTiles(const AttncSoftmaxParams &p) {
  return queryBlocks<Traits>(p) * p.heads_q * p.batch;
}

/// A persistent CTA's tile `tile`: query blocks fastest within a head (the tiles running at
/// once share a few heads' K/V in L2), last query blocks of a head first.
template <typename Traits, typename Variant>
__device__ __forceinline__ QueryBlock<Traits, Variant>
makeQueryBlock(const AttncSoftmaxParams &p, const Variant &variant, int tile) {
  const int qBlocks = queryBlocks<Traits>(p);
  const int headTile = tile / qBlocks;
  const int batch = headTile / p.heads_q;
  return makeQueryBlock<Traits>(p, variant, qBlocks - 1 - (tile - headTile * qBlocks),
                                headTile - batch * p.heads_q, batch);
}

/// Persistent CTAs with one Q buffer over a block-mapped mask claim their tiles (see the
/// file comment); with two Q buffers they stride.
template <typename Traits, typename Variant>
constexpr bool kClaimsTiles = Traits::PERSISTENT == 1 && UsesBlockMap<Variant>::value;
/// Heads whose query blocks interleave in the claim order.
constexpr int kClaimGroupHeads = 4;
/// Named barrier on which the producer warpgroup reads a claimed tile (after kTurnBarrier's).
constexpr int kClaimBarrier = kTurnBarrier + 2;

/// Claimed tile `tile`: batches in order, then groups of kClaimGroupHeads heads; within a
/// group the map's rank (heaviest query block first), heads fastest.
template <typename Traits, typename Variant>
__device__ __forceinline__ QueryBlock<Traits, Variant>
makeClaimedQueryBlock(const AttncSoftmaxParams &p, const Variant &variant, int tile) {
  constexpr int kBlockM = Traits::BLOCK_M;
  constexpr bool kPerBatch = Variant::MAP_PER_BATCH, kPerHead = Variant::MAP_PER_HEAD;
  const int qBlocks = queryBlocks<Traits>(p);
  const int perBatch = qBlocks * p.heads_q;
  const int batch = tile / perBatch;
  const int inBatch = tile - batch * perBatch;
  const int head0 = inBatch / (kClaimGroupHeads * qBlocks) * kClaimGroupHeads;
  const int groupHeads = min(kClaimGroupHeads, p.heads_q - head0);
  const int inGroup = inBatch - head0 * qBlocks;
  const int rank = inGroup / groupHeads;
  const int head = head0 + (inGroup - rank * groupHeads);
  const int qb = __ldg(blockMapOrder<kBlockM, kPerBatch, kPerHead>(p) +
                       blockMapRow<kBlockM, kPerBatch, kPerHead>(p, batch, head, rank));
  return makeQueryBlock<Traits>(p, variant, qb, head, batch);
}

__device__ __forceinline__ void storeSharedInt(unsigned addr, int value) {
  asm volatile("st.shared.b32 [%0], %1;\n" ::"r"(addr), "r"(value) : "memory");
}

__device__ __forceinline__ int loadSharedInt(unsigned addr) {
  int value;
  asm volatile("ld.shared.b32 %0, [%1];\n" : "=r"(value) : "r"(addr) : "memory");
  return value;
}

/// Claimed tiles: calls `role(block, local)` for each tile this CTA claims. The producer's
/// thread 0 claims once the Q buffer is free, writes the slot and arrives on Q-full (the
/// barrier counts that arrival besides the Q copies', so the slot is visible to whoever
/// waits on it); past the last tile, the producer completes Q-full with plain arrivals and
/// everyone stops. The CTA that finishes claiming last resets the counters.
template <typename Traits, typename Variant, typename Role>
__device__ __forceinline__ void forEachClaimedTile(const AttncSoftmaxParams &p,
                                                   const Variant &variant,
                                                   const SmemLayout<Traits> &smem, bool producer,
                                                   Role &&role) {
  int *claims = blockMapClaimCounters<Traits::BLOCK_M, Variant::MAP_PER_BATCH,
                                      Variant::MAP_PER_HEAD>(p);
  const int tiles = persistentTiles<Traits>(p);
  for (int local = 0;; ++local) {
    const QSlot<Traits> slot(local);
    if (producer) {
      mbarrierWait(smem.qEmpty(slot.buffer), slot.parity ^ 1);
      if (threadIdx.x == 0) {
        storeSharedInt(smem.tileSlot(slot.buffer), atomicAdd(claims + kClaimCounter, 1));
        mbarrierArrive(smem.qFull(slot.buffer));
      }
      namedBarrierSync(kClaimBarrier, kWarpgroupThreads);
    } else {
      mbarrierWait(smem.qFull(slot.buffer), slot.parity);
    }
    const int tile = loadSharedInt(smem.tileSlot(slot.buffer));
    if (tile >= tiles) {
      if (producer)
        mbarrierArrive(smem.qFull(slot.buffer));
      break;
    }
    role(makeClaimedQueryBlock<Traits>(p, variant, tile), local);
  }
  if (producer && threadIdx.x == 0) {
    __threadfence();
    if (atomicAdd(claims + kClaimsDoneCounter, 1) == static_cast<int>(gridDim.x) - 1) {
      atomicExch(claims + kClaimCounter, 0);
      atomicExch(claims + kClaimsDoneCounter, 0);
    }
  }
}

/// Calls `role(block, local)` for each of this CTA's tiles: its one query block, with
/// PERSISTENT every gridDim.x-th tile from blockIdx.x on (`local` counts them), or the
/// tiles it claims (kClaimsTiles). The blocks are made after the register re-partitioning,
/// so no value lives across `setmaxnreg`.
template <typename Traits, typename Variant, typename Role>
__device__ __forceinline__ void forEachTile(const AttncSoftmaxParams &p, const Variant &variant,
                                            const SmemLayout<Traits> &smem, bool producer,
                                            Role &&role) {
  if constexpr (kClaimsTiles<Traits, Variant>) {
    forEachClaimedTile<Traits>(p, variant, smem, producer, role);
  } else if constexpr (Traits::IS_PERSISTENT) {
    const int tiles = persistentTiles<Traits>(p);
    int local = 0;
    for (int tile = blockIdx.x; tile < tiles; tile += gridDim.x, ++local)
      role(makeQueryBlock<Traits>(p, variant, tile), local);
  } else {
    role(makeQueryBlock<Traits>(p, variant), 0);
  }
}

} // namespace sm90

/// The whole forward pass for one query block on sm_90a (persistent: for every gridDim.x-th
/// query block from blockIdx.x on). Launch with Traits::kThreads threads, Traits::kSmemBytes
/// of dynamic shared memory, grid (ceil(N / BLOCK_M), Hq, B) (persistent: (min(ceil(N /
/// BLOCK_M) Hq B, SMs x CTAS_PER_SM), 1, 1)), and `__launch_bounds__(Traits::kThreads,
/// Traits::CTAS_PER_SM)` (setmaxnreg re-partitions the registers that cap gives each CTA).
template <typename Traits, typename Variant>
__device__ __forceinline__ void prefillKernelSm90(const AttncSoftmaxParams &p) {
  extern __shared__ __align__(kSwizzleAtomBytes) unsigned char smem[];
  if (threadIdx.x == 0) {
    const sm90::SmemLayout<Traits> layout(smemAddress(smem));
    // Claimed tiles: Q-full also counts the arrival that publishes the tile slot.
    constexpr unsigned kQFullArrivals =
        kWarpgroupThreads + (sm90::kClaimsTiles<Traits, Variant> ? 1 : 0);
    mbarrierInit(layout.qFull(), kQFullArrivals);
    if constexpr (Traits::IS_PERSISTENT) {
      for (int buffer = 0; buffer < Traits::kQBuffers; ++buffer) {
        if (buffer > 0)
          mbarrierInit(layout.qFull(buffer), kQFullArrivals);
        mbarrierInit(layout.qEmpty(buffer), Traits::kConsumerWarps);
      }
    }
    for (int stage = 0; stage < Traits::STAGES; ++stage) {
      mbarrierInit(layout.kFull(stage), kWarpgroupThreads);
      mbarrierInit(layout.vFull(stage), kWarpgroupThreads);
      mbarrierInit(layout.empty(stage), Traits::kConsumerWarps);
    }
    mbarrierInitFence();
  }
  __syncthreads();

  const Variant variant{};
  int it = 0; ///< the ring iteration, carried across a persistent CTA's tiles
  if (threadIdx.x < kWarpgroupThreads) {
    warpgroupReleaseRegisters<Traits::kProducerRegs>();
    const sm90::SmemLayout<Traits> layout(smemAddress(smem));
    sm90::forEachTile<Traits>(p, variant, layout, true, [&](const auto &block, int local) {
      sm90::produceTiles<Traits>(p, layout, block, variant, it, local);
    });
    if constexpr (Traits::IS_PERSISTENT)
      cpAsyncWaitAll();
  } else {
    warpgroupClaimRegisters<Traits::kConsumerRegs>();
    const sm90::SmemLayout<Traits> layout(smemAddress(smem));
    const int consumer = threadIdx.x / kWarpgroupThreads - 1;
    if (consumer == 1)
      sm90::passTurn<Traits>(consumer);
    sm90::forEachTile<Traits>(p, variant, layout, false, [&](const auto &block, int local) {
      sm90::consumeTiles<Traits>(p, layout, block, variant, consumer, it, local);
    });
  }
}

} // namespace attnc

#endif // ATTNC_PREFILL_SM90_CUH
