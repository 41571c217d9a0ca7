// A hand-written prelude for probing templates/attnc/PrefillSm90.cuh on an H100 before the
// emitter targets it: the dense variant, and the causal and sliding-window variants exactly
// as `attnc compile examples/{causal,sliding_window}.attn --emit=cu` writes them. Element
// type, head dim, key block, stages, consumer warpgroups and softmax overlap come from -D
// flags (ELEM_FP16, HD, BN, ST, CWG, OV); bench/dev/hopper_probe.py loads the cubins.
#include "attnc/Expr.cuh"
#include "attnc/PrefillSm90.cuh"

namespace probe {
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

#if ELEM_FP16
using Element = __half;
#else
using Element = __nv_bfloat16;
#endif
using Traits = attnc::PrefillSm90Traits<Element, HD, BN, ST, CWG, OV>;
} // namespace probe

extern "C" __constant__ int attnc_smem_bytes = probe::Traits::kSmemBytes;
extern "C" __constant__ int attnc_threads = probe::Traits::kThreads;
extern "C" __constant__ int attnc_block_m = probe::Traits::BLOCK_M;

extern "C" __global__ void __launch_bounds__(probe::Traits::kThreads, 1)
attnc_full(const __grid_constant__ AttncSoftmaxParams p) {
  attnc::prefillKernelSm90<probe::Traits, attnc::DenseVariant>(p);
}
extern "C" __global__ void __launch_bounds__(probe::Traits::kThreads, 1)
attnc_causal(const __grid_constant__ AttncSoftmaxParams p) {
  attnc::prefillKernelSm90<probe::Traits, probe::CausalVariant>(p);
}
extern "C" __global__ void __launch_bounds__(probe::Traits::kThreads, 1)
attnc_sliding_window(const __grid_constant__ AttncSoftmaxParams p) {
  attnc::prefillKernelSm90<probe::Traits, probe::SlidingWindowVariant>(p);
}
