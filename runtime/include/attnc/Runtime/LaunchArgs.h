//===- LaunchArgs.h - Validating launch arguments against a KernelSpec --*- C++ -*-===//
//
// `prepareLaunch` is a pure function of a KernelSpec and the caller's tensors/params: it
// checks every argument (dtype, rank, shape, head dims, GQA ratio, contiguity, alignment,
// input and param names) and produces the AttncSoftmaxParams and grid a launch needs. It
// touches no GPU, so validation is tested on machines without one, and it allocates only
// when it reports an error, so a launch can be captured into a CUDA graph.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_LAUNCHARGS_H
#define ATTNC_RUNTIME_LAUNCHARGS_H

#include "attnc/KernelParams.h"
#include "attnc/Runtime/KernelSpec.h"

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <vector>

namespace attnc::runtime {

/// A non-owning view of a contiguous sequence (the caller keeps it alive for the call).
template <typename T> class Span {
public:
  Span() = default;
  Span(const T *data, size_t size) : data_(data), size_(size) {}
  Span(const std::vector<T> &v) : data_(v.data()), size_(v.size()) {}
  Span(std::initializer_list<T> list) : data_(list.begin()), size_(list.size()) {}
  const T *begin() const { return data_; }
  const T *end() const { return data_ + size_; }
  size_t size() const { return size_; }
  const T &operator[](size_t i) const { return data_[i]; }

private:
  const T *data_ = nullptr;
  size_t size_ = 0;
};

/// An extra input, by the name it has in the spec.
struct NamedTensor {
  const char *name = nullptr;
  TensorDesc tensor;
};

/// A param value by name. An integer param accepts a real only if it is integral; a float
/// param accepts either.
struct ParamValue {
  const char *name = nullptr;
  bool isFloat = false;
  int64_t intValue = 0;
  double floatValue = 0;

  static ParamValue integer(const char *name, int64_t v) { return {name, false, v, 0.0}; }
  static ParamValue real(const char *name, double v) { return {name, true, 0, v}; }
};

/// The arguments of one softmax-family launch.
struct LaunchArgs {
  TensorDesc q, k, v, o;
  const TensorDesc *lse = nullptr; ///< f32 [B, Hq, N]; optional, only if the kernel writes lse
  Span<NamedTensor> inputs;
  Span<ParamValue> params;
  std::optional<float> scale;     ///< default 1/sqrt(D)
  int numSplits = 1;              ///< split-KV count (decode kernels only)
  void *workspace = nullptr;      ///< split-KV partials; required when numSplits > 1
  /// Workspace for the run-time block map of a data-dependent mask, at least
  /// blockMapBytes(spec, B, Hq, N, M) bytes; rebuilt on the device by every launch unless
  /// blockMapBuilt. Persistent CTAs also count their tile claims in it, so launches that
  /// share one workspace must not run at the same time (issue them on one stream).
  void *blockMap = nullptr;
  int64_t blockMapCapacity = 0; ///< bytes available at blockMap
  /// blockMap already holds the map an earlier launch of this kernel built for the same
  /// shape, mask inputs and params (FlexAttention's BlockMask, built once and reused by every
  /// layer): the launch skips the build. The caller vouches that nothing the mask reads
  /// has changed since; a stale map gives wrong results.
  bool blockMapBuilt = false;
};

/// What cuLaunchKernel needs.
struct LaunchConfig {
  AttncSoftmaxParams params;
  unsigned grid[3] = {1, 1, 1};
  unsigned block[3] = {1, 1, 1};
  unsigned dynamicSmemBytes = 0;
  /// The block-map kernel's grid (query blocks, map batches, map heads); unused when the
  /// kernel needs no block map.
  unsigned blockMapGrid[3] = {1, 1, 1};
  /// The workspace's counters, cleared before the block-map kernel (blockMapCounters).
  int64_t blockMapCountersOffset = 0;
  int64_t blockMapCountersBytes = 0;
};

/// Validates `args` against `spec` and builds the launch. Errors name the argument and the
/// problem, e.g. "k: expected bf16, got f16" or "Hq=12 is not a multiple of Hkv=5".
/// `residentCtas` (GridRule::PersistentQueryBlocks only): the CTAs the device holds at once
/// (SMs x CTAs per SM), the persistent grid's size; 0 launches one CTA per query block.
Expected<LaunchConfig> prepareLaunch(const KernelSpec &spec, const LaunchArgs &args,
                                     int64_t residentCtas = 0);

} // namespace attnc::runtime

#endif // ATTNC_RUNTIME_LAUNCHARGS_H
