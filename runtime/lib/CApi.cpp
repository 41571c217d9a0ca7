//===- CApi.cpp - attnc.h over attnc::runtime ------------------------------------===//
//
// Converts C structs into the C++ types, calls through, and turns each Error into a status
// code plus a thread-local message. Every entry point is noexcept and catches anything a
// standard container might throw (bad_alloc), so nothing escapes into C.
//
//===----------------------------------------------------------------------===//
#include "attnc/attnc.h"

#include "attnc/Runtime/Runtime.h"

#include <cstdlib>
#include <cstring>
#include <exception>

using namespace attnc::runtime;

struct attnc_runtime {
  std::unique_ptr<Runtime> impl;
};

struct attnc_kernel {
  std::unique_ptr<Kernel> impl;
};

namespace {

thread_local std::string lastError;

attnc_status fail(const Error &error) {
  lastError = error.message;
  return static_cast<attnc_status>(static_cast<int>(error.code));
}

attnc_status invalid(const char *message) {
  return fail(makeError(ErrorCode::InvalidArgument, message));
}

template <typename Fn> attnc_status guarded(Fn &&fn) noexcept {
  try {
    lastError.clear();
    return fn();
  } catch (const std::exception &e) {
    return fail(makeError(ErrorCode::Internal, std::string("internal error: ") + e.what()));
  } catch (...) {
    return fail(makeError(ErrorCode::Internal, "internal error: unknown exception"));
  }
}

std::string str(const char *s) { return s ? s : ""; }

KernelSpec toSpec(const attnc_kernel_spec &c) {
  KernelSpec s;
  s.family = static_cast<KernelFamily>(c.family);
  s.entryName = str(c.entry_name);
  s.dtype = static_cast<DType>(c.dtype);
  s.headDim = c.head_dim;
  s.headDimV = c.head_dim_v;
  s.blockM = c.block_m;
  s.blockN = c.block_n;
  s.threadsPerBlock = c.threads_per_block;
  s.dynamicSmemBytes = c.dynamic_smem_bytes;
  s.writesLse = c.writes_lse != 0;
  static_assert(int(GridRule::QueryBlocksHeadsBatch) == ATTNC_GRID_QUERY_BLOCKS_HEADS_BATCH &&
                    int(GridRule::SplitsHeadsBatch) == ATTNC_GRID_SPLITS_HEADS_BATCH &&
                    int(GridRule::SplitsKvHeadsBatch) == ATTNC_GRID_SPLITS_KV_HEADS_BATCH &&
                    int(GridRule::PersistentQueryBlocks) == ATTNC_GRID_PERSISTENT_QUERY_BLOCKS,
                "attnc_grid_rule mirrors GridRule");
  s.grid = static_cast<GridRule>(c.grid);
  s.vectorBytes = c.vector_bytes ? c.vector_bytes : 16;
  for (int i = 0; i < c.num_inputs && c.inputs; ++i) {
    InputSlot in{str(c.inputs[i].name), static_cast<DType>(c.inputs[i].dtype), {}};
    for (int d = 0; d < c.inputs[i].rank && d < 4; ++d)
      in.dims.push_back(str(c.inputs[i].dims[d]));
    s.inputs.push_back(std::move(in));
  }
  for (int i = 0; i < c.num_params && c.params; ++i)
    s.params.push_back({str(c.params[i].name), c.params[i].is_float != 0, c.params[i].slot,
                        c.params[i].has_default != 0, c.params[i].default_value});
  for (int i = 0; i < c.num_dim_symbols && c.dim_symbols; ++i)
    s.dimSymbols.push_back({str(c.dim_symbols[i].name), c.dim_symbols[i].slot});
  return s;
}

TensorDesc toTensor(const attnc_tensor &c) {
  TensorDesc t;
  t.data = c.data;
  t.dtype = static_cast<DType>(c.dtype);
  t.rank = c.rank;
  for (int d = 0; d < 4; ++d) {
    t.shape[d] = c.shape[d];
    t.strides[d] = c.strides[d];
  }
  return t;
}

/// Holds the converted arrays a LaunchArgs points into. Fixed size: no allocation.
struct LaunchStorage {
  NamedTensor inputs[ATTNC_MAX_INPUTS];
  ParamValue params[ATTNC_MAX_PARAMS * 2];
  TensorDesc lse;
  LaunchArgs args;
};

bool toLaunchArgs(const attnc_launch_args &c, LaunchStorage &s) {
  if (c.num_inputs < 0 || c.num_inputs > ATTNC_MAX_INPUTS || c.num_params < 0 ||
      c.num_params > ATTNC_MAX_PARAMS * 2 || (c.num_inputs && !c.inputs) ||
      (c.num_params && !c.params))
    return false;
  s.args.q = toTensor(c.q);
  s.args.k = toTensor(c.k);
  s.args.v = toTensor(c.v);
  s.args.o = toTensor(c.o);
  if (c.lse) {
    s.lse = toTensor(*c.lse);
    s.args.lse = &s.lse;
  }
  for (int i = 0; i < c.num_inputs; ++i)
    s.inputs[i] = {c.inputs[i].name, toTensor(c.inputs[i].tensor)};
  for (int i = 0; i < c.num_params; ++i)
    s.params[i] = {c.params[i].name, c.params[i].is_float != 0, c.params[i].int_value,
                   c.params[i].float_value};
  s.args.inputs = Span<NamedTensor>(s.inputs, size_t(c.num_inputs));
  s.args.params = Span<ParamValue>(s.params, size_t(c.num_params));
  if (c.has_scale)
    s.args.scale = c.scale;
  s.args.numSplits = c.num_splits ? c.num_splits : 1;
  s.args.workspace = c.workspace;
  s.args.blockMap = c.block_map;
  s.args.blockMapCapacity = c.block_map_bytes;
  s.args.blockMapBuilt = c.block_map_built != 0;
  return true;
}

/// Holds the converted tensors a LinearLaunchArgs points into. Fixed size: no allocation.
struct LinearLaunchStorage {
  NamedTensor inputs[ATTNC_MAX_INPUTS];
  TensorDesc stateIn, stateOut, cuSeqlens;
  LinearLaunchArgs args;
};

bool toLinearLaunchArgs(const attnc_linear_launch_args &c, LinearLaunchStorage &s) {
  if (c.num_inputs < 0 || c.num_inputs > ATTNC_MAX_INPUTS || (c.num_inputs && !c.inputs))
    return false;
  s.args.q = toTensor(c.q);
  s.args.k = toTensor(c.k);
  s.args.v = toTensor(c.v);
  s.args.o = toTensor(c.o);
  for (int i = 0; i < c.num_inputs; ++i)
    s.inputs[i] = {c.inputs[i].name, toTensor(c.inputs[i].tensor)};
  s.args.inputs = Span<NamedTensor>(s.inputs, size_t(c.num_inputs));
  struct {
    const attnc_tensor *from;
    TensorDesc &to;
    const TensorDesc *&field;
  } optional[] = {{c.state_in, s.stateIn, s.args.stateIn},
                  {c.state_out, s.stateOut, s.args.stateOut},
                  {c.cu_seqlens, s.cuSeqlens, s.args.cuSeqlens}};
  for (auto &o : optional)
    if (o.from) {
      o.to = toTensor(*o.from);
      o.field = &o.to;
    }
  if (c.has_scale)
    s.args.scale = c.scale;
  s.args.workspace = c.workspace;
  s.args.workspaceCapacity = c.workspace_bytes;
  return true;
}

const char *kBadLaunchArrays = "launch args: num_inputs/num_params out of range or their "
                               "array is NULL";

void copyString(char *dst, size_t size, const std::string &src) {
  std::strncpy(dst, src.c_str(), size - 1);
  dst[size - 1] = '\0';
}

} // namespace

extern "C" {

int attnc_c_api_version(void) { return ATTNC_C_API_VERSION; }

const char *attnc_last_error_message(void) { return lastError.c_str(); }

attnc_status attnc_runtime_create(int device_ordinal, const char *cache_dir, attnc_runtime **out) {
  return guarded([&] {
    if (!out)
      return invalid("attnc_runtime_create: out is NULL");
    *out = nullptr;
    Expected<std::unique_ptr<Runtime>> rt = Runtime::create(device_ordinal, str(cache_dir));
    if (!rt)
      return fail(rt.error());
    *out = new attnc_runtime{rt.takeValue()};
    return ATTNC_OK;
  });
}

void attnc_runtime_destroy(attnc_runtime *runtime) { delete runtime; }

attnc_status attnc_runtime_device_info(const attnc_runtime *runtime, attnc_device_info *out) {
  return guarded([&] {
    if (!runtime || !out)
      return invalid("attnc_runtime_device_info: NULL argument");
    const DeviceInfo &d = runtime->impl->device();
    copyString(out->name, sizeof(out->name), d.name);
    copyString(out->arch, sizeof(out->arch), d.arch());
    copyString(out->fingerprint, sizeof(out->fingerprint), d.fingerprint());
    out->cc_major = d.ccMajor;
    out->cc_minor = d.ccMinor;
    out->sm_count = d.smCount;
    out->max_shared_memory_per_block_optin = d.maxSharedMemoryPerBlockOptin;
    out->driver_version = d.driverVersion;
    return ATTNC_OK;
  });
}

attnc_status attnc_kernel_compile(attnc_runtime *runtime, const char *source,
                                  const attnc_kernel_spec *spec, const char *const *options,
                                  int num_options, attnc_kernel **out) {
  return guarded([&] {
    if (!runtime || !source || !spec || !out || (num_options > 0 && !options))
      return invalid("attnc_kernel_compile: NULL argument");
    *out = nullptr;
    std::vector<std::string> opts;
    for (int i = 0; i < num_options; ++i)
      opts.push_back(str(options[i]));
    Expected<std::unique_ptr<Kernel>> k = runtime->impl->compile(source, toSpec(*spec), opts);
    if (!k)
      return fail(k.error());
    *out = new attnc_kernel{k.takeValue()};
    return ATTNC_OK;
  });
}

attnc_status attnc_kernel_compile_text_spec(attnc_runtime *runtime, const char *source,
                                            const char *spec_text, const char *const *options,
                                            int num_options, attnc_kernel **out) {
  return guarded([&] {
    if (!runtime || !source || !spec_text || !out || (num_options > 0 && !options))
      return invalid("attnc_kernel_compile_text_spec: NULL argument");
    *out = nullptr;
    Expected<KernelSpec> spec = parseKernelSpec(spec_text);
    if (!spec)
      return fail(spec.error());
    std::vector<std::string> opts;
    for (int i = 0; i < num_options; ++i)
      opts.push_back(str(options[i]));
    Expected<std::unique_ptr<Kernel>> k = runtime->impl->compile(source, *spec, opts);
    if (!k)
      return fail(k.error());
    *out = new attnc_kernel{k.takeValue()};
    return ATTNC_OK;
  });
}

attnc_status attnc_kernel_load(attnc_runtime *runtime, const void *cubin, size_t cubin_size,
                               const attnc_kernel_spec *spec, attnc_kernel **out) {
  return guarded([&] {
    if (!runtime || !cubin || !spec || !out)
      return invalid("attnc_kernel_load: NULL argument");
    *out = nullptr;
    const char *bytes = static_cast<const char *>(cubin);
    Expected<std::unique_ptr<Kernel>> k =
        runtime->impl->load(std::vector<char>(bytes, bytes + cubin_size), toSpec(*spec));
    if (!k)
      return fail(k.error());
    *out = new attnc_kernel{k.takeValue()};
    return ATTNC_OK;
  });
}

attnc_status attnc_kernel_launch(const attnc_kernel *kernel, const attnc_launch_args *args,
                                 void *stream) {
  return guarded([&] {
    if (!kernel || !args)
      return invalid("attnc_kernel_launch: NULL argument");
    LaunchStorage storage;
    if (!toLaunchArgs(*args, storage))
      return invalid(kBadLaunchArrays);
    Status st = kernel->impl->launch(storage.args, static_cast<CUstream>(stream));
    return st ? ATTNC_OK : fail(st.error());
  });
}

attnc_status attnc_kernel_launch_linear(const attnc_kernel *kernel,
                                        const attnc_linear_launch_args *args, void *stream) {
  return guarded([&] {
    if (!kernel || !args)
      return invalid("attnc_kernel_launch_linear: NULL argument");
    LinearLaunchStorage storage;
    if (!toLinearLaunchArgs(*args, storage))
      return invalid(kBadLaunchArrays);
    Status st = kernel->impl->launchLinear(storage.args, static_cast<CUstream>(stream));
    return st ? ATTNC_OK : fail(st.error());
  });
}

attnc_status attnc_kernel_linear_workspace_bytes(const attnc_kernel *kernel,
                                                 const attnc_linear_launch_args *args,
                                                 int64_t *bytes) {
  return guarded([&] {
    if (!kernel || !args || !bytes)
      return invalid("attnc_kernel_linear_workspace_bytes: NULL argument");
    LinearLaunchStorage storage;
    if (!toLinearLaunchArgs(*args, storage))
      return invalid(kBadLaunchArrays);
    Expected<int64_t> need = kernel->impl->linearWorkspaceBytes(storage.args);
    if (!need)
      return fail(need.error());
    *bytes = *need;
    return ATTNC_OK;
  });
}

void attnc_kernel_destroy(attnc_kernel *kernel) { delete kernel; }

int64_t attnc_kernel_block_map_bytes(const attnc_kernel *kernel, int64_t batch,
                                     int64_t heads_q, int64_t seq_q, int64_t seq_k) {
  return kernel ? blockMapBytes(kernel->impl->spec(), batch, heads_q, seq_q, seq_k) : 0;
}

attnc_status attnc_validate_launch(const attnc_kernel_spec *spec, const attnc_launch_args *args) {
  return guarded([&] {
    if (!spec || !args)
      return invalid("attnc_validate_launch: NULL argument");
    KernelSpec s = toSpec(*spec);
    if (Status st = s.verify(); !st)
      return fail(st.error());
    LaunchStorage storage;
    if (!toLaunchArgs(*args, storage))
      return invalid(kBadLaunchArrays);
    Expected<LaunchConfig> config = prepareLaunch(s, storage.args);
    return config ? ATTNC_OK : fail(config.error());
  });
}

attnc_status attnc_compile_cubin(const char *source, const char *arch, const char *const *options,
                                 int num_options, const char *cache_dir, void **cubin,
                                 size_t *cubin_size) {
  return guarded([&] {
    if (!source || !arch || !cubin || !cubin_size || (num_options > 0 && !options))
      return invalid("attnc_compile_cubin: NULL argument");
    *cubin = nullptr;
    *cubin_size = 0;
    Expected<std::unique_ptr<CubinCache>> cache = CubinCache::open(str(cache_dir));
    if (!cache)
      return fail(cache.error());
    NvrtcRequest request;
    request.source = source;
    request.arch = arch;
    for (int i = 0; i < num_options; ++i)
      request.options.push_back(str(options[i]));
    Expected<std::vector<char>> bytes = (*cache)->compile(request);
    if (!bytes)
      return fail(bytes.error());
    void *mem = std::malloc(bytes->size());
    if (!mem)
      return fail(makeError(ErrorCode::Internal, "out of host memory"));
    std::memcpy(mem, bytes->data(), bytes->size());
    *cubin = mem;
    *cubin_size = bytes->size();
    return ATTNC_OK;
  });
}

void attnc_free(void *ptr) { std::free(ptr); }

} // extern "C"
