//===- HostTensor.cpp - Dense float64 tensors for the CPU reference -------===//
//
// Indexing with bounds checks (the reference must fail loudly, never read garbage), seeded
// random fills and the relative-error measure used by every correctness check.
//
//===----------------------------------------------------------------------===//
#include "attnc/Reference/HostTensor.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <sstream>

namespace attnc::reference {

HostTensor::HostTensor(std::vector<int64_t> s) : shape(std::move(s)) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0)
      throw ReferenceError("negative tensor dimension in " + shapeStr());
    n *= d;
  }
  data.assign(static_cast<size_t>(n), 0.0);
}

int64_t HostTensor::dim(int64_t d) const {
  int64_t r = rank();
  if (d < 0)
    d += r;
  if (d < 0 || d >= r)
    throw ReferenceError("dimension " + std::to_string(d) + " out of range for shape " +
                         shapeStr());
  return shape[d];
}

static int64_t linearOffset(const std::vector<int64_t> &shape, const int64_t *idx, size_t n,
                            bool prefixOk, const HostTensor &t) {
  if (n > shape.size() || (!prefixOk && n != shape.size()))
    throw ReferenceError("index of rank " + std::to_string(n) + " into tensor " + t.shapeStr());
  int64_t off = 0;
  for (size_t d = 0; d < shape.size(); ++d) {
    int64_t x = d < n ? idx[d] : 0;
    if (x < 0 || x >= shape[d])
      throw ReferenceError("index " + std::to_string(x) + " out of range [0, " +
                           std::to_string(shape[d]) + ") in dimension " + std::to_string(d) +
                           " of tensor " + t.shapeStr());
    off = off * shape[d] + x;
  }
  return off;
}

int64_t HostTensor::offset(std::initializer_list<int64_t> idx) const {
  return linearOffset(shape, idx.begin(), idx.size(), false, *this);
}

int64_t HostTensor::offset(const std::vector<int64_t> &idx) const {
  return linearOffset(shape, idx.data(), idx.size(), false, *this);
}

const double *HostTensor::row(std::initializer_list<int64_t> prefix) const {
  if (data.empty())
    throw ReferenceError("row of an empty tensor " + shapeStr());
  return data.data() + linearOffset(shape, prefix.begin(), prefix.size(), true, *this);
}

double *HostTensor::row(std::initializer_list<int64_t> prefix) {
  return const_cast<double *>(static_cast<const HostTensor *>(this)->row(prefix));
}

std::string HostTensor::shapeStr() const {
  std::ostringstream os;
  os << '[';
  for (size_t d = 0; d < shape.size(); ++d)
    os << (d ? ", " : "") << shape[d];
  os << ']';
  return os.str();
}

HostTensor randomUniform(std::vector<int64_t> shape, uint64_t seed, double lo, double hi) {
  HostTensor t(std::move(shape));
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  for (double &x : t.data)
    x = dist(gen);
  return t;
}

HostTensor randomInts(std::vector<int64_t> shape, uint64_t seed, int64_t lo, int64_t hi) {
  HostTensor t(std::move(shape));
  std::mt19937_64 gen(seed);
  std::uniform_int_distribution<int64_t> dist(lo, hi);
  for (double &x : t.data)
    x = static_cast<double>(dist(gen));
  return t;
}

void l2NormalizeRows(HostTensor &t) {
  int64_t n = t.rank() ? t.shape.back() : 1;
  for (int64_t r = 0; n > 0 && r < t.numel() / n; ++r) {
    double *p = t.data.data() + r * n;
    double ss = 0;
    for (int64_t c = 0; c < n; ++c)
      ss += p[c] * p[c];
    double inv = ss > 0 ? 1.0 / std::sqrt(ss) : 0.0;
    for (int64_t c = 0; c < n; ++c)
      p[c] *= inv;
  }
}

double roundTo(double x, StorageFormat format) {
  if (!std::isfinite(x) || x == 0)
    return x;
  // Significand bits (with the implicit one), smallest normal exponent, largest finite.
  int bits = 24, minExp = -126;
  double maxFinite = std::ldexp(2.0 - std::ldexp(1.0, -23), 127);
  if (format == StorageFormat::F16)
    bits = 11, minExp = -14, maxFinite = 65504.0;
  else if (format == StorageFormat::BF16)
    bits = 8, maxFinite = std::ldexp(2.0 - std::ldexp(1.0, -7), 127);
  int e = 0;
  std::frexp(x, &e); // |x| = m 2^e with m in [0.5, 1): the leading bit is 2^(e-1)
  double quantum = std::ldexp(1.0, std::max(e - 1, minExp) - (bits - 1));
  double r = std::nearbyint(x / quantum) * quantum; // the default mode: ties to even
  if (std::fabs(r) > maxFinite)
    return std::copysign(std::numeric_limits<double>::infinity(), x);
  return r;
}

HostTensor roundedTo(HostTensor t, StorageFormat format) {
  for (double &x : t.data)
    x = roundTo(x, format);
  return t;
}

static void checkSameShape(const HostTensor &a, const HostTensor &b) {
  if (a.shape != b.shape)
    throw ReferenceError("shape mismatch: " + a.shapeStr() + " vs " + b.shapeStr());
}

double relativeError(const HostTensor &a, const HostTensor &b) {
  checkSameShape(a, b);
  double num = 0, den = 0, na = 0;
  for (int64_t e = 0; e < a.numel(); ++e) {
    double d = a.data[e] - b.data[e];
    num += d * d;
    den += b.data[e] * b.data[e];
    na += a.data[e] * a.data[e];
  }
  return den > 0 ? std::sqrt(num / den) : std::sqrt(na);
}

double maxAbsDiff(const HostTensor &a, const HostTensor &b) {
  checkSameShape(a, b);
  double m = 0;
  for (int64_t e = 0; e < a.numel(); ++e)
    m = std::max(m, std::fabs(a.data[e] - b.data[e]));
  return m;
}

} // namespace attnc::reference
