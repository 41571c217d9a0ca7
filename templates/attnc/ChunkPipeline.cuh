//===- ChunkPipeline.cuh - The chunk loads of the linear kernels, STAGES deep -*- CUDA -*-===//
//
// The chunkwise linear kernels walk a sequence chunk by chunk and copy each chunk's tiles
// (q, k, v, gates; the delta rule's W, U, P) into one of STAGES shared-memory stages with
// cp.async, one commit group per chunk. `chunkPipelineStart` issues the first STAGES - 1
// chunks; `chunkPipelineAdvance`, at the top of chunk c's iteration, waits until chunk c
// has landed (at most STAGES - 2 younger groups in flight), has every thread pass a block
// barrier (so the stage chunk c - 1 used is free), and issues chunk c + STAGES - 1 into
// it. Chunk c lives in stage (c - first chunk) % STAGES. Two stages is the classic double
// buffer; more keep more bytes in flight per CTA at the cost of shared memory (and so of
// CTAs per SM), which is why the tuner searches it.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_CHUNK_PIPELINE_CUH
#define ATTNC_CHUNK_PIPELINE_CUH

#include "attnc/Mma.cuh"

namespace attnc {

/// The stage after `stage` in a ring of STAGES.
template <int STAGES> __device__ __forceinline__ int nextChunkStage(int stage) {
  return stage + 1 == STAGES ? 0 : stage + 1;
}

/// Issues chunks begin .. begin + STAGES - 2 (those below `end`) into stages 0 ..
/// STAGES - 2 through `load(chunk, stage)`, one commit group each (empty past the end).
template <int STAGES, typename Load>
__device__ __forceinline__ void chunkPipelineStart(int begin, int end, Load &&load) {
  static_assert(STAGES >= 2, "a chunk loads while the one before it is computed");
#pragma unroll
  for (int s = 0; s < STAGES - 1; ++s) {
    if (begin + s < end)
      load(begin + s, s);
    cpAsyncCommit();
  }
}

/// Top of chunk c's iteration (in `stage`): waits for its copies and a block barrier, then
/// issues chunk c + STAGES - 1 (if below `end`) into the stage chunk c - 1 used.
template <int STAGES, typename Load>
__device__ __forceinline__ void chunkPipelineAdvance(int c, int end, int stage, Load &&load) {
  cpAsyncWait<STAGES - 2>();
  __syncthreads(); // chunk c is visible to every thread; chunk c - 1's stage is free
  const int ahead = c + STAGES - 1;
  if (ahead < end)
    load(ahead, stage == 0 ? STAGES - 1 : stage - 1);
  cpAsyncCommit();
}

} // namespace attnc

#endif // ATTNC_CHUNK_PIPELINE_CUH
