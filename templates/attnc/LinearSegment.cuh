//===- LinearSegment.cuh - Sequences split into chunk-aligned segments -*- CUDA -*-===//
//
// The split path of the chunkwise linear kernels: with `num_segments` = P > 1 each
// sequence is cut into P runs of whole chunks (balanced: segment i owns chunks
// [i n / P, (i + 1) n / P) of the sequence's n chunks, so a sequence shorter than P chunks
// has empty segments), and different CTAs walk them at the same time. Two stages run
// first (LinearSegmentState.cuh): a state pre-pass leaves, for every segment but the
// last, its local end state L_j (from a zero start) and its total log2 decay d_j per key
// channel in the workspace; a fold turns the local states, in place and in order, into
// the states after each segment, S <- exp2(d_j) S + L_j from the user's initial state.
// The main kernel's CTA for segment i > 0 then starts from record i - 1. When P - 1
// segments give the pre-pass too few CTAs, it cuts each into R pieces (`state_pieces`,
// the same balanced rule over P R pieces, so piece boundaries include the segments'), and
// segment i starts from record i R - 1. This file holds
// the geometry (which tokens a CTA owns) and the workspace layout, which the host
// restates in bytes (KernelSpec::linear.segmentBytes).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_LINEAR_SEGMENT_CUH
#define ATTNC_LINEAR_SEGMENT_CUH

#include "attnc/LinearParams.h"

namespace attnc {

/// The tokens one CTA owns: chunks [chunkBegin, chunkEnd) of one sequence.
struct LinearSegment {
  int seq;        ///< the sequence (batch row, or packed sequence)
  int index;      ///< which of the sequence's segments
  int batchRow;   ///< the batch row holding the sequence (0 for packed ones)
  int tokenBase;  ///< the sequence's first token in that row
  int len;        ///< the sequence's tokens
  int chunkBegin; ///< the segment's first chunk, counted from the sequence start
  int chunkEnd;   ///< one past its last chunk

  /// Segment `z % perSeq` of sequence `z / perSeq` (z: blockIdx.z) when each sequence is
  /// cut into `count` segments.
  template <int CHUNK>
  __device__ __forceinline__ static LinearSegment of(const AttncLinearParams &p, int z, int perSeq,
                                                     int count) {
    LinearSegment s;
    s.seq = z / perSeq;
    s.index = z % perSeq;
    s.batchRow = s.seq;
    s.tokenBase = 0;
    s.len = p.seq_len;
    if (p.cu_seqlens != nullptr) {
      s.batchRow = 0;
      s.tokenBase = p.cu_seqlens[s.seq];
      s.len = p.cu_seqlens[s.seq + 1] - s.tokenBase;
    }
    const long long chunks = (s.len + CHUNK - 1) / CHUNK;
    s.chunkBegin = static_cast<int>(chunks * s.index / count);
    s.chunkEnd = static_cast<int>(chunks * (s.index + 1) / count);
    return s;
  }

  /// Offset of token 0 of (this sequence, head) in a [B, H, T, ...] tensor.
  __device__ __forceinline__ long long origin(const AttncTensorArg &t, int head) const {
    return batchRow * t.stride[0] + head * t.stride[1] + tokenBase * t.stride[2];
  }
};

/// P, with a zeroed field meaning one segment.
__device__ __forceinline__ int segmentCount(const AttncLinearParams &p) {
  return p.num_segments > 1 ? p.num_segments : 1;
}

/// R, with a zeroed field meaning one piece per segment.
__device__ __forceinline__ int statePieces(const AttncLinearParams &p) {
  return p.state_pieces > 1 ? p.state_pieces : 1;
}

/// One workspace record per (sequence, pre-pass piece j < (P - 1) R, head): the piece's local end
/// state [HEAD_K][HEAD_V] (fp32, from a zero start; after the fold, the true state at the
/// segment's end), then its total log2 decay [HEAD_K].
template <int HEAD_K, int HEAD_V> struct SegmentRecords {
  static constexpr int kStateFloats = HEAD_K * HEAD_V;
  static constexpr int kRecordFloats = kStateFloats + HEAD_K;
  static_assert(kRecordFloats % 4 == 0, "records stay 16-byte aligned");

  float *base;
  int heads;
  int earlier; ///< records per sequence and head: (P - 1) R

  __device__ __forceinline__ SegmentRecords(const AttncLinearParams &p)
      : base(static_cast<float *>(p.workspace)), heads(p.heads),
        earlier((segmentCount(p) - 1) * statePieces(p)) {}

  __device__ __forceinline__ float *state(int seq, int index, int head) const {
    return base + ((static_cast<long long>(seq) * earlier + index) * heads + head) * kRecordFloats;
  }
  __device__ __forceinline__ float *decay(int seq, int index, int head) const {
    return state(seq, index, head) + kStateFloats;
  }
};

} // namespace attnc

#endif // ATTNC_LINEAR_SEGMENT_CUH
