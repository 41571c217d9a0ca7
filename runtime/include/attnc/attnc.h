/*===- attnc.h - The attnc runtime's C ABI ----------------------------------*- C -*-===//
 *
 * A C interface over attnc::runtime for other languages (Python ctypes/cffi, Rust, ...):
 * opaque handles, plain structs, status codes. Every function returns an attnc_status;
 * on failure attnc_last_error_message() holds the message (per thread, valid until the next
 * attnc call on that thread). No C++ exception crosses this boundary.
 *
 * Typical use: attnc_runtime_create -> attnc_kernel_compile (generated source + spec from
 * the code generator) -> attnc_kernel_launch (device pointers, a CUstream) ... ->
 * attnc_kernel_destroy -> attnc_runtime_destroy. Kernels must be destroyed before their
 * runtime.
 *
 *===----------------------------------------------------------------------===*/
#ifndef ATTNC_ATTNC_H
#define ATTNC_ATTNC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ATTNC_C_API_VERSION 2

typedef enum {
  ATTNC_OK = 0,
  ATTNC_ERROR_INVALID_ARGUMENT = 1,
  ATTNC_ERROR_NO_DRIVER = 2,
  ATTNC_ERROR_NO_DEVICE = 3,
  ATTNC_ERROR_COMPILE = 4,
  ATTNC_ERROR_CUDA = 5,
  ATTNC_ERROR_IO = 6,
  ATTNC_ERROR_INTERNAL = 7
} attnc_status;

typedef enum {
  ATTNC_BF16 = 0,
  ATTNC_F16 = 1,
  ATTNC_F32 = 2,
  ATTNC_I32 = 3,
  ATTNC_I64 = 4,
  ATTNC_U8 = 5,
  ATTNC_FP8E4M3 = 6
} attnc_dtype;

typedef enum {
  ATTNC_FAMILY_SOFTMAX_PREFILL = 0,
  ATTNC_FAMILY_SOFTMAX_DECODE = 1,
  ATTNC_FAMILY_LINEAR = 2
} attnc_family;

typedef enum {
  ATTNC_GRID_QUERY_BLOCKS_HEADS_BATCH = 0, /* (ceil(N/BLOCK_M), Hq, B) */
  ATTNC_GRID_SPLITS_HEADS_BATCH = 1,       /* (num_splits, Hq, B) */
  ATTNC_GRID_SPLITS_KV_HEADS_BATCH = 2,    /* (num_splits, Hkv, B) */
  ATTNC_GRID_PERSISTENT_QUERY_BLOCKS = 3   /* (min(ceil(N/BLOCK_M) Hq B, resident CTAs), 1, 1) */
} attnc_grid_rule;

/** A device tensor; shape and strides in elements, outermost first. */
typedef struct {
  void *data;
  attnc_dtype dtype;
  int rank;
  int64_t shape[4];
  int64_t strides[4];
} attnc_tensor;

/** An extra input slot: dims are symbols ("B", "Hq", "N", a dim symbol) or literals. */
typedef struct {
  const char *name;
  attnc_dtype dtype;
  int rank;
  const char *dims[4];
} attnc_input_slot;

typedef struct {
  const char *name;
  int is_float; /* float params live in fparams[slot], int params in iparams[slot] */
  int slot;
  int has_default;
  double default_value;
} attnc_param_slot;

typedef struct {
  const char *name;
  int slot; /* iparams slot */
} attnc_dim_symbol_slot;

/** What the code generator says about a kernel (mirrors attnc::runtime::KernelSpec). */
typedef struct {
  attnc_family family;
  const char *entry_name;
  attnc_dtype dtype;
  int head_dim, head_dim_v;
  int block_m, block_n;
  int threads_per_block;
  int dynamic_smem_bytes;
  int writes_lse;
  attnc_grid_rule grid;
  const attnc_input_slot *inputs;
  int num_inputs;
  const attnc_param_slot *params;
  int num_params;
  const attnc_dim_symbol_slot *dim_symbols;
  int num_dim_symbols;
  int vector_bytes; /* 0 means 16 */
} attnc_kernel_spec;

typedef struct {
  const char *name;
  attnc_tensor tensor;
} attnc_named_tensor;

typedef struct {
  const char *name;
  int is_float;
  int64_t int_value;
  double float_value;
} attnc_param_value;

typedef struct {
  attnc_tensor q, k, v, o;
  const attnc_tensor *lse; /* NULL unless the kernel writes lse */
  const attnc_named_tensor *inputs;
  int num_inputs;
  const attnc_param_value *params;
  int num_params;
  int has_scale; /* 0: scale = 1/sqrt(D) */
  float scale;
  int num_splits; /* 0 or 1 for prefill */
  void *workspace;
  void *block_map; /* workspace of attnc_kernel_block_map_bytes() bytes, or NULL; launches
                      sharing one must not overlap in time (it counts their tile claims) */
  int64_t block_map_bytes;
  int block_map_built; /* nonzero: block_map holds the map an earlier launch built for the same
                          shape, mask inputs and params; skip rebuilding it */
} attnc_launch_args;

/** The arguments of a linear-family launch (attnc::runtime::LinearLaunchArgs): q, k, v, o
 *  [B, H, T, K|V] in any layout with a contiguous last dim; the gate input by name. */
typedef struct {
  attnc_tensor q, k, v, o;
  const attnc_named_tensor *inputs;
  int num_inputs;
  const attnc_tensor *state_in;   /* f32 [N, H, K, V] or NULL (zeros) */
  const attnc_tensor *state_out;  /* f32 [N, H, K, V] or NULL */
  const attnc_tensor *cu_seqlens; /* i32 [N + 1] packed offsets (then B = 1) or NULL */
  int has_scale;                  /* 0: scale = 1/sqrt(K) */
  float scale;
  /* Scratch of attnc_kernel_linear_workspace_bytes() bytes (16-byte aligned), or NULL when
   * that is 0. A launch neither allocates nor synchronises, so it can be graph-captured. */
  void *workspace;
  int64_t workspace_bytes;
} attnc_linear_launch_args;

typedef struct {
  char name[256];
  char arch[16]; /* "sm_90a" */
  char fingerprint[512];
  int cc_major, cc_minor;
  int sm_count;
  int max_shared_memory_per_block_optin;
  int driver_version;
} attnc_device_info;

typedef struct attnc_runtime attnc_runtime;
typedef struct attnc_kernel attnc_kernel;

/** ATTNC_C_API_VERSION of the library (compare with the header's to catch mismatches). */
int attnc_c_api_version(void);

/** The message of this thread's last failed call ("" if none). */
const char *attnc_last_error_message(void);

/** Opens device `device_ordinal`; cache_dir NULL or "" = $ATTNC_CACHE_DIR or ~/.cache/attnc. */
attnc_status attnc_runtime_create(int device_ordinal, const char *cache_dir,
                                  attnc_runtime **out);
void attnc_runtime_destroy(attnc_runtime *runtime);
attnc_status attnc_runtime_device_info(const attnc_runtime *runtime, attnc_device_info *out);

/** Compiles `source` for the runtime's device (through the cubin cache) and loads it. */
attnc_status attnc_kernel_compile(attnc_runtime *runtime, const char *source,
                                  const attnc_kernel_spec *spec, const char *const *options,
                                  int num_options, attnc_kernel **out);
/** As attnc_kernel_compile, with the spec in its text form (attnc::runtime::
 *  serializeKernelSpec; what `attnc compile` writes beside the generated source). */
attnc_status attnc_kernel_compile_text_spec(attnc_runtime *runtime, const char *source,
                                            const char *spec_text, const char *const *options,
                                            int num_options, attnc_kernel **out);
/** Loads a cubin compiled earlier (e.g. by attnc_compile_cubin or from a deploy database). */
attnc_status attnc_kernel_load(attnc_runtime *runtime, const void *cubin, size_t cubin_size,
                               const attnc_kernel_spec *spec, attnc_kernel **out);
/** Validates and enqueues one launch on `stream` (a CUstream; NULL = default stream). */
attnc_status attnc_kernel_launch(const attnc_kernel *kernel, const attnc_launch_args *args,
                                 void *stream);
void attnc_kernel_destroy(attnc_kernel *kernel);
/** Bytes of block-map workspace a launch on this problem needs (0 when the kernel's mask
 * reads no data); pass it as attnc_launch_args.block_map / block_map_bytes. */
int64_t attnc_kernel_block_map_bytes(const attnc_kernel *kernel, int64_t batch,
                                     int64_t heads_q, int64_t seq_q, int64_t seq_k);

/** Validates and enqueues a linear-family kernel's launch (its split stages first, when it
 *  cuts sequences into segments) on `stream`. */
attnc_status attnc_kernel_launch_linear(const attnc_kernel *kernel,
                                        const attnc_linear_launch_args *args, void *stream);
/** Workspace bytes a linear launch with `args` needs on the kernel's device (0 on the
 *  one-kernel path; `args` workspace fields are ignored). */
attnc_status attnc_kernel_linear_workspace_bytes(const attnc_kernel *kernel,
                                                 const attnc_linear_launch_args *args,
                                                 int64_t *bytes);

/** Checks `args` against `spec` without a GPU; the error says what is wrong. */
attnc_status attnc_validate_launch(const attnc_kernel_spec *spec, const attnc_launch_args *args);

/** Compiles `source` for `arch` ("sm_90a") with no GPU, through the cache in `cache_dir`
 *  (NULL = default). *cubin receives malloc'ed memory: release it with attnc_free. */
attnc_status attnc_compile_cubin(const char *source, const char *arch,
                                 const char *const *options, int num_options,
                                 const char *cache_dir, void **cubin, size_t *cubin_size);
void attnc_free(void *ptr);

#ifdef __cplusplus
}
#endif

#endif /* ATTNC_ATTNC_H */
