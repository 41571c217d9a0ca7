// A hand-written prelude for probing templates/attnc/LinearDelta.cuh on a GPU before the
// delta emitter exists: the plain delta rule (bf16), the gated delta rule (bf16) and the
// gated delta rule in fp16, shapes from -D flags (DP_HK, DP_HV: head dims; DP_SV: V slice
// per CTA; DP_CH: chunk; DP_SUB: key sub-tile; DP_NW: warps). Built by nvcc for sm_90a (and
// sm_80, for the spill check) by `delta_probe.py --build`.
#include "attnc/LinearDelta.cuh"

using attnc::LinearGate;
template <typename Element, LinearGate GATE>
using Traits = attnc::LinearDeltaTraits<Element, DP_HK, DP_HV, DP_SV, DP_CH, DP_SUB, DP_NW, GATE>;
using Bf16 = __nv_bfloat16;

#define ATTNC_DELTA_ENTRY(NAME, ELEMENT, GATE)                                                     \
  extern "C" __constant__ int NAME##_smem_bytes = Traits<ELEMENT, GATE>::kSmemBytes;               \
  extern "C" __global__ void __launch_bounds__(Traits<ELEMENT, GATE>::kThreads)                    \
      NAME(const __grid_constant__ AttncLinearParams p) {                                          \
    attnc::linearDeltaKernel<Traits<ELEMENT, GATE>>(p);                                            \
  }

ATTNC_DELTA_ENTRY(delta_plain, Bf16, LinearGate::kNone)
ATTNC_DELTA_ENTRY(delta_gated, Bf16, LinearGate::kPerToken)
ATTNC_DELTA_ENTRY(delta_gated_f16, __half, LinearGate::kPerToken)
