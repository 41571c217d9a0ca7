//===- LinearSegmentState.cuh - The stages before a split launch ---*- CUDA -*-===//
//
// The two stages a split launch runs before the main kernel (LinearSegment.cuh). The
// pre-pass: one CTA per (V slice, head, sequence x earlier segment) walks its segment's
// chunks from a zero state with the main kernel's own state update (k, v and gates only;
// no queries, no output) and leaves the segment's local end state and its total log2
// decay per key channel in the workspace. The fold: one CTA per (V slice, head,
// sequence) turns those records, in order, into the states at each segment's end,
// starting from the user's initial state. Kept out of the main kernel, whose registers
// are spent on the chunk loop. States stay fp32 throughout, so splitting changes only the
// order of fp32 additions.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_LINEAR_SEGMENT_STATE_CUH
#define ATTNC_LINEAR_SEGMENT_STATE_CUH

#include "attnc/LinearChunk.cuh"

namespace attnc {

/// The pre-pass body; the prelude wraps it in an extern "C" __global__ entry launched
/// before linearChunkKernel with grid (V / SLICE_V, H, sequences x (P - 1) R), the same
/// block and the same shared memory: one CTA per piece of the first P - 1 segments.
template <typename Traits, typename Gate = HeadLogDecayFromParams>
__device__ __forceinline__ void linearSegmentStateKernel(const AttncLinearParams &p) {
  constexpr int kDecaySlots = (Traits::HEAD_K + Traits::kThreads - 1) / Traits::kThreads;
  const int warp = threadIdx.x / kWarpSize;
  const int lane = threadIdx.x % kWarpSize;
  const int head = blockIdx.y;
  const int v0 = blockIdx.x * Traits::SLICE_V;
  const int pieces = segmentCount(p) * statePieces(p);
  const LinearSegment seg =
      LinearSegment::of<Traits::CHUNK>(p, blockIdx.z, pieces - statePieces(p), pieces);
  const ChunkStream<Traits> stream(p, seg, head, v0);
  const float perTokenLog2 = perTokenLog2Decay<Traits, Gate>(p, head);

  stream.start(p, seg.chunkBegin, seg.chunkEnd, false);
  StateRows<Traits> state;
  forEachStatePair<Traits>(state, warp, lane, [](int, int, float &x0, float &x1) {
    x0 = 0.f;
    x1 = 0.f;
  });
  float total[kDecaySlots]; // log2 decay of the segment, key channel threadIdx.x + i kThreads
#pragma unroll
  for (int i = 0; i < kDecaySlots; ++i)
    total[i] = 0.f;
  const LinearLanes<Traits> lanes(lane);

  for (int c = seg.chunkBegin, stage = 0; c < seg.chunkEnd;
       ++c, stage = nextChunkStage<Traits::kStages>(stage)) {
    const ChunkDecay<Traits> decay =
        stream.advance(p, c, seg.chunkEnd, stage, false, perTokenLog2);
    updateState<Traits>(state, stream.tiles(stage), decay, lanes, warp, lane, decay.lastRow + 1);
#pragma unroll
    for (int i = 0; i < kDecaySlots; ++i) {
      const int channel = threadIdx.x + i * Traits::kThreads;
      if (channel < Traits::HEAD_K)
        total[i] += decay.last(channel);
    }
  }
  cpAsyncWait<0>();

  const SegmentRecords<Traits::HEAD_K, Traits::HEAD_V> records(p);
  float *local = records.state(seg.seq, seg.index, head) + v0;
  forEachStatePair<Traits>(state, warp, lane, [&](int row, int col, float &x0, float &x1) {
    *reinterpret_cast<float2 *>(local + row * Traits::HEAD_V + col) = make_float2(x0, x1);
  });
  if (blockIdx.x == 0) {
    float *decayOut = records.decay(seg.seq, seg.index, head);
#pragma unroll
    for (int i = 0; i < kDecaySlots; ++i) {
      const int channel = threadIdx.x + i * Traits::kThreads;
      if (channel < Traits::HEAD_K)
        decayOut[channel] = total[i];
    }
  }
}

/// The fold body; the prelude wraps it in an extern "C" __global__ entry launched after
/// the pre-pass with grid (V / SLICE_V, H, sequences). Record j becomes
/// exp2(d_j) S_{j-1} + L_j, with S_{-1} the user's initial state (or zeros). The chain
/// over j is serial per element, so each thread carries kFoldBatch elements through it at
/// once: every step issues kFoldBatch independent loads, and the kernel pays about
/// (P - 1) R x (elements / (threads x kFoldBatch)) memory latencies instead of one per
/// element and record (48 us at P = 4 on the H100 before, 12 us after; bench/NOTES.md).
template <typename Traits>
__device__ __forceinline__ void linearSegmentFoldKernel(const AttncLinearParams &p) {
  constexpr int kPairsPerRow = Traits::SLICE_V / 2;
  constexpr int kPairs = Traits::HEAD_K * kPairsPerRow;
  constexpr int kFoldBatch = 16;
  const int head = blockIdx.y;
  const int seq = blockIdx.z;
  const int v0 = blockIdx.x * Traits::SLICE_V;
  const SegmentRecords<Traits::HEAD_K, Traits::HEAD_V> records(p);
  const int earlier = records.earlier; // (P - 1) R pieces, in order
  const float *init =
      p.state_in == nullptr
          ? nullptr
          : p.state_in +
                (static_cast<long long>(seq) * p.heads + head) * Traits::HEAD_K * Traits::HEAD_V +
                v0;
  for (int e0 = threadIdx.x; e0 < kPairs; e0 += Traits::kThreads * kFoldBatch) {
    int row[kFoldBatch], at[kFoldBatch];
    float2 s[kFoldBatch];
#pragma unroll
    for (int b = 0; b < kFoldBatch; ++b) {
      const int e = min(e0 + b * Traits::kThreads, kPairs - 1); // clamped: re-folds a pair
      row[b] = e / kPairsPerRow;
      at[b] = row[b] * Traits::HEAD_V + v0 + (e % kPairsPerRow) * 2;
      s[b] = init == nullptr ? make_float2(0.f, 0.f)
                             : *reinterpret_cast<const float2 *>(init + at[b] - v0);
    }
    for (int j = 0; j < earlier; ++j) {
      const float *decay = records.decay(seq, j, head);
      float *state = records.state(seq, j, head);
      float f[kFoldBatch];
      float2 l[kFoldBatch];
#pragma unroll
      for (int b = 0; b < kFoldBatch; ++b) {
        f[b] = decay[row[b]];
        l[b] = *reinterpret_cast<const float2 *>(state + at[b]);
      }
#pragma unroll
      for (int b = 0; b < kFoldBatch; ++b) {
        s[b] = make_float2(s[b].x * fastExp2(f[b]) + l[b].x, s[b].y * fastExp2(f[b]) + l[b].y);
        if (e0 + b * Traits::kThreads < kPairs)
          *reinterpret_cast<float2 *>(state + at[b]) = s[b];
      }
    }
  }
}

} // namespace attnc

#endif // ATTNC_LINEAR_SEGMENT_STATE_CUH
