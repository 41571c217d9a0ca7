//===- KernelParams.h - The launch ABI shared by host and device ------*- C -*-===//
//
// Every attnc kernel takes one of these structs by value as its only parameter
// (`__grid_constant__`), so the host runtime can fill it without knowing the variant:
// tensors are (pointer, strides) in elements, extra inputs and scalar params sit in fixed
// slots whose meaning the generated prelude names. Plain C types only: this header is
// compiled by the host compiler and by NVRTC alike, and the layout must match bit for bit.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_KERNEL_PARAMS_H
#define ATTNC_KERNEL_PARAMS_H

#ifdef __CUDACC_RTC__
typedef long long attnc_i64;
#else
#include <stdint.h>
typedef int64_t attnc_i64;
#endif

#define ATTNC_MAX_INPUTS 8
#define ATTNC_MAX_PARAMS 8
#define ATTNC_MAX_RANK 4

/// A strided view: element strides for up to 4 dims (unused dims have stride 0).
typedef struct {
  const void *ptr;
  attnc_i64 stride[ATTNC_MAX_RANK];
  attnc_i64 size[ATTNC_MAX_RANK];
} AttncTensorArg;

/// Arguments of a softmax-family kernel (prefill or decode).
typedef struct {
  AttncTensorArg q;   ///< [B, Hq, N, D]
  AttncTensorArg k;   ///< [B, Hkv, M, D]
  AttncTensorArg v;   ///< [B, Hkv, M, Dv]
  AttncTensorArg o;   ///< [B, Hq, N, Dv] (written)
  AttncTensorArg lse; ///< [B, Hq, N] float, optional (ptr may be null)
  AttncTensorArg inputs[ATTNC_MAX_INPUTS]; ///< extra inputs, in declaration order
  attnc_i64 iparams[ATTNC_MAX_PARAMS];     ///< int params and dim symbols, by slot
  float fparams[ATTNC_MAX_PARAMS];         ///< float params, by slot
  const void *block_map;                   ///< run-time block map (data-dependent masks)
  attnc_i64 block_map_stride;              ///< entries per query block in block_map
  int batch, heads_q, heads_kv, seq_q, seq_k;
  float scale_log2; ///< softmax scale times log2(e)
  float scale;      ///< softmax scale (1/sqrt(D) unless overridden)
  int num_splits;   ///< split-KV count (decode); 1 for prefill
  void *workspace;  ///< split-KV partial results (decode)
} AttncSoftmaxParams;

#endif // ATTNC_KERNEL_PARAMS_H
