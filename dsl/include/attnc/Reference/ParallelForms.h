//===- ParallelForms.h - Quadratic and chunkwise forms of the recurrences -*- C++ -*-===//
//
// The linear family's GPU kernels do not step the recurrence; they compute parallel
// (quadratic, attention-like) or chunkwise forms of it. These are those forms written
// out on plain tensors, one per recurrence class, independent of the DSL, so the tests can
// prove each equal to the step-by-step `referenceLinearRecurrent` of the corresponding
// example, and later layers can use them as ground truth for their chunk algebra.
//
// Shapes: q, k [B, H, T, K]; v [B, H, T, V]; per-step scalar gates [B, H, T]; vector
// gates [B, H, T, K]; outputs [B, H, T, V]; states [B, H, K, V]. Gates are given in log
// space (a decay a_t = exp(g_t)). `scale` multiplies q.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_REFERENCE_PARALLELFORMS_H
#define ATTNC_REFERENCE_PARALLELFORMS_H

#include "attnc/Reference/HostTensor.h"

#include <cstdint>

namespace attnc::reference {

/// Plain linear attention: o_t = scale * sum_{s<=t} (q_t . k_s) v_s.
HostTensor parallelLinear(const HostTensor &q, const HostTensor &k, const HostTensor &v,
                          double scale);

/// Scalar decay (Lightning Attention, RetNet, simple GLA, Mamba-2 SSD):
/// o_t = scale * sum_{s<=t} exp(G_t - G_s) (q_t . k_s) v_s with G_t = sum_{r<=t} g_r,
/// i.e. the decay product prod_{r=s+1..t} a_r. `logDecay` is [B, H, T].
HostTensor parallelScalarDecay(const HostTensor &q, const HostTensor &k, const HostTensor &v,
                               const HostTensor &logDecay, double scale);

/// Vector gate (GLA): o_t = scale * sum_{s<=t} ((q_t * exp(G_t - G_s)) . k_s) v_s with
/// G_t = sum_{r<=t} g_r per key channel. `logGate` is [B, H, T, K].
HostTensor parallelVectorGate(const HostTensor &q, const HostTensor &k, const HostTensor &v,
                              const HostTensor &logGate, double scale);

/// mLSTM in the stabilised parallel form of xLSTM: D_ts = F_t - F_s + i_s for s <= t
/// (F_t = sum_{r<=t} logForget_r, i_s = logInput_s), m_t = max_s D_ts,
/// C_ts = scale (q_t . k_s) exp(D_ts - m_t), h_t = sum_s C_ts v_s / max(|sum_s C_ts|,
/// exp(-m_t)). Equal to the unstabilised h_t = sum_s w_ts v_s / max(|sum_s w_ts|, 1) with
/// w_ts = scale (q_t . k_s) exp(D_ts). For the exponential input gate pass logInput =
/// igate; for the sigmoid one logInput = logsigmoid(igate). Gates are [B, H, T].
HostTensor parallelMLSTM(const HostTensor &q, const HostTensor &k, const HostTensor &v,
                         const HostTensor &logInput, const HostTensor &logForget, double scale);

/// Delta rule / gated delta rule in the chunkwise WY (UT-transform) form of Yang et al.
/// (DeltaNet 2024, Gated DeltaNet 2025). The recurrence is
/// S_t = a_t (I - beta_t k_t k_t^T) S_{t-1} + beta_t k_t v_t^T, o_t = scale * q_t S_t,
/// with a_t = exp(logDecay_t) (a_t = 1 when `logDecay` is null). Per chunk of `chunkSize`
/// steps with incoming state S and in-chunk cumulative log decay G:
///   T = (I + tril(diag(beta) (Gamma * K K^T), -1))^{-1} diag(beta),  Gamma_ts = exp(G_t - G_s)
///   U = T V - T diag(exp(G)) K S                    (the pseudo-values u_t)
///   O = scale (diag(exp(G)) Q S + tril(Gamma * Q K^T) U)
///   S' = exp(G_last) S + (diag(exp(G_last - G)) K)^T U.
/// `chunkSize` <= 0 (or >= T) uses one chunk: the chunk-size-free parallel form
/// O = scale tril(Gamma * Q K^T) U. `beta` is [B, H, T]; `initialState`/`finalState` are
/// [B, H, K, V] (zero / not written when null).
HostTensor chunkwiseDeltaRule(const HostTensor &q, const HostTensor &k, const HostTensor &v,
                              const HostTensor &beta, const HostTensor *logDecay, double scale,
                              int64_t chunkSize, const HostTensor *initialState = nullptr,
                              HostTensor *finalState = nullptr);

/// Gated linear attention in the chunkwise (two-level) form of the chunk kernels: with the
/// state S entering a chunk and in-chunk cumulative log gates G (per channel),
///   o_t = scale ((q_t * exp(G_t)) S + sum_{s<=t in chunk} ((q_t * exp(G_t - G_s)) . k_s) v_s)
///   S'  = diag(exp(G_last)) S + sum_s (k_s * exp(G_last - G_s)) v_s^T.
/// `logGate` is [B, H, T, K] (GLA), [B, H, T] (scalar decay) or null (plain linear).
/// `chunkSize` <= 0 (or >= T) is one chunk. States are [B, H, K, V].
HostTensor chunkwiseGatedLinear(const HostTensor &q, const HostTensor &k, const HostTensor &v,
                                const HostTensor *logGate, double scale, int64_t chunkSize,
                                const HostTensor *initialState = nullptr,
                                HostTensor *finalState = nullptr);

/// mLSTM in the chunkwise form of TFLA: between chunks the state is kept stabilised as
/// (C~, n~, m) with C = exp(m) C~; inside a chunk each row's stabiliser m_t is the maximum
/// of F_t + m and the in-chunk log weights F_t - F_s + i_s, and the normaliser is
/// max(|q~ . n~_t|, exp(-m_t)). Gates as for parallelMLSTM. `finalC` [B, H, K, V] and
/// `finalN` [B, H, K] receive the last state in the unstabilised scale of the recurrence.
HostTensor chunkwiseMLSTM(const HostTensor &q, const HostTensor &k, const HostTensor &v,
                          const HostTensor &logInput, const HostTensor &logForget, double scale,
                          int64_t chunkSize, HostTensor *finalC = nullptr,
                          HostTensor *finalN = nullptr);

} // namespace attnc::reference

#endif // ATTNC_REFERENCE_PARALLELFORMS_H
