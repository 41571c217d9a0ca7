//===- LinearLaunch.h - Validating a linear-family launch -----------*- C++ -*-===//
//
// `prepareLinearLaunch` is to the linear family what `prepareLaunch` is to the softmax
// family: a pure function of a KernelSpec and the caller's tensors that checks every
// argument (dtypes, ranks, shapes against K and V, strides and alignment the template's
// cp.async copies need, the gate input, states, packed-sequence offsets) and fills
// AttncLinearParams, the grid (V / sliceV, H, sequences), the block and the shared memory.
// It touches no GPU, so validation is tested on machines without one.
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
};

/// What cuLaunchKernel needs.
struct LinearLaunchConfig {
  AttncLinearParams params;
  unsigned grid[3] = {1, 1, 1};
  unsigned block[3] = {1, 1, 1};
  unsigned dynamicSmemBytes = 0;
};

/// The linear-family part of KernelSpec::verify (V slice, gate kind, gate input).
Status verifyLinearSpec(const KernelSpec &spec);

/// Validates `args` against `spec` (family Linear) and builds the launch. Errors name the
/// argument and the problem, e.g. "k: head dim 64 does not match the kernel's K=128".
Expected<LinearLaunchConfig> prepareLinearLaunch(const KernelSpec &spec,
                                                 const LinearLaunchArgs &args);

} // namespace attnc::runtime

#endif // ATTNC_RUNTIME_LINEARLAUNCH_H
