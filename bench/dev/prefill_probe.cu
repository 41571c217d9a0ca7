// A hand-written prelude for probing templates/attnc/Prefill.cuh on a GPU before the code
// generator exists: dense and causal variants, tile shape from -D flags. Built by nvcc in
// bench/dev/prefill_probe.py on the device machine.
#include "attnc/Prefill.cuh"
struct CausalVariant {
  static constexpr bool HAS_SCORE_MOD = false;
  static constexpr bool HAS_MASK = true;
  static constexpr bool HAS_ROW_KEYS = false;
  static constexpr bool HAS_RESIDUAL_MASK = false;
  __device__ float score(float s, int, int, const attnc::ScoreContext &) const { return s; }
  __device__ bool mask(int i, int j, const attnc::ScoreContext &) const { return j <= i; }
  __device__ attnc::KeyRange keyRange(int i0, int i1, const attnc::ScoreContext &) const { return {0, i1}; }
  __device__ int tileKind(int i0, int i1, int j0, int j1, const attnc::ScoreContext &) const {
    return (j1 - 1 <= i0) ? attnc::kTileFull : (j0 > i1 - 1 ? attnc::kTileEmpty : attnc::kTilePartial); }
};
using Traits = attnc::PrefillTraits<__nv_bfloat16, HD, BM, BN, NW, ST, QR>;
extern "C" __constant__ int attnc_smem_bytes = Traits::kSmemBytes;
extern "C" __global__ void __launch_bounds__(Traits::kThreads) attnc_causal(const __grid_constant__ AttncSoftmaxParams p) {
  attnc::prefillKernel<Traits, CausalVariant>(p);
}
extern "C" __global__ void __launch_bounds__(Traits::kThreads) attnc_full(const __grid_constant__ AttncSoftmaxParams p) {
  attnc::prefillKernel<Traits, attnc::DenseVariant>(p);
}
