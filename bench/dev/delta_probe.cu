// A hand-written prelude for probing the delta-rule templates on a GPU outside the
// compiler: the one-kernel form (LinearDelta.cuh: delta_<kind>) and the two-stage form
// (LinearDeltaPrepare.cuh + LinearDeltaWalk.cuh: prep_<kind>, then walk_<kind> over the
// prepare stage's workspace), each as the plain delta rule (bf16), the gated delta rule
// (bf16) and the gated delta rule in fp16. Shapes from -D flags (DP_HK, DP_HV: head dims;
// DP_SV: V slice per CTA; DP_CH: chunk; DP_SUB: key sub-tile of the one-kernel form;
// DP_NW: warps). Built by nvcc for sm_90a (and sm_80, for the spill check) by
// `delta_probe.py --build`.
#include "attnc/LinearDelta.cuh"
#include "attnc/LinearDeltaPrepare.cuh"
#include "attnc/LinearDeltaWalk.cuh"

using attnc::LinearGate;
template <typename Element, LinearGate GATE>
using Traits = attnc::LinearDeltaTraits<Element, DP_HK, DP_HV, DP_SV, DP_CH, DP_SUB, DP_NW, GATE>;
template <typename Element, LinearGate GATE>
using PrepTraits = attnc::LinearDeltaPrepareTraits<Element, DP_HK, DP_HV, DP_CH, DP_NW, GATE>;
template <typename Element, LinearGate GATE>
using WalkTraits = attnc::LinearDeltaWalkTraits<Element, DP_HK, DP_HV, DP_SV, DP_CH, DP_NW, GATE>;
using Bf16 = __nv_bfloat16;

#define ATTNC_PROBE_ENTRY(NAME, TRAITS, BODY)                                                      \
  extern "C" __constant__ int NAME##_smem_bytes = TRAITS::kSmemBytes;                              \
  extern "C" __global__ void __launch_bounds__(TRAITS::kThreads)                                   \
      NAME(const __grid_constant__ AttncLinearParams p) {                                          \
    attnc::BODY<TRAITS>(p);                                                                        \
  }
#define ATTNC_DELTA_ENTRIES(KIND, ELEMENT, GATE)                                                   \
  ATTNC_PROBE_ENTRY(delta_##KIND, PROBE_ARG(Traits<ELEMENT, GATE>), linearDeltaKernel)             \
  ATTNC_PROBE_ENTRY(prep_##KIND, PROBE_ARG(PrepTraits<ELEMENT, GATE>), linearDeltaPrepareKernel)   \
  ATTNC_PROBE_ENTRY(walk_##KIND, PROBE_ARG(WalkTraits<ELEMENT, GATE>), linearDeltaWalkKernel)
#define PROBE_ARG(...) __VA_ARGS__

ATTNC_DELTA_ENTRIES(plain, Bf16, LinearGate::kNone)
ATTNC_DELTA_ENTRIES(gated, Bf16, LinearGate::kPerToken)
ATTNC_DELTA_ENTRIES(gated_f16, __half, LinearGate::kPerToken)
