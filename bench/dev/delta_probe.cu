// A hand-written prelude for probing the delta-rule templates on a GPU outside the
// compiler: the two-stage form (LinearDeltaPrepare.cuh + LinearDeltaWalk.cuh: prep_<kind>,
// then walk_<kind> over the prepare stage's workspace), as the plain delta rule (bf16),
// the gated delta rule (bf16) and the gated delta rule in fp16. Shapes from -D flags
// (DP_HK, DP_HV: head dims; DP_SV: V slice per walk CTA; DP_CH: chunk; DP_NW: walk warps,
// CHUNK / 16 per group of V columns; DP_PNW: prepare warps). Built by nvcc for sm_90a (and sm_80, for the spill check) by
// `delta_probe.py --build`.
#include "attnc/LinearDeltaPrepare.cuh"
#include "attnc/LinearDeltaWalk.cuh"

#ifndef DP_PNW
#define DP_PNW 4
#endif

using attnc::LinearGate;
template <typename Element, LinearGate GATE>
using PrepTraits = attnc::LinearDeltaPrepareTraits<Element, DP_HK, DP_HV, DP_CH, DP_PNW, GATE>;
template <typename Element, LinearGate GATE>
using WalkTraits = attnc::LinearDeltaWalkTraits<Element, DP_HK, DP_HV, DP_SV, DP_CH, DP_NW, GATE>;
using Bf16 = __nv_bfloat16;

#define ATTNC_PROBE_ENTRY(NAME, TRAITS, BODY)                                                      \
  extern "C" __constant__ int NAME##_smem_bytes = TRAITS::kSmemBytes;                              \
  extern "C" __global__ void __launch_bounds__(TRAITS::kThreads)                                   \
      NAME(const __grid_constant__ AttncLinearParams p) {                                          \
    attnc::BODY<TRAITS>(p);                                                                        \
  }
#define PROBE_ARG(...) __VA_ARGS__
#define ATTNC_SPLIT_ENTRIES(KIND, ELEMENT, GATE)                                                   \
  ATTNC_PROBE_ENTRY(prep_##KIND, PROBE_ARG(PrepTraits<ELEMENT, GATE>), linearDeltaPrepareKernel)   \
  ATTNC_PROBE_ENTRY(walk_##KIND, PROBE_ARG(WalkTraits<ELEMENT, GATE>), linearDeltaWalkKernel)

ATTNC_SPLIT_ENTRIES(plain, Bf16, LinearGate::kNone)
ATTNC_SPLIT_ENTRIES(gated, Bf16, LinearGate::kPerToken)
ATTNC_SPLIT_ENTRIES(gated_f16, __half, LinearGate::kPerToken)

