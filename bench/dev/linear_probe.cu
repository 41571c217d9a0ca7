// A hand-written prelude for probing templates/attnc/LinearChunk.cuh on a GPU before the
// linear emitter is wired in: one entry per gate kind (plain, per-head decay, per-token
// gate, per-channel gate) and an fp16 per-token entry, shapes from -D flags (LP_HK, LP_HV:
// head dims; LP_SV: V slice per CTA; LP_CH: chunk; LP_SUB: key sub-tile; LP_NW: warps;
// LP_NO_CHANNEL: leave out the per-channel entry, whose gate tiles need more shared memory
// or a 16-token sub-tile). Each entry NAME has NAME_state and NAME_fold twins, the split
// path's state pre-pass and fold (LinearSegmentState.cuh). Built by nvcc for sm_90a by `linear_probe.py --build`.
#include "attnc/LinearSegmentState.cuh"

using attnc::LinearGate;
template <typename Element, LinearGate GATE>
using Traits = attnc::LinearTraits<Element, LP_HK, LP_HV, LP_SV, LP_CH, LP_SUB, LP_NW, GATE>;
using Bf16 = __nv_bfloat16;

#define ATTNC_LINEAR_ENTRY(NAME, ELEMENT, GATE)                                                    \
  extern "C" __constant__ int NAME##_smem_bytes = Traits<ELEMENT, GATE>::kSmemBytes;               \
  extern "C" __global__ void __launch_bounds__(Traits<ELEMENT, GATE>::kThreads)                    \
      NAME(const __grid_constant__ AttncLinearParams p) {                                          \
    attnc::linearChunkKernel<Traits<ELEMENT, GATE>>(p);                                            \
  }                                                                                                \
  extern "C" __global__ void __launch_bounds__(Traits<ELEMENT, GATE>::kThreads)                    \
      NAME##_state(const __grid_constant__ AttncLinearParams p) {                                  \
    attnc::linearSegmentStateKernel<Traits<ELEMENT, GATE>>(p);                                     \
  }                                                                                                \
  extern "C" __global__ void __launch_bounds__(Traits<ELEMENT, GATE>::kThreads)                    \
      NAME##_fold(const __grid_constant__ AttncLinearParams p) {                                   \
    attnc::linearSegmentFoldKernel<Traits<ELEMENT, GATE>>(p);                                      \
  }

ATTNC_LINEAR_ENTRY(linear_none, Bf16, LinearGate::kNone)
ATTNC_LINEAR_ENTRY(linear_head, Bf16, LinearGate::kPerHead)
ATTNC_LINEAR_ENTRY(linear_token, Bf16, LinearGate::kPerToken)
ATTNC_LINEAR_ENTRY(linear_token_f16, __half, LinearGate::kPerToken)
#if !defined(LP_NO_CHANNEL)
ATTNC_LINEAR_ENTRY(linear_channel, Bf16, LinearGate::kPerChannel)
#endif
