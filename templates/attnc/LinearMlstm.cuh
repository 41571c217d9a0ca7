//===- LinearMlstm.cuh - Chunkwise mLSTM (sigmoid or exp input gate), forward -*- CUDA -*-===//
//
// xLSTM's matrix memory: C_t = f_t C_{t-1} + i_t k_t v_t^T, n_t = f_t n_{t-1} + i_t k_t,
// o_t = (q~_t C_t) / max(|q~_t . n_t|, 1) with q~ = scale q, f = sigmoid(fgate) and
// i = sigmoid(igate) or exp(igate). Like LinearChunk.cuh, one CTA owns one (sequence, head,
// V slice) and walks its chunks in order with the fp32 state C in mma accumulators and a
// 16-bit copy in shared memory; n rides along as one more n8 accumulator tile per m16 row
// tile (its update is C's with an all-ones value column), with an fp32 copy in shared
// memory for q . n. n's terms w_s k_s enter as two 16-bit operands (hi + lo): with the
// exponential gate the normaliser floor is tiny, so q . n is used unclamped where it
// crosses zero, and one bf16 rounding per term there cost 3x the error (H100, bench/NOTES.md).
// Per chunk
// (loaded by cp.async while the previous one computes):
//   1. warp 0 scans the gates into the chunk's tables (LinearMlstmGate.cuh: every factor
//      is 2^(x - ref_t) <= 1, with the max-state stabiliser for the exponential gate) and
//      publishes them on a named barrier, which the other warps wait on only once their
//      first stripe's products with the chunk-start state are issued (the scan is
//      latency-bound, warp 0 alone);
//   2. each warp computes its m16 query stripes: 2^(m - ref_t) (q C~, q . n~) from the
//      chunk-start state, plus the causal in-chunk scores P_ts = q_t . k_s 2^(a_s - ref_t)
//      streamed over SUB-wide key tiles into o (P V) and into the row sums of P, which are
//      the in-chunk part of q . n (n's update is C's with an all-ones value column);
//      o = scale num / max(|scale den|, 2^-m_t);
//   3. C~ <- carry C~ + sum_s w_s k_s v_s^T by mma, and n~ <- carry n~ + sum_s w_s k_s by
//      two more mma per fragment of (w k)^T (its hi and lo parts) against an all-ones B.
// The stored state is (C~, n~, m) with C = e^m C~ (mlstm_kernels' convention); the sigmoid
// kernel keeps m = 0, so its state is C and n themselves.
// With SPAN > 1 a chunk is SPAN tiles (up to 1024 tokens, TFLA's large chunks): the copies
// of C~ and n~ that step 2 reads stay at the chunk's start while the fp32 state still
// advances every tile, and each tile also adds its products against the chunk's earlier
// tiles, reloaded one at a time into a past-tile buffer and weighted by key exponents
// taken from the chunk's start (LinearMlstmGate.cuh says why the references still hold).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_LINEAR_MLSTM_CUH
#define ATTNC_LINEAR_MLSTM_CUH

#include "attnc/LinearChunk.cuh"
#include "attnc/LinearMlstmGate.cuh"

namespace attnc {

/// The named barrier (0 is __syncthreads') on which warp 0 publishes a chunk's tables.
constexpr int kTablesBarrier = 1;

/// This lane's share of q_t . n over its columns of the stripe's q fragments, for its two
/// rows (lane / 4 and lane / 4 + 8).
template <typename Traits>
__device__ __forceinline__ void addQDotNorm(float (&dot)[2], const unsigned (&qf)[4], int k0,
                                            const float *norm, int lane) {
  using Element = typename Traits::Element;
  const int col = k0 + 2 * (lane % 4);
  const float2 n0 = *reinterpret_cast<const float2 *>(norm + col);
  const float2 n1 = *reinterpret_cast<const float2 *>(norm + col + kMmaN);
#pragma unroll
  for (int half = 0; half < 2; ++half) {
    const float2 lo = unpackPair<Element>(qf[half]);     // columns col, col + 1
    const float2 hi = unpackPair<Element>(qf[half + 2]); // columns col + 8, col + 9
    dot[half] += lo.x * n0.x + lo.y * n0.y + hi.x * n1.x + hi.y * n1.y;
  }
}

/// Chunks of one tile: no earlier tiles to add.
struct NoMlstmPastTiles {
  template <typename Output, typename Sums, typename Refs>
  __device__ __forceinline__ void operator()(Output &, Sums &, const Refs &) const {}
};

/// One m16 query stripe of one tile: numerator and normaliser from the chunk-start state
/// and the causal in-tile part, normalised and stored for the stripe's real rows.
/// `waitTables()` runs between the products with the state and the first table read. With
/// SPAN > 1, `pastTiles(o, den, rowRef)` adds the products against the chunk's earlier
/// tiles (the state copy is from the chunk's start).
template <typename Traits, typename WaitTables, typename PastTiles = NoMlstmPastTiles>
__device__ __forceinline__ void
mlstmOutputStripe(int r0, const ChunkTiles &tiles, const MlstmTables<Traits> &tab,
                  const float *norm, const LinearLanes<Traits> &lanes, int lane,
                  typename Traits::Element *oChunk, long long oStride, int valid, float scale,
                  const WaitTables &waitTables, const PastTiles &pastTiles = PastTiles{}) {
  using Element = typename Traits::Element;
  unsigned qf[Traits::kKSteps][4];
#pragma unroll
  for (int ks = 0; ks < Traits::kKSteps; ++ks)
    ldmatrixX4(qf[ks], tiles.q + lanes.q.at(r0, ks * 2));

  float o[Traits::kVTiles][4];
#pragma unroll
  for (int vt = 0; vt < Traits::kVTiles; ++vt)
#pragma unroll
    for (int e = 0; e < 4; ++e)
      o[vt][e] = 0.f;
  float den[2] = {0.f, 0.f}; // this lane's share of each row's normaliser

  // Chunk-start state: 2^(m - ref_t) (q C~, q . n~).
#pragma unroll
  for (int ks = 0; ks < Traits::kKSteps; ++ks) {
    mmaRowsTimesTile<Traits>(o, qf[ks], tiles.state, lanes, ks * kMmaK);
    addQDotNorm<Traits>(den, qf[ks], ks * kMmaK, norm, lane);
  }
  waitTables();
  float rowRef[2];
#pragma unroll
  for (int half = 0; half < 2; ++half) {
    const int t = r0 + lane / 4 + 8 * half;
    const float f = tab.inter()[t];
    rowRef[half] = tab.ref()[t];
    den[half] *= f;
#pragma unroll
    for (int vt = 0; vt < Traits::kVTiles; ++vt) {
      o[vt][2 * half] *= f;
      o[vt][2 * half + 1] *= f;
    }
  }
  if constexpr (Traits::kSpan > 1) {
    // The earlier tiles read q from shared memory; the fragments are loaded again after, so
    // they are not held through those products.
    pastTiles(o, den, rowRef);
#pragma unroll
    for (int ks = 0; ks < Traits::kKSteps; ++ks)
      ldmatrixX4(qf[ks], tiles.q + lanes.q.at(r0, ks * 2));
  }

  // In-tile: key sub-tiles up to the stripe's diagonal.
  const int lastSub = (r0 + kMmaM - 1) / Traits::SUB;
  for (int j = 0; j <= lastSub; ++j) {
    const int s0 = j * Traits::SUB;
    float s[Traits::kSubNTiles][4];
    scoreSubTile<Traits>(s, qf, tiles.k, lanes, s0);
    // Causal mask and gate weights; the row sums feed the normaliser, P (packed as A
    // fragments, pairs of n8 tiles per k16) the numerator.
    unsigned pPacked[Traits::kSubNTiles][2];
#pragma unroll
    for (int nt = 0; nt < Traits::kSubNTiles; ++nt) {
      const int col0 = s0 + nt * kMmaN + 2 * (lane % 4);
      const float2 aCol = *reinterpret_cast<const float2 *>(tab.a() + col0);
#pragma unroll
      for (int half = 0; half < 2; ++half) {
        const int t = r0 + lane / 4 + 8 * half;
        const float x0 = col0 <= t ? s[nt][2 * half] * fastExp2(aCol.x - rowRef[half]) : 0.f;
        const float x1 =
            col0 + 1 <= t ? s[nt][2 * half + 1] * fastExp2(aCol.y - rowRef[half]) : 0.f;
        den[half] += x0 + x1;
        pPacked[nt][half] = ElementTraits<Element>::pack(x0, x1);
      }
    }
    addScoresTimesV<Traits>(o, pPacked, tiles.v, lanes, s0);
  }

  float factor[2];
#pragma unroll
  for (int half = 0; half < 2; ++half) { // every lane joins the quad sums
    const int t = r0 + lane / 4 + 8 * half;
    const float total = scale * quadSum(den[half]);
    const float normFloor = Traits::kStabilised ? tab.normFloor()[t] : 1.f;
    factor[half] = scale / fmaxf(fabsf(total), normFloor);
  }
#pragma unroll
  for (int half = 0; half < 2; ++half) {
    const int t = r0 + lane / 4 + 8 * half;
    if (t >= valid)
      continue;
    Element *orow = oChunk + t * oStride;
#pragma unroll
    for (int vt = 0; vt < Traits::kVTiles; ++vt)
      *reinterpret_cast<unsigned *>(orow + vt * kMmaN + 2 * (lane % 4)) = ElementTraits<
          Element>::pack(o[vt][2 * half] * factor[half], o[vt][2 * half + 1] * factor[half]);
  }
}

/// o += P V and den += the row sums of P over a whole earlier tile of the chunk (`past`:
/// its k and V slice; every key precedes every query, so no mask), P_ts = q_t . k_s
/// 2^(a_s - ref_t) with a_s the key's exponent from the chunk's start (`aRow`, its row of
/// chunkA) and `rowRef` the stripe rows' references shifted to the chunk's start.
template <typename Traits>
__device__ __forceinline__ void
addMlstmPastTile(float (&o)[Traits::kVTiles][4], float (&den)[2], unsigned qTile, int r0,
                 const ChunkTiles &past, const float *aRow, const float (&rowRef)[2],
                 const LinearLanes<Traits> &lanes, int lane) {
  using Element = typename Traits::Element;
  // The q fragments come from shared memory at each use, as in addPastTile.
  auto queryFragment = [&](unsigned (&a)[4], int ks) {
    ldmatrixX4(a, qTile + lanes.q.at(r0, ks * 2));
  };
  for (int j = 0; j < Traits::CHUNK / Traits::SUB; ++j) {
    const int s0 = j * Traits::SUB;
    float s[Traits::kSubNTiles][4];
    scoreSubTileFrom<Traits>(s, queryFragment, past.k, lanes, s0);
    unsigned pPacked[Traits::kSubNTiles][2];
#pragma unroll
    for (int nt = 0; nt < Traits::kSubNTiles; ++nt) {
      const float2 aCol =
          *reinterpret_cast<const float2 *>(aRow + s0 + nt * kMmaN + 2 * (lane % 4));
#pragma unroll
      for (int half = 0; half < 2; ++half) {
        const float x0 = s[nt][2 * half] * fastExp2(aCol.x - rowRef[half]);
        const float x1 = s[nt][2 * half + 1] * fastExp2(aCol.y - rowRef[half]);
        den[half] += x0 + x1;
        pPacked[nt][half] = ElementTraits<Element>::pack(x0, x1);
      }
    }
    addScoresTimesV<Traits>(o, pPacked, past.v, lanes, s0);
  }
}

/// This warp's rows of n as n8 accumulator tiles: every column holds the same sum.
template <typename Traits> using NormRows = float[Traits::kStateMTiles][4];

/// Visits (row within the head's K, value) of a warp's n rows, once per row: the lanes
/// holding column 0 of the n8 tiles.
template <typename Traits, typename Fn>
__device__ __forceinline__ void forEachNormRow(NormRows<Traits> &acc, int warp, int lane,
                                               const Fn &fn) {
#pragma unroll
  for (int mt = 0; mt < Traits::kStateMTiles; ++mt)
#pragma unroll
    for (int half = 0; half < 2; ++half)
      if (lane % 4 == 0)
        fn(warp * Traits::kStateRows + mt * kMmaM + lane / 4 + 8 * half, acc[mt][2 * half]);
}

/// C~ <- carry C~ + sum_s (w_s k_s) v_s^T and n~ <- carry n~ + sum_s w_s k_s over the
/// chunk's real tokens.
template <typename Traits>
__device__ __forceinline__ void mlstmUpdateState(StateRows<Traits> &acc, NormRows<Traits> &norm,
                                                 const ChunkTiles &tiles,
                                                 const MlstmTables<Traits> &tab,
                                                 const LinearLanes<Traits> &lanes, int warp,
                                                 int lane, int valid) {
  using Element = typename Traits::Element;
  const float carry = tab.carry();
  forEachStatePair<Traits>(acc, warp, lane, [&](int, int, float &x0, float &x1) {
    x0 *= carry;
    x1 *= carry;
  });
#pragma unroll
  for (int mt = 0; mt < Traits::kStateMTiles; ++mt)
#pragma unroll
    for (int e = 0; e < 4; ++e)
      norm[mt][e] *= carry;
  const unsigned ones = ElementTraits<Element>::pack(1.f, 1.f);
  const int warpRow0 = warp * Traits::kStateRows;
  for (int ts = 0; ts < Traits::kTokenSteps; ++ts) {
    const int s0 = ts * kMmaK;
    if (s0 >= valid)
      break;
#pragma unroll
    for (int mt = 0; mt < Traits::kStateMTiles; ++mt) {
      const int k0 = warpRow0 + mt * kMmaM;
      unsigned a[4], hi[4], lo[4];
      ldmatrixX4Trans(a, tiles.k + lanes.k.at(s0, k0 / 8));
      splitScaleAFragment<Element>(a, hi, lo, k0, s0, lane, [&](int, int s) { return tab.w()[s]; });
      float(&rows)[Traits::kVTiles][4] = acc[mt];
      mmaRowsTimesTile<Traits>(rows, hi, tiles.v, lanes, s0);
      mma16816<Element>(norm[mt], hi, ones, ones);
      mma16816<Element>(norm[mt], lo, ones, ones);
    }
  }
}

/// The kernel body; the prelude wraps it in an extern "C" __global__ entry with
/// `Traits::kSmemBytes` of dynamic shared memory and grid (HEAD_V / SLICE_V, H, N).
/// p.g holds the forget gate's pre-activations and p.igate the input gate's (f32
/// [B, H, T], strided); the states are p.state_* (C~), p.norm_* (n~) and, for the
/// exponential gate, p.max_* (m, natural log), each optional.
template <typename Traits>
__device__ __forceinline__ void linearMlstmKernel(const AttncLinearParams &p) {
  using Element = typename Traits::Element;
  extern __shared__ __align__(128) unsigned char smem[];
  const unsigned smemBase = smemAddress(smem);
  const int warp = threadIdx.x / kWarpSize;
  const int lane = threadIdx.x % kWarpSize;
  const int slice = blockIdx.x;
  const int head = blockIdx.y;
  const int seq = blockIdx.z;

  // Packed sequences live in batch row 0 from their offset on.
  int batchRow = seq, tokenBase = 0, len = p.seq_len;
  if (p.cu_seqlens != nullptr) {
    batchRow = 0;
    tokenBase = p.cu_seqlens[seq];
    len = p.cu_seqlens[seq + 1] - tokenBase;
  }
  auto origin = [&](const AttncTensorArg &t) {
    return batchRow * t.stride[0] + head * t.stride[1] + tokenBase * t.stride[2];
  };
  const int v0 = slice * Traits::SLICE_V;
  const Element *qBase = static_cast<const Element *>(p.q.ptr) + origin(p.q);
  const Element *kBase = static_cast<const Element *>(p.k.ptr) + origin(p.k);
  const Element *vBase = static_cast<const Element *>(p.v.ptr) + origin(p.v) + v0;
  Element *oBase = static_cast<Element *>(const_cast<void *>(p.o.ptr)) + origin(p.o) + v0;
  const float *forgetBase = static_cast<const float *>(p.g.ptr) + origin(p.g);
  const float *inputBase = static_cast<const float *>(p.igate.ptr) + origin(p.igate);
  const long long headIndex = static_cast<long long>(seq) * p.heads + head;
  const long long stateBase = headIndex * Traits::HEAD_K * Traits::HEAD_V + v0;
  const MlstmTables<Traits> tab{reinterpret_cast<float *>(smem + Traits::kTableOffset)};
  float *normCopy = reinterpret_cast<float *>(smem + Traits::kNormOffset); ///< fp32 n~ for q . n

  auto stageOf = [&](int stage) { return smem + stage * Traits::kStageBytes; };
  auto tilesOf = [&](int stage) {
    const unsigned base = smemBase + stage * Traits::kStageBytes;
    return ChunkTiles{base, base + Traits::kQKBytes, base + 2 * Traits::kQKBytes,
                      smemBase + Traits::kStateOffset};
  };
  // SPAN > 1: loads tile c's k and V slice into the past-tile buffer and waits for them
  // (and for whatever the pipeline has in flight).
  const ChunkTiles pastTiles{0u, smemBase + Traits::kPastOffset,
                             smemBase + Traits::kPastOffset + Traits::kQKBytes,
                             smemBase + Traits::kStateOffset};
  auto loadPast = [&](int c) {
    const int t0 = c * Traits::CHUNK;
    loadTileAsync<typename Traits::QKTile, Traits::CHUNK>(
        pastTiles.k, kBase + t0 * p.k.stride[2], p.k.stride[2], len - t0);
    loadTileAsync<typename Traits::VTile, Traits::CHUNK>(
        pastTiles.v, vBase + t0 * p.v.stride[2], p.v.stride[2], len - t0);
    cpAsyncCommit();
    cpAsyncWait<0>();
    __syncthreads();
  };
  auto loadChunk = [&](int c, int stage) {
    const int t0 = c * Traits::CHUNK;
    const int valid = len - t0;
    const ChunkTiles tiles = tilesOf(stage);
    loadTileAsync<typename Traits::QKTile, Traits::CHUNK>(tiles.q, qBase + t0 * p.q.stride[2],
                                                          p.q.stride[2], valid);
    loadTileAsync<typename Traits::QKTile, Traits::CHUNK>(tiles.k, kBase + t0 * p.k.stride[2],
                                                          p.k.stride[2], valid);
    loadTileAsync<typename Traits::VTile, Traits::CHUNK>(tiles.v, vBase + t0 * p.v.stride[2],
                                                         p.v.stride[2], valid);
    loadMlstmGatesAsync<Traits>(smemBase + stage * Traits::kStageBytes,
                                forgetBase + t0 * p.g.stride[2],
                                inputBase + t0 * p.igate.stride[2], p.g.stride[2],
                                p.igate.stride[2], valid);
  };

  const int numChunks = (len + Traits::CHUNK - 1) / Traits::CHUNK;
  chunkPipelineStart<Traits::kStages>(0, numChunks, loadChunk);

  StateRows<Traits> state;
  forEachStatePair<Traits>(state, warp, lane, [&](int row, int col, float &x0, float &x1) {
    float2 init = make_float2(0.f, 0.f);
    if (p.state_in != nullptr)
      init = *reinterpret_cast<const float2 *>(p.state_in + stateBase + row * Traits::HEAD_V + col);
    x0 = init.x;
    x1 = init.y;
  });
  NormRows<Traits> norm;
#pragma unroll
  for (int mt = 0; mt < Traits::kStateMTiles; ++mt)
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      const int row = warp * Traits::kStateRows + mt * kMmaM + lane / 4 + 8 * half;
      const float init = p.norm_in != nullptr ? p.norm_in[headIndex * Traits::HEAD_K + row] : 0.f;
      norm[mt][2 * half] = norm[mt][2 * half + 1] = init;
    }
  forEachNormRow<Traits>(norm, warp, lane, [&](int row, float x) { normCopy[row] = x; });
  if (threadIdx.x == 0)
    tab.maxState() =
        Traits::kStabilised && p.max_in != nullptr ? p.max_in[headIndex] * kLog2e : 0.f;
  storeStateCopy<Traits>(state, smem, Traits::kStateOffset, warp, lane);
  const LinearLanes<Traits> lanes(lane);

  for (int c = 0; c < numChunks; ++c) {
    const int stage = c % Traits::kStages;
    // Chunk c, the state copy, n and m are visible; chunk c - 1's stage is refilled.
    chunkPipelineAdvance<Traits::kStages>(c, numChunks, stage, loadChunk);

    const int t0 = c * Traits::CHUNK;
    const int valid = min(Traits::CHUNK, len - t0);
    const int inChunk = c % Traits::kSpan;
    if (warp == 0) {
      scanMlstmGates<Traits>(reinterpret_cast<const float *>(stageOf(stage) + Traits::kForgetOffset),
                             reinterpret_cast<const float *>(stageOf(stage) + Traits::kInputOffset),
                             tab, valid, lane, inChunk);
      __syncwarp(); // warp 0's own stripes read the tables without the barrier
      __threadfence_block();
      namedBarrierArrive(kTablesBarrier, Traits::kThreads);
    }
    const ChunkTiles tiles = tilesOf(stage);
    if constexpr (Traits::kSpan > 1) {
      // One stripe per warp; rows past the sequence compute on zero-filled q and store
      // nothing, so every warp meets the past-tile barriers.
      const int r0 = warp * kMmaM;
      auto pastProducts = [&](float (&o)[Traits::kVTiles][4], float (&den)[2],
                              const float (&rowRef)[2]) {
        const float offset = tab.offset();
        const float chunkRef[2] = {rowRef[0] - offset, rowRef[1] - offset};
        for (int i = 0; i < inChunk; ++i) {
          __syncthreads(); // the past buffer's previous tile is consumed
          loadPast(c - inChunk + i);
          addMlstmPastTile<Traits>(o, den, tiles.q, r0, pastTiles, tab.chunkA(i), chunkRef,
                                   lanes, lane);
        }
      };
      mlstmOutputStripe<Traits>(
          r0, tiles, tab, normCopy, lanes, lane, oBase + t0 * p.o.stride[2], p.o.stride[2], valid,
          p.scale,
          [&] {
            if (warp != 0)
              namedBarrierSync(kTablesBarrier, Traits::kThreads);
          },
          pastProducts);
      __syncthreads(); // every read of the state copy, n and the past buffer is done
      mlstmUpdateState<Traits>(state, norm, tiles, tab, lanes, warp, lane, valid);
      if (inChunk == Traits::kSpan - 1) { // the copies move to the next chunk's start
        storeStateCopy<Traits>(state, smem, Traits::kStateOffset, warp, lane);
        forEachNormRow<Traits>(norm, warp, lane, [&](int row, float x) { normCopy[row] = x; });
      }
      continue;
    }

    // Stripes alternate direction across warps so short and long diagonals pair up. Every
    // warp but 0 meets the tables barrier exactly once per chunk, in its first stripe.
#pragma unroll 1
    for (int i = 0; i < Traits::kStripesPerWarp; ++i) {
      const int stripe =
          i % 2 == 0 ? i * Traits::NUM_WARPS + warp : (i + 1) * Traits::NUM_WARPS - 1 - warp;
      const int r0 = stripe * kMmaM;
      const bool waits = i == 0 && warp != 0;
      auto waitTables = [&] {
        if (waits)
          namedBarrierSync(kTablesBarrier, Traits::kThreads);
      };
      if (r0 < valid)
        mlstmOutputStripe<Traits>(r0, tiles, tab, normCopy, lanes, lane,
                                  oBase + t0 * p.o.stride[2], p.o.stride[2], valid, p.scale,
                                  waitTables);
      else
        waitTables();
    }
    __syncthreads(); // every read of the state copy and of n is done
    mlstmUpdateState<Traits>(state, norm, tiles, tab, lanes, warp, lane, valid);
    storeStateCopy<Traits>(state, smem, Traits::kStateOffset, warp, lane);
    forEachNormRow<Traits>(norm, warp, lane, [&](int row, float x) { normCopy[row] = x; });
  }
  cpAsyncWait<0>();

  if (p.state_out != nullptr)
    forEachStatePair<Traits>(state, warp, lane, [&](int row, int col, float &x0, float &x1) {
      *reinterpret_cast<float2 *>(p.state_out + stateBase + row * Traits::HEAD_V + col) =
          make_float2(x0, x1);
    });
  if (slice != 0) // every V slice carries the same n and m; the first writes them
    return;
  if (p.norm_out != nullptr)
    forEachNormRow<Traits>(norm, warp, lane, [&](int row, float x) {
      p.norm_out[headIndex * Traits::HEAD_K + row] = x;
    });
  if (Traits::kStabilised && p.max_out != nullptr && threadIdx.x == 0)
    p.max_out[headIndex] = tab.maxState() * kLn2;
}

} // namespace attnc

#endif // ATTNC_LINEAR_MLSTM_CUH
