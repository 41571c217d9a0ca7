//===- LinearLaunch.h - Validating a linear-family launch -----------*- C++ -*-===//
//
// `prepareLinearLaunch` is to the linear family what `prepareLaunch` is to the softmax
// family: a pure function of a KernelSpec and the caller's tensors that checks every
// argument (dtypes, ranks, shapes against K and V, strides and alignment the template's
// cp.async copies need, the gate input, states, packed-sequence offsets) and fills
// AttncLinearParams, the grid (V / sliceV, H, sequences x P), the block and the shared
// memory. With P > 1 segments per sequence it also lays out the split stages launched
// before the main entry and checks the caller's workspace against linearWorkspaceBytes;
// the launch itself never allocates or synchronises, so it can be graph-captured. It
// touches no GPU, so validation is tested on machines without one.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_LINEARLAUNCH_H
#define ATTNC_RUNTIME_LINEARLAUNCH_H

#include "attnc/LinearParams.h"
#include "attnc/Runtime/LaunchArgs.h"

#include <optional>

namespace attnc::runtime {

/// The arguments of one linear-family launch. q, k, v, o are [B, H, T, K|V] in any layout
/// whose last dim is contiguous ([B, T, H, D] storage passes as a strided view).
struct LinearLaunchArgs {
  TensorDesc q, k, v, o;
  /// The gate input by the name the kernel declares it under (its spec's gateInput):
  /// f32 [B, H, T] per token, [B, H, T, K] per key channel, or the per-head input.
  Span<NamedTensor> inputs;
  const TensorDesc *stateIn = nullptr;  ///< f32 [N, H, K, V] contiguous; absent: zeros
  const TensorDesc *stateOut = nullptr; ///< f32 [N, H, K, V] contiguous; optional
  /// mLSTM kernels only: the normaliser n, f32 [N, H, K] contiguous, each optional (absent
  /// in: zeros). With the exponential input gate C and n are stored stabilised (C e^-m,
  /// n e^-m) next to m, f32 [N, H] contiguous (absent in: m = 0); a kernel that writes C or
  /// n then needs maxOut, since they mean nothing without it.
  const TensorDesc *normIn = nullptr;
  const TensorDesc *normOut = nullptr;
  const TensorDesc *maxIn = nullptr;
  const TensorDesc *maxOut = nullptr;
  /// i32 [N + 1] offsets of packed sequences in batch row 0 (then B must be 1); absent:
  /// N = B sequences of T tokens. The offsets live on the device and are not checked.
  const TensorDesc *cuSeqlens = nullptr;
  std::optional<float> scale; ///< default 1/sqrt(K)
  /// Device scratch for the split path, at least linearWorkspaceBytes bytes, 16-byte
  /// aligned; may be null when that is 0. Overwritten by every launch.
  void *workspace = nullptr;
  int64_t workspaceCapacity = 0; ///< bytes available at workspace
};

/// Most split stages a linear kernel may declare.
constexpr int kMaxLinearStages = 4;
/// linearSegmentsFor's aim: CTAs per SM once sequences are split, at most (two of the
/// scalar-gate configs fit on an H100 SM at once; fewer when shared memory says so).
constexpr int kSplitCtasPerSm = 2;
/// Shared memory the driver reserves per resident CTA (bytes; cuda::kSmemReservedPerCta in
/// compiler/include/attnc/Target/CUDA/PrefillConfig.h, which the runtime does not link).
constexpr int kSmemReservedPerCta = 1024;
/// linearSegmentsFor never cuts an average sequence into segments of fewer chunks.
constexpr int kMinSegmentChunks = 8;
/// linearSegmentsFor's ceiling on P.
constexpr int kMaxSegments = 64;
/// linearStatePiecesFor's ceiling on R.
constexpr int kMaxStatePieces = 16;

/// One cuLaunchKernel of a split stage: KernelSpec::linear.splitStages[stage].
struct LinearStageLaunch {
  int stage = 0;
  unsigned grid[3] = {1, 1, 1};
  unsigned block[3] = {1, 1, 1};
  unsigned dynamicSmemBytes = 0;
};

/// What cuLaunchKernel needs.
struct LinearLaunchConfig {
  AttncLinearParams params;
  unsigned grid[3] = {1, 1, 1};
  unsigned block[3] = {1, 1, 1};
  unsigned dynamicSmemBytes = 0;
  int segments = 1;    ///< P, as resolved for this launch
  int statePieces = 1; ///< R, the pre-pass's pieces per segment (linearStatePiecesFor)
  /// The split stages to launch first, in order (none when P = 1).
  LinearStageLaunch stages[kMaxLinearStages];
  int numStages = 0;
};

/// The linear-family part of KernelSpec::verify (V slice, gate kind, gate input).
Status verifyLinearSpec(const KernelSpec &spec);

/// What the automatic segment count needs to know about the device (zeros: no split).
struct LinearDeviceShape {
  int smCount = 0;
  int sharedMemoryPerSm = 0; ///< bytes
};

/// P for a kernel whose spec leaves it to the launch (segments 0). The device holds
/// slots = SMs x min(kSplitCtasPerSm, CTAs that fit in an SM's shared memory) resident
/// CTAs; when the (V slice, head, sequence) CTAs already fill half of them, P = 1 (on the
/// H100 a split of a nearly full grid was slower: bench/NOTES.md), else slots / CTAs
/// segments, keeping at least kMinSegmentChunks chunks of an average sequence (`tokens` /
/// `sequences`) per segment. A fixed spec value is returned as is (clamped to what the
/// grid allows), and 1 for kernels that cannot split.
int linearSegmentsFor(const KernelSpec &spec, int64_t sequences, int64_t heads, int64_t tokens,
                      const LinearDeviceShape &device);

/// R for a split launch with P = `segments`: the state pre-pass has one CTA per (V slice,
/// head, sequence, earlier segment); when those fill less than half of the device's slots
/// (as for linearSegmentsFor), each earlier segment is cut into R pieces, R = slots / CTAs,
/// keeping at least kMinSegmentChunks chunks per piece (GLA at T = 16k, P = 2: 64
/// pre-pass CTAs walking 128 chunks each become 256 walking 32). 1 when P = 1 or the
/// device is unknown.
int linearStatePiecesFor(const KernelSpec &spec, int64_t sequences, int64_t heads,
                         int64_t tokens, int segments, const LinearDeviceShape &device);

/// Device workspace bytes a launch of `spec` on `args` needs (0 on the one-kernel path):
/// N x H x (P - 1) x R x linear.segmentBytes. `device` as for prepareLinearLaunch.
Expected<int64_t> linearWorkspaceBytes(const KernelSpec &spec, const LinearLaunchArgs &args,
                                       const LinearDeviceShape &device);

/// Validates `args` against `spec` (family Linear) and builds the launch. Errors name the
/// argument and the problem, e.g. "k: head dim 64 does not match the kernel's K=128".
/// `device` is used only when the spec leaves P to the launch (zeros: no split).
Expected<LinearLaunchConfig> prepareLinearLaunch(const KernelSpec &spec,
                                                 const LinearLaunchArgs &args,
                                                 const LinearDeviceShape &device = {});

} // namespace attnc::runtime

#endif // ATTNC_RUNTIME_LINEARLAUNCH_H
