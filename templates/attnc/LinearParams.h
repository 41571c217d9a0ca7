//===- LinearParams.h - Launch ABI of the linear-attention kernels ----*- C -*-===//
//
// The one by-value parameter (`__grid_constant__`) of every chunkwise linear-attention
// kernel, filled by the host runtime (or a probe) without knowing the recurrence. Tensors
// are (pointer, strides in elements) indexed [batch, head, time, dim], so [B, H, T, D] and
// [B, T, H, D] differ only in their strides. Packed variable-length batches pass
// cumulative sequence offsets: sequence n then spans tokens [cu_seqlens[n],
// cu_seqlens[n+1]) of batch row 0. States are fp32, contiguous [N, H, K, V]. The delta
// family (LinearDeltaPrepare.cuh) also reads per-token write strengths `beta`. A launch may split
// each sequence into `num_segments` chunk-aligned segments walked by different CTAs; the
// stages that run before the main kernel leave per-segment results in `workspace`, a
// caller-provided device buffer (LinearSegmentState.cuh has its layout for the decay family).
// The mLSTM (LinearMlstm.cuh) reads its input gate from `igate` (the forget gate from `g`)
// and carries the normaliser n ([N, H, K]) and, with the exponential input gate, the
// stabiliser m ([N, H]) next to C. Fields are only ever appended, so older fills (zeroed
// with memset: one segment, no workspace) stay valid. Plain C: the host compiler and NVRTC
// must agree on the layout bit for bit.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_LINEAR_PARAMS_H
#define ATTNC_LINEAR_PARAMS_H

#include "attnc/KernelParams.h"

/// Arguments of a chunkwise linear-attention forward kernel.
typedef struct {
  AttncTensorArg q; ///< [B, H, T, K]
  AttncTensorArg k; ///< [B, H, T, K]
  AttncTensorArg v; ///< [B, H, T, V]
  AttncTensorArg o; ///< [B, H, T, V] (written)
  /// Log-space gates: [B, H, T] per token, or [B, H, T, K] per key channel (innermost
  /// stride 1); for per-head decays, the input the generated gate reads, if any (e.g.
  /// Lightning's slopes [H]); unused (null) for plain attention.
  AttncTensorArg g;
  const float *head_log_decay; ///< [H] constant log decay per head (RetNet, Lightning)
  const float *state_in;       ///< [N, H, K, V] initial state, optional (null: zeros)
  float *state_out;            ///< [N, H, K, V] final state, optional (null: not written)
  const int *cu_seqlens;       ///< [N + 1] packed sequence offsets, optional
  int num_seqs;                ///< N: batch size, or sequences in the packed batch
  int heads;                   ///< H
  int seq_len;                 ///< T for padded batches (ignored with cu_seqlens)
  float scale;                 ///< o = scale * q S (1/sqrt(K) unless overridden)
  /// Delta rule only: fp32 write strengths beta_t in (0, 1), [B, H, T] (null otherwise).
  AttncTensorArg beta;
  /// Scratch of the split path (16-byte aligned), written and read by the stages of one
  /// launch; null when num_segments <= 1.
  void *workspace;
  int num_segments; ///< P: segments per sequence (0 or 1: one CTA walks the whole sequence)
  /// mLSTM only: the input gate's pre-activations, f32 [B, H, T] (strided); `g` then holds
  /// the forget gate's pre-activations. The kernel applies sigmoid/exp and logsigmoid.
  AttncTensorArg igate;
  /// mLSTM: [N, H, K] initial normaliser n, optional (null: zeros). With the exponential
  /// input gate the states are stabilised: state_* holds C e^-m and norm_* n e^-m.
  const float *norm_in;
  float *norm_out;     ///< mLSTM: [N, H, K] final normaliser, optional
  const float *max_in; ///< mLSTM, exponential input gate: [N, H] initial m (natural log; null: 0)
  float *max_out;      ///< mLSTM, exponential input gate: [N, H] final m, optional
  /// Split path: R, the pieces the state pre-pass cuts each segment but the last into, so
  /// its CTAs fill the device when P - 1 segments alone would not (0 or 1: one piece).
  /// The workspace then holds (P - 1) R records per sequence and head.
  int state_pieces;
} AttncLinearParams;

#endif // ATTNC_LINEAR_PARAMS_H
