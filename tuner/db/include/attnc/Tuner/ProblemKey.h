//===- ProblemKey.h - What a tuning record is keyed on -----------------*- C++ -*-===//
//
// A tuning record is keyed by (device fingerprint, kernel fingerprint, problem key). The
// problem key holds the shape class of an attention call (family, dtype, head dims, head
// counts, mask kind) and *bucketed* sizes: sequence lengths round up to the next value of
// the form 2^k or 3*2^(k-1) (16, 24, 32, 48, 64, 96, 128, 192, ..., 4096, 6144, 8192 ...;
// neighbours differ by at most 1.5x), batch sizes to the next power of two. So a ragged
// length never seen before maps onto an existing bucket and never triggers a re-tune on the
// serving path. The search space is deliberately not part of any key: adding a config to a
// space keeps every earlier result valid.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_PROBLEMKEY_H
#define ATTNC_TUNER_PROBLEMKEY_H

#include "attnc/Runtime/Error.h"

#include <cstdint>
#include <string>

namespace attnc::tuner {

/// Rounds a sequence length up to its bucket: the smallest 2^k or 3*2^(k-1) >= n (min 16).
int64_t bucketSeqLen(int64_t n);
/// Rounds a batch size up to the next power of two (min 1).
int64_t bucketBatch(int64_t b);

/// The problem part of a tuning key.
struct ProblemKey {
  std::string family = "softmax-prefill"; ///< runtime::familyName spelling
  std::string dtype = "bf16";             ///< runtime::dtypeName spelling
  int headDim = 128, headDimV = 128;
  int64_t batchBucket = 1;
  int headsQ = 1, headsKv = 1;
  int64_t seqQBucket = 16, seqKBucket = 16;
  std::string maskKind = "none"; ///< "none", "causal", "sliding", ... (one word)

  /// Buckets raw sizes into a key.
  static ProblemKey fromShape(std::string family, std::string dtype, int headDim, int headDimV,
                              int64_t batch, int headsQ, int headsKv, int64_t seqQ, int64_t seqK,
                              std::string maskKind);

  /// Canonical one-line text, e.g. "softmax-prefill bf16 d128x128 b4 h32x8 n4096 m4096 causal".
  std::string str() const;
  /// Parses str()'s output; the error names the text and the field that is wrong.
  static runtime::Expected<ProblemKey> parse(const std::string &text);

  /// Everything but the bucketed sizes (batch, N, M) agrees: a record of one shape class
  /// may stand in for another bucket of the same class.
  bool sameShapeClass(const ProblemKey &other) const;
  /// The shape-class part of str() (no b/n/m fields), used to find bucket neighbours.
  std::string shapeClass() const;

  /// How far apart two buckets of one shape class are: |log2 N ratio| + |log2 M ratio| +
  /// 0.25 |log2 batch ratio|; 0 for equal keys.
  double distance(const ProblemKey &other) const;

  bool operator==(const ProblemKey &o) const { return str() == o.str(); }
};

} // namespace attnc::tuner

#endif // ATTNC_TUNER_PROBLEMKEY_H
