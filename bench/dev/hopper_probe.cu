// A hand-written prelude for probing templates/attnc/PrefillSm90.cuh on an H100 before the
// emitter targets it: the dense variant, and the causal, sliding-window and document-mask
// variants exactly as `attnc compile examples/{causal,sliding_window,document_mask}.attn
// --emit=cu` writes them (the document mask with its block-map kernel). Element type, head
// dim, key block, stages, consumer warpgroups, softmax overlap, CTAs per SM and persistence
// (0: one CTA per query block; 1 or 2: persistent CTAs with that many Q buffers) come from -D
// flags (ELEM_FP16, HD, BN, ST, CWG, OV, CTAS, PERSIST); bench/dev/hopper_probe.py loads the
// cubins and launches a persistent one on min(tiles, SMs x resident CTAs per SM) CTAs.
#include "attnc/BlockMap.cuh"
#include "attnc/Expr.cuh"
#include "attnc/PrefillSm90.cuh"

#ifndef CTAS
#define CTAS 1
#endif
#ifndef PERSIST
#define PERSIST 0
#endif

namespace probe {
constexpr int BLOCK_M = CWG * attnc::kWgmmaM;
constexpr int BLOCK_N = BN;

struct CausalVariant {
  static constexpr bool HAS_SCORE_MOD = false;
  __device__ __forceinline__ float score(float s, int i_, int j_, const attnc::ScoreContext &ctx) const {
    return s;
  }
  static constexpr bool HAS_MASK = true;
  static constexpr bool HAS_ROW_KEYS = false;
  static constexpr bool HAS_RESIDUAL_MASK = false;
  __device__ __forceinline__ bool mask(int i_, int j_, const attnc::ScoreContext &ctx) const {
    [[maybe_unused]] const AttncSoftmaxParams &p = *ctx.params;
    [[maybe_unused]] const long long b = ctx.batch, h = ctx.head, i = i_, j = j_;
    const bool v0 = (j <= i);
    return v0;
  }
  __device__ __forceinline__ attnc::KeyRange keyRange(int i0, int i1, const attnc::ScoreContext &ctx) const {
    [[maybe_unused]] const AttncSoftmaxParams &p = *ctx.params;
    const long long M = p.seq_k;
    [[maybe_unused]] const long long r0 = i0, r1 = i1 - 1;
    [[maybe_unused]] long long hullLo0 = 0, tightLo0 = 0;
    [[maybe_unused]] long long hullHi0 = M - 1, tightHi0 = M - 1;
    [[maybe_unused]] bool someRows0 = true, allRows0 = true;
    [[maybe_unused]] bool provable0 = true;
    hullHi0 = min(hullHi0, max(((1LL) * r0 + (0LL)), ((1LL) * r1 + (0LL))));
    tightHi0 = min(tightHi0, min(((1LL) * r0 + (0LL)), ((1LL) * r1 + (0LL))));
    long long lo = M, hi = 0;
    if (someRows0 && hullLo0 <= hullHi0) {
      lo = min(lo, hullLo0);
      hi = max(hi, hullHi0 + 1);
    }
    lo = max(lo, 0LL);
    hi = min(hi, M);
    return {static_cast<int>(lo), static_cast<int>(max(lo, hi))};
  }
  __device__ __forceinline__ int tileKind(int i0, int i1, int j0, int j1, const attnc::ScoreContext &ctx) const {
    [[maybe_unused]] const AttncSoftmaxParams &p = *ctx.params;
    const long long M = p.seq_k;
    [[maybe_unused]] const long long r0 = i0, r1 = i1 - 1;
    [[maybe_unused]] long long hullLo0 = 0, tightLo0 = 0;
    [[maybe_unused]] long long hullHi0 = M - 1, tightHi0 = M - 1;
    [[maybe_unused]] bool someRows0 = true, allRows0 = true;
    [[maybe_unused]] bool provable0 = true;
    hullHi0 = min(hullHi0, max(((1LL) * r0 + (0LL)), ((1LL) * r1 + (0LL))));
    tightHi0 = min(tightHi0, min(((1LL) * r0 + (0LL)), ((1LL) * r1 + (0LL))));
    const long long c0 = j0, c1 = j1 - 1;
    bool touched = false;
    if (provable0 && allRows0 && tightLo0 <= c0 && tightHi0 >= c1)
      return attnc::kTileFull;
    touched = touched || (someRows0 && hullLo0 <= c1 && hullHi0 >= c0);
    return touched ? attnc::kTilePartial : attnc::kTileEmpty;
  }
};

struct SlidingWindowVariant {
  static constexpr bool HAS_SCORE_MOD = false;
  __device__ __forceinline__ float score(float s, int i_, int j_, const attnc::ScoreContext &ctx) const {
    return s;
  }
  static constexpr bool HAS_MASK = true;
  static constexpr bool HAS_ROW_KEYS = false;
  static constexpr bool HAS_RESIDUAL_MASK = false;
  __device__ __forceinline__ bool mask(int i_, int j_, const attnc::ScoreContext &ctx) const {
    [[maybe_unused]] const AttncSoftmaxParams &p = *ctx.params;
    [[maybe_unused]] const long long b = ctx.batch, h = ctx.head, i = i_, j = j_;
    const bool v0 = (j <= i);
    const long long v1 = (i - j);
    const long long v2 = p.iparams[0];
    const bool v3 = (v1 < v2);
    const bool v4 = (v0 && v3);
    return v4;
  }
  __device__ __forceinline__ attnc::KeyRange keyRange(int i0, int i1, const attnc::ScoreContext &ctx) const {
    [[maybe_unused]] const AttncSoftmaxParams &p = *ctx.params;
    const long long M = p.seq_k;
    [[maybe_unused]] const long long r0 = i0, r1 = i1 - 1;
    [[maybe_unused]] long long hullLo0 = 0, tightLo0 = 0;
    [[maybe_unused]] long long hullHi0 = M - 1, tightHi0 = M - 1;
    [[maybe_unused]] bool someRows0 = true, allRows0 = true;
    [[maybe_unused]] bool provable0 = true;
    hullHi0 = min(hullHi0, max(((1LL) * r0 + (0LL)), ((1LL) * r1 + (0LL))));
    tightHi0 = min(tightHi0, min(((1LL) * r0 + (0LL)), ((1LL) * r1 + (0LL))));
    hullLo0 = max(hullLo0, min(((1LL) * r0 + (1LL + -1LL * (long long)(p.iparams[0]))), ((1LL) * r1 + (1LL + -1LL * (long long)(p.iparams[0])))));
    tightLo0 = max(tightLo0, max(((1LL) * r0 + (1LL + -1LL * (long long)(p.iparams[0]))), ((1LL) * r1 + (1LL + -1LL * (long long)(p.iparams[0])))));
    long long lo = M, hi = 0;
    if (someRows0 && hullLo0 <= hullHi0) {
      lo = min(lo, hullLo0);
      hi = max(hi, hullHi0 + 1);
    }
    lo = max(lo, 0LL);
    hi = min(hi, M);
    return {static_cast<int>(lo), static_cast<int>(max(lo, hi))};
  }
  __device__ __forceinline__ int tileKind(int i0, int i1, int j0, int j1, const attnc::ScoreContext &ctx) const {
    [[maybe_unused]] const AttncSoftmaxParams &p = *ctx.params;
    const long long M = p.seq_k;
    [[maybe_unused]] const long long r0 = i0, r1 = i1 - 1;
    [[maybe_unused]] long long hullLo0 = 0, tightLo0 = 0;
    [[maybe_unused]] long long hullHi0 = M - 1, tightHi0 = M - 1;
    [[maybe_unused]] bool someRows0 = true, allRows0 = true;
    [[maybe_unused]] bool provable0 = true;
    hullHi0 = min(hullHi0, max(((1LL) * r0 + (0LL)), ((1LL) * r1 + (0LL))));
    tightHi0 = min(tightHi0, min(((1LL) * r0 + (0LL)), ((1LL) * r1 + (0LL))));
    hullLo0 = max(hullLo0, min(((1LL) * r0 + (1LL + -1LL * (long long)(p.iparams[0]))), ((1LL) * r1 + (1LL + -1LL * (long long)(p.iparams[0])))));
    tightLo0 = max(tightLo0, max(((1LL) * r0 + (1LL + -1LL * (long long)(p.iparams[0]))), ((1LL) * r1 + (1LL + -1LL * (long long)(p.iparams[0])))));
    const long long c0 = j0, c1 = j1 - 1;
    bool touched = false;
    if (provable0 && allRows0 && tightLo0 <= c0 && tightHi0 >= c1)
      return attnc::kTileFull;
    touched = touched || (someRows0 && hullLo0 <= c1 && hullHi0 >= c0);
    return touched ? attnc::kTilePartial : attnc::kTileEmpty;
  }
};

struct DocumentVariant {
  static constexpr bool HAS_SCORE_MOD = false;
  __device__ __forceinline__ float score(float s, int i_, int j_, const attnc::ScoreContext &ctx) const {
    return s;
  }
  static constexpr bool HAS_MASK = true;
  __device__ __forceinline__ bool mask(int i_, int j_, const attnc::ScoreContext &ctx) const {
    [[maybe_unused]] const AttncSoftmaxParams &p = *ctx.params;
    [[maybe_unused]] const long long b = ctx.batch, h = ctx.head, i = i_, j = j_;
    const long long v0 = attnc::loadInput<int>(p.inputs[0], b, i);
    const long long v1 = attnc::loadInput<int>(p.inputs[0], b, j);
    const bool v2 = (v0 == v1);
    const bool v3 = (j <= i);
    const bool v4 = (v2 && v3);
    return v4;
  }
  static constexpr bool HAS_ROW_KEYS = true;
  static constexpr bool HAS_RESIDUAL_MASK = true;
  __device__ __forceinline__ attnc::RowKeys rowKeys(int i_, const attnc::ScoreContext &ctx) const {
    [[maybe_unused]] const AttncSoftmaxParams &p = *ctx.params;
    [[maybe_unused]] const long long b = ctx.batch, h = ctx.head, i = i_;
    long long lo = 0, hi = 2147483647LL;
    hi = min(hi, (long long)(i) + 0LL);
    return attnc::clampRowKeys(lo, hi);
  }
  __device__ __forceinline__ bool residualMask(int i_, int j_, const attnc::ScoreContext &ctx) const {
    [[maybe_unused]] const AttncSoftmaxParams &p = *ctx.params;
    [[maybe_unused]] const long long b = ctx.batch, h = ctx.head, i = i_, j = j_;
    const long long v0 = attnc::loadInput<int>(p.inputs[0], b, i);
    const long long v1 = attnc::loadInput<int>(p.inputs[0], b, j);
    const bool v2 = (v0 == v1);
    return v2;
  }
  __device__ __forceinline__ attnc::KeyRange affineKeyRange(int i0, int i1, const attnc::ScoreContext &ctx) const {
    [[maybe_unused]] const AttncSoftmaxParams &p = *ctx.params;
    const long long M = p.seq_k;
    [[maybe_unused]] const long long r0 = i0, r1 = i1 - 1;
    [[maybe_unused]] long long hullLo0 = 0, tightLo0 = 0;
    [[maybe_unused]] long long hullHi0 = M - 1, tightHi0 = M - 1;
    [[maybe_unused]] bool someRows0 = true, allRows0 = true;
    [[maybe_unused]] bool provable0 = false;
    hullHi0 = min(hullHi0, max(((1LL) * r0 + (0LL)), ((1LL) * r1 + (0LL))));
    tightHi0 = min(tightHi0, min(((1LL) * r0 + (0LL)), ((1LL) * r1 + (0LL))));
    long long lo = M, hi = 0;
    if (someRows0 && hullLo0 <= hullHi0) {
      lo = min(lo, hullLo0);
      hi = max(hi, hullHi0 + 1);
    }
    lo = max(lo, 0LL);
    hi = min(hi, M);
    return {static_cast<int>(lo), static_cast<int>(max(lo, hi))};
  }
  __device__ __forceinline__ int affineTileKind(int i0, int i1, int j0, int j1, const attnc::ScoreContext &ctx) const {
    [[maybe_unused]] const AttncSoftmaxParams &p = *ctx.params;
    const long long M = p.seq_k;
    [[maybe_unused]] const long long r0 = i0, r1 = i1 - 1;
    [[maybe_unused]] long long hullLo0 = 0, tightLo0 = 0;
    [[maybe_unused]] long long hullHi0 = M - 1, tightHi0 = M - 1;
    [[maybe_unused]] bool someRows0 = true, allRows0 = true;
    [[maybe_unused]] bool provable0 = false;
    hullHi0 = min(hullHi0, max(((1LL) * r0 + (0LL)), ((1LL) * r1 + (0LL))));
    tightHi0 = min(tightHi0, min(((1LL) * r0 + (0LL)), ((1LL) * r1 + (0LL))));
    const long long c0 = j0, c1 = j1 - 1;
    bool touched = false;
    if (provable0 && allRows0 && tightLo0 <= c0 && tightHi0 >= c1)
      return attnc::kTileFull;
    touched = touched || (someRows0 && hullLo0 <= c1 && hullHi0 >= c0);
    return touched ? attnc::kTilePartial : attnc::kTileEmpty;
  }
  static constexpr int ID_ATOMS = 1;
  static constexpr bool EXACT_PARTIAL = false;
  __device__ __forceinline__ int idKey(int atom, int pos, const attnc::ScoreContext &ctx) const {
    const AttncSoftmaxParams &p = *ctx.params;
    switch (atom) {
    case 0: // doc
      return static_cast<int>(attnc::loadInput<int>(p.inputs[0], ctx.batch, pos));
    }
    return 0;
  }
  __device__ __forceinline__ int restTileKind(int i0, int i1, int j0, int j1, const attnc::ScoreContext &ctx) const {
    [[maybe_unused]] const AttncSoftmaxParams &p = *ctx.params;
    const long long M = p.seq_k;
    [[maybe_unused]] const long long r0 = i0, r1 = i1 - 1;
    [[maybe_unused]] long long hullLo0 = 0, tightLo0 = 0;
    [[maybe_unused]] long long hullHi0 = M - 1, tightHi0 = M - 1;
    [[maybe_unused]] bool someRows0 = true, allRows0 = true;
    [[maybe_unused]] bool provable0 = true;
    hullHi0 = min(hullHi0, max(((1LL) * r0 + (0LL)), ((1LL) * r1 + (0LL))));
    tightHi0 = min(tightHi0, min(((1LL) * r0 + (0LL)), ((1LL) * r1 + (0LL))));
    const long long c0 = j0, c1 = j1 - 1;
    bool touched = false;
    if (provable0 && allRows0 && tightLo0 <= c0 && tightHi0 >= c1)
      return attnc::kTileFull;
    touched = touched || (someRows0 && hullLo0 <= c1 && hullHi0 >= c0);
    return touched ? attnc::kTilePartial : attnc::kTileEmpty;
  }
  static constexpr bool MAP_PER_BATCH = true;
  static constexpr bool MAP_PER_HEAD = false;
  __device__ __forceinline__ attnc::KeyRange keyRange(int i0, int i1, const attnc::ScoreContext &ctx) const {
    const attnc::KeyRange affine = affineKeyRange(i0, i1, ctx);
    const attnc::KeyRange mapped = attnc::readBlockMapKeyRange<BLOCK_M, MAP_PER_BATCH, MAP_PER_HEAD>(
        *ctx.params, ctx.batch, ctx.head, i0);
    return {max(affine.begin, mapped.begin), min(affine.end, mapped.end)};
  }
  __device__ __forceinline__ int tileKind(int i0, int, int j0, int, const attnc::ScoreContext &ctx) const {
    return attnc::readBlockMap<BLOCK_M, BLOCK_N, MAP_PER_BATCH, MAP_PER_HEAD>(
        *ctx.params, ctx.batch, ctx.head, i0, j0);
  }
};

#if ELEM_FP16
using Element = __half;
#else
using Element = __nv_bfloat16;
#endif
using Traits = attnc::PrefillSm90Traits<Element, HD, BN, ST, CWG, OV, CTAS, PERSIST>;
} // namespace probe

extern "C" __constant__ int attnc_smem_bytes = probe::Traits::kSmemBytes;
extern "C" __constant__ int attnc_threads = probe::Traits::kThreads;
extern "C" __constant__ int attnc_block_m = probe::Traits::BLOCK_M;
extern "C" __constant__ int attnc_block_n = probe::Traits::BLOCK_N;
extern "C" __constant__ int attnc_block_map_threads = attnc::kBlockMapThreads;
extern "C" __constant__ int attnc_persistent = probe::Traits::PERSISTENT;

extern "C" __global__ void __launch_bounds__(probe::Traits::kThreads, probe::Traits::CTAS_PER_SM)
attnc_full(const __grid_constant__ AttncSoftmaxParams p) {
  attnc::prefillKernelSm90<probe::Traits, attnc::DenseVariant>(p);
}
extern "C" __global__ void __launch_bounds__(probe::Traits::kThreads, probe::Traits::CTAS_PER_SM)
attnc_causal(const __grid_constant__ AttncSoftmaxParams p) {
  attnc::prefillKernelSm90<probe::Traits, probe::CausalVariant>(p);
}
extern "C" __global__ void __launch_bounds__(probe::Traits::kThreads, probe::Traits::CTAS_PER_SM)
attnc_sliding_window(const __grid_constant__ AttncSoftmaxParams p) {
  attnc::prefillKernelSm90<probe::Traits, probe::SlidingWindowVariant>(p);
}
extern "C" __global__ void __launch_bounds__(probe::Traits::kThreads, probe::Traits::CTAS_PER_SM)
attnc_document(const __grid_constant__ AttncSoftmaxParams p) {
  attnc::prefillKernelSm90<probe::Traits, probe::DocumentVariant>(p);
}
extern "C" __global__ void __launch_bounds__(attnc::kBlockMapThreads)
attnc_document_blockmap(const __grid_constant__ AttncSoftmaxParams p) {
  attnc::buildBlockMap<probe::BLOCK_M, probe::BLOCK_N, probe::DocumentVariant::MAP_PER_BATCH,
                       probe::DocumentVariant::MAP_PER_HEAD, probe::DocumentVariant>(p);
}
