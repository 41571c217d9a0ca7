//===- HostTensor.h - Dense float64 tensors for the CPU reference -*- C++ -*-===//
//
// The CPU reference computes in float64 on plain row-major host tensors, so that every
// GPU kernel can be checked against a result whose own rounding error is negligible.
// Integer inputs (document ids, i32 tensors) are stored as exact doubles. This header also
// holds the helpers the correctness checks share: seeded random fills and the relative
// error ||a - b|| / ||b|| that the tolerance rules are stated in.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_REFERENCE_HOSTTENSOR_H
#define ATTNC_REFERENCE_HOSTTENSOR_H

#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

namespace attnc::reference {

/// Raised for every problem the reference detects in its inputs: a missing input, a shape
/// that contradicts the kernel's declarations, an unbound dimension symbol, an index out of
/// range. The reference never guesses; a caller (test, `attnc check`) reports `what()`.
class ReferenceError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// A dense row-major float64 tensor.
struct HostTensor {
  std::vector<int64_t> shape;
  std::vector<double> data;

  HostTensor() = default;
  /// A zero-filled tensor of `shape`.
  explicit HostTensor(std::vector<int64_t> shape);

  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  int64_t numel() const { return static_cast<int64_t>(data.size()); }
  /// Size of dimension `d`; negative `d` counts from the end.
  int64_t dim(int64_t d) const;
  /// Row-major linear offset of a full index; throws ReferenceError when out of range.
  int64_t offset(std::initializer_list<int64_t> idx) const;
  int64_t offset(const std::vector<int64_t> &idx) const;
  double &at(std::initializer_list<int64_t> idx) { return data[offset(idx)]; }
  double at(std::initializer_list<int64_t> idx) const { return data[offset(idx)]; }
  /// Pointer to the contiguous trailing block selected by a leading index prefix
  /// (e.g. `row({b, h, t})` of a [B, H, T, K] tensor is the K-vector at step t).
  const double *row(std::initializer_list<int64_t> prefix) const;
  double *row(std::initializer_list<int64_t> prefix);
  /// "[2, 4, 16, 8]".
  std::string shapeStr() const;
};

/// Fills a tensor of `shape` with independent uniform values in [lo, hi) from a
/// deterministic generator seeded with `seed`.
HostTensor randomUniform(std::vector<int64_t> shape, uint64_t seed, double lo = -1.0,
                         double hi = 1.0);
/// Uniform random integers in [lo, hi] (stored as doubles), for i32 inputs.
HostTensor randomInts(std::vector<int64_t> shape, uint64_t seed, int64_t lo, int64_t hi);
/// Normalises every innermost row (last dimension) to unit L2 norm, as delta-rule keys are.
void l2NormalizeRows(HostTensor &t);

/// The storage formats a GPU kernel reads its inputs in.
enum class StorageFormat { F32, F16, BF16 };

/// `x` rounded to the nearest value of `format` (ties to even, subnormals kept, overflow
/// to +-inf), computed directly from the double. A check harness rounds the random inputs
/// once with this, uploads them (every conversion is then exact) and gives the same
/// rounded tensors to the reference, so the comparison measures only the kernel's error.
double roundTo(double x, StorageFormat format);
/// Every element of `t` rounded with roundTo.
HostTensor roundedTo(HostTensor t, StorageFormat format);

/// ||a - b||_2 / ||b||_2 over all elements (the attnc tolerance measure, `b` the
/// reference). Returns ||a||_2 when ||b||_2 is zero. Throws when the shapes differ.
double relativeError(const HostTensor &a, const HostTensor &b);
/// max_i |a_i - b_i|. Throws when the shapes differ.
double maxAbsDiff(const HostTensor &a, const HostTensor &b);

} // namespace attnc::reference

#endif // ATTNC_REFERENCE_HOSTTENSOR_H
