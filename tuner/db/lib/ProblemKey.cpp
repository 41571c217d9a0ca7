//===- ProblemKey.cpp - Bucketing, canonical text and bucket distance ------===//
//
// The text form is what the database stores and compares, so it is canonical: fields in a
// fixed order, one spelling per value, and parse(str()) == the key.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/ProblemKey.h"

#include <cmath>
#include <sstream>
#include <vector>

namespace attnc::tuner {

using runtime::ErrorCode;
using runtime::makeError;

int64_t bucketSeqLen(int64_t n) {
  int64_t pow2 = 16;
  while (true) {
    if (n <= pow2)
      return pow2;
    if (n <= pow2 + pow2 / 2)
      return pow2 + pow2 / 2;
    pow2 *= 2;
  }
}

int64_t bucketBatch(int64_t b) {
  int64_t bucket = 1;
  while (bucket < b)
    bucket *= 2;
  return bucket;
}

ProblemKey ProblemKey::fromShape(std::string family, std::string dtype, int headDim, int headDimV,
                                 int64_t batch, int headsQ, int headsKv, int64_t seqQ, int64_t seqK,
                                 std::string maskKind) {
  ProblemKey key;
  key.family = std::move(family);
  key.dtype = std::move(dtype);
  key.headDim = headDim;
  key.headDimV = headDimV;
  key.batchBucket = bucketBatch(batch);
  key.headsQ = headsQ;
  key.headsKv = headsKv;
  key.seqQBucket = bucketSeqLen(seqQ);
  key.seqKBucket = bucketSeqLen(seqK);
  key.maskKind = std::move(maskKind);
  return key;
}

std::string ProblemKey::shapeClass() const {
  std::ostringstream os;
  os << family << ' ' << dtype << " d" << headDim << 'x' << headDimV << " h" << headsQ << 'x'
     << headsKv << ' ' << maskKind;
  return os.str();
}

std::string ProblemKey::str() const {
  std::ostringstream os;
  os << family << ' ' << dtype << " d" << headDim << 'x' << headDimV << " b" << batchBucket << " h"
     << headsQ << 'x' << headsKv << " n" << seqQBucket << " m" << seqKBucket << ' ' << maskKind;
  return os.str();
}

namespace {

/// Parses "<prefix><int>" or "<prefix><int>x<int>" (when `second` is given).
bool parseField(const std::string &token, char prefix, int64_t &first, int64_t *second) {
  if (token.size() < 2 || token[0] != prefix)
    return false;
  std::string body = token.substr(1);
  size_t x = body.find('x');
  if ((x == std::string::npos) != (second == nullptr))
    return false;
  auto toInt = [](const std::string &s, int64_t &out) {
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 12)
      return false;
    out = std::stoll(s);
    return out > 0;
  };
  if (!second)
    return toInt(body, first);
  return toInt(body.substr(0, x), first) && toInt(body.substr(x + 1), *second);
}

} // namespace

runtime::Expected<ProblemKey> ProblemKey::parse(const std::string &text) {
  std::istringstream is(text);
  std::vector<std::string> tokens;
  for (std::string t; is >> t;)
    tokens.push_back(t);
  auto fail = [&](const std::string &what) {
    return makeError(ErrorCode::InvalidArgument,
                     "malformed problem key '" + text + "': " + what +
                         " (expected e.g. 'softmax-prefill bf16 d128x128 b4 h32x8 n4096 "
                         "m4096 causal')");
  };
  if (tokens.size() != 8)
    return fail("expected 8 fields, got " + std::to_string(tokens.size()));
  ProblemKey key;
  key.family = tokens[0];
  key.dtype = tokens[1];
  key.maskKind = tokens[7];
  int64_t d = 0, dv = 0, hq = 0, hkv = 0;
  if (!parseField(tokens[2], 'd', d, &dv))
    return fail("expected head dims 'd<D>x<Dv>', got '" + tokens[2] + "'");
  if (!parseField(tokens[3], 'b', key.batchBucket, nullptr))
    return fail("expected batch bucket 'b<B>', got '" + tokens[3] + "'");
  if (!parseField(tokens[4], 'h', hq, &hkv))
    return fail("expected head counts 'h<Hq>x<Hkv>', got '" + tokens[4] + "'");
  if (!parseField(tokens[5], 'n', key.seqQBucket, nullptr))
    return fail("expected query bucket 'n<N>', got '" + tokens[5] + "'");
  if (!parseField(tokens[6], 'm', key.seqKBucket, nullptr))
    return fail("expected key bucket 'm<M>', got '" + tokens[6] + "'");
  key.headDim = static_cast<int>(d);
  key.headDimV = static_cast<int>(dv);
  key.headsQ = static_cast<int>(hq);
  key.headsKv = static_cast<int>(hkv);
  return key;
}

bool ProblemKey::sameShapeClass(const ProblemKey &other) const {
  return shapeClass() == other.shapeClass();
}

double ProblemKey::distance(const ProblemKey &other) const {
  auto logRatio = [](int64_t a, int64_t b) {
    return std::fabs(std::log2(static_cast<double>(a) / static_cast<double>(b)));
  };
  return logRatio(seqQBucket, other.seqQBucket) + logRatio(seqKBucket, other.seqKBucket) +
         0.25 * logRatio(batchBucket, other.batchBucket);
}

} // namespace attnc::tuner
