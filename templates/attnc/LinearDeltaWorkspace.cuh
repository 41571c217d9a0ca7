//===- LinearDeltaWorkspace.cuh - What the delta rule's prepare stage leaves -*- CUDA -*-===//
//
// The prepare stage (LinearDeltaPrepare.cuh) writes, per token of every (batch row, head),
// the rows the walk (LinearDeltaWalk.cuh) reads for the same chunk: W [K] and U [V]
// (16-bit, the UT transform: corrected values U' = U - W S), P [CHUNK] (16-bit, the
// token's decayed causal scores against its chunk, column s = the chunk's token s) and b
// (fp32, the cumulative log2 decay from the chunk start; gated kernels only read it). The
// arrays are indexed like k, [rows][H][T][...] with rows = batch (1 for packed
// sequences) and T = p.seq_len, one after the other in p.workspace; every array starts
// 16-byte aligned since K, V and CHUNK are multiples of 8. Chunks start at each
// sequence's first token in both stages, so a packed batch's chunk grid is mapped here
// too (`deltaChunkOfBlock`).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_LINEAR_DELTA_WORKSPACE_CUH
#define ATTNC_LINEAR_DELTA_WORKSPACE_CUH

#include "attnc/LinearParams.h"

namespace attnc {

/// Base pointers of the workspace arrays for one launch.
template <typename Element, int HEAD_K, int HEAD_V, int CHUNK> struct DeltaWorkspace {
  Element *w, *u, *p;
  float *decay;
  long long tokens; ///< rows x H x T: rows of each array

  __device__ __forceinline__ explicit DeltaWorkspace(const AttncLinearParams &params) {
    const long long rows = params.cu_seqlens != nullptr ? 1 : params.num_seqs;
    tokens = rows * params.heads * params.seq_len;
    w = static_cast<Element *>(params.workspace);
    u = w + tokens * HEAD_K;
    p = u + tokens * HEAD_V;
    decay = reinterpret_cast<float *>(p + tokens * CHUNK);
  }
  /// Row index of token `token` (from the batch row's start) of (batch row, head).
  __device__ __forceinline__ static long long row(const AttncLinearParams &params, int batchRow,
                                                  int head, int token) {
    return (static_cast<long long>(batchRow) * params.heads + head) * params.seq_len + token;
  }
};

/// Where one CTA of a chunk-parallel grid works: sequence, its batch row and first token,
/// its length and the chunk within it.
struct DeltaChunk {
  int seq, batchRow, tokenBase, len, chunk;
  bool exists; ///< false for the few surplus CTAs of a packed grid
};

/// Padded batches: grid (ceil(T / CHUNK), H, N), chunk blockIdx.x of sequence blockIdx.z.
/// Packed sequences: grid (floor(T / CHUNK) + N, H, 1); sequence n owns the blocks from
/// f(n) = floor(cu[n] / CHUNK) + n, which is strictly increasing and leaves each sequence
/// at least ceil(len / CHUNK) blocks, so a binary search over the offsets finds it.
template <int CHUNK> __device__ __forceinline__ DeltaChunk deltaChunkOfBlock(const AttncLinearParams &p) {
  if (p.cu_seqlens == nullptr) {
    const int chunk = blockIdx.x;
    return {static_cast<int>(blockIdx.z), static_cast<int>(blockIdx.z), 0, p.seq_len, chunk,
            chunk * CHUNK < p.seq_len};
  }
  const int x = blockIdx.x;
  int lo = 0, hi = p.num_seqs - 1; // the last n with f(n) <= x; f(0) = 0 <= x
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (p.cu_seqlens[mid] / CHUNK + mid <= x)
      lo = mid;
    else
      hi = mid - 1;
  }
  const int start = p.cu_seqlens[lo];
  const int len = p.cu_seqlens[lo + 1] - start;
  const int chunk = x - (start / CHUNK + lo);
  return {lo, 0, start, len, chunk, chunk * CHUNK < len};
}

} // namespace attnc

#endif // ATTNC_LINEAR_DELTA_WORKSPACE_CUH
