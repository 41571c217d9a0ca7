//===- CApiTest.cpp - attnc.h, exercised from C-style code -----------------------===//
#include "TestUtil.h"

#include "attnc/Runtime/CudaDriver.h"
#include "attnc/attnc.h"

#include <cstring>
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <string>
#include <vector>

using attnc::runtime::testing::smallKernelSource;
using attnc::runtime::testing::TempDir;

namespace {

attnc_tensor contiguous(uintptr_t addr, attnc_dtype dtype, int rank, const int64_t *shape) {
  attnc_tensor t;
  std::memset(&t, 0, sizeof(t));
  t.data = reinterpret_cast<void *>(addr);
  t.dtype = dtype;
  t.rank = rank;
  int64_t stride = 1;
  for (int d = rank - 1; d >= 0; --d) {
    t.shape[d] = shape[d];
    t.strides[d] = stride;
    stride *= shape[d];
  }
  return t;
}

struct CLaunch {
  attnc_input_slot slopesSlot{"slopes", ATTNC_F32, 1, {"Hq", nullptr, nullptr, nullptr}};
  attnc_param_slot windowSlot{"window", 0, 0, 1, 128.0};
  attnc_kernel_spec spec;
  attnc_named_tensor slopes;
  attnc_param_value window{"window", 0, 64, 0.0};
  attnc_launch_args args;
  CLaunch() {
    std::memset(&spec, 0, sizeof(spec));
    spec.family = ATTNC_FAMILY_SOFTMAX_PREFILL;
    spec.entry_name = "attnc_small";
    spec.dtype = ATTNC_F16;
    spec.head_dim = spec.head_dim_v = 64;
    spec.block_m = spec.block_n = 64;
    spec.threads_per_block = 128;
    spec.inputs = &slopesSlot;
    spec.num_inputs = 1;
    spec.params = &windowSlot;
    spec.num_params = 1;
    std::memset(&args, 0, sizeof(args));
    const int64_t q[4] = {1, 8, 33, 64}, kv[4] = {1, 2, 40, 64}, h[1] = {8};
    args.q = contiguous(0x100000, ATTNC_F16, 4, q);
    args.k = contiguous(0x200000, ATTNC_F16, 4, kv);
    args.v = contiguous(0x300000, ATTNC_F16, 4, kv);
    args.o = contiguous(0x400000, ATTNC_F16, 4, q);
    slopes = {"slopes", contiguous(0x500000, ATTNC_F32, 1, h)};
    args.inputs = &slopes;
    args.num_inputs = 1;
    args.params = &window;
    args.num_params = 1;
  }
};

} // namespace

TEST(CApi, VersionMatchesHeader) { EXPECT_EQ(attnc_c_api_version(), ATTNC_C_API_VERSION); }

TEST(CApi, ValidateLaunchAcceptsGoodAndNamesBadArguments) {
  CLaunch l;
  EXPECT_EQ(attnc_validate_launch(&l.spec, &l.args), ATTNC_OK) << attnc_last_error_message();
  EXPECT_STREQ(attnc_last_error_message(), "");

  l.args.k.dtype = ATTNC_BF16;
  EXPECT_EQ(attnc_validate_launch(&l.spec, &l.args), ATTNC_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(attnc_last_error_message(), "k: expected f16, got bf16");
  l.args.k.dtype = ATTNC_F16;

  l.args.num_inputs = 0;
  EXPECT_EQ(attnc_validate_launch(&l.spec, &l.args), ATTNC_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(attnc_last_error_message(), "missing input 'slopes' (f32[Hq])");
  l.args.num_inputs = 99;
  EXPECT_EQ(attnc_validate_launch(&l.spec, &l.args), ATTNC_ERROR_INVALID_ARGUMENT);
  l.args.num_inputs = 1;

  l.spec.head_dim = 0; // a bad spec is reported as such
  EXPECT_EQ(attnc_validate_launch(&l.spec, &l.args), ATTNC_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(attnc_last_error_message()).find("invalid kernel spec 'attnc_small'"),
            std::string::npos);
  EXPECT_EQ(attnc_validate_launch(nullptr, &l.args), ATTNC_ERROR_INVALID_ARGUMENT);
}

TEST(CApi, LinearEntriesRefuseNullArguments) {
  attnc_linear_launch_args args;
  std::memset(&args, 0, sizeof(args));
  int64_t bytes = -1;
  EXPECT_EQ(attnc_kernel_launch_linear(nullptr, &args, nullptr), ATTNC_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(attnc_last_error_message()).find("attnc_kernel_launch_linear"),
            std::string::npos);
  EXPECT_EQ(attnc_kernel_linear_workspace_bytes(nullptr, &args, &bytes),
            ATTNC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(bytes, -1);
}

TEST(CApi, CompileCubinWithoutGpu) {
  TempDir cache;
  void *cubin = nullptr;
  size_t size = 0;
  const char *options[] = {"-lineinfo"};
  ASSERT_EQ(attnc_compile_cubin(smallKernelSource(), "sm_90a", options, 1, cache.path().c_str(),
                                &cubin, &size),
            ATTNC_OK)
      << attnc_last_error_message();
  ASSERT_NE(cubin, nullptr);
  EXPECT_GT(size, 4u);
  EXPECT_EQ(std::memcmp(cubin,
                        "\x7f"
                        "ELF",
                        4),
            0);
  attnc_free(cubin);

  EXPECT_EQ(
      attnc_compile_cubin("int main( {", "sm_90a", nullptr, 0, cache.path().c_str(), &cubin, &size),
      ATTNC_ERROR_COMPILE);
  EXPECT_NE(std::string(attnc_last_error_message()).find("NVRTC could not compile"),
            std::string::npos);
  EXPECT_EQ(cubin, nullptr);
}

TEST(CApi, RuntimeCreateReportsMissingDriverOrOpensDevice) {
  TempDir cache;
  attnc_runtime *rt = nullptr;
  attnc_status st = attnc_runtime_create(0, cache.path().c_str(), &rt);
  void *h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    EXPECT_EQ(st, ATTNC_ERROR_NO_DRIVER);
    EXPECT_EQ(rt, nullptr);
    EXPECT_EQ(
        std::string(attnc_last_error_message()).rfind("no CUDA driver: libcuda.so.1 not found", 0),
        0u)
        << attnc_last_error_message();
    return;
  }
  dlclose(h);
  if (st == ATTNC_ERROR_NO_DEVICE || st == ATTNC_ERROR_NO_DRIVER)
    GTEST_SKIP() << "no CUDA device: " << attnc_last_error_message();
  ASSERT_EQ(st, ATTNC_OK) << attnc_last_error_message();
  attnc_device_info info;
  ASSERT_EQ(attnc_runtime_device_info(rt, &info), ATTNC_OK);
  EXPECT_GT(std::strlen(info.name), 0u);
  EXPECT_EQ(std::string(info.arch).rfind("sm_", 0), 0u);
  EXPECT_GT(info.sm_count, 0);
  attnc_runtime_destroy(rt);
}

TEST(CApi, CompileAndLaunchOnDevice) {
  TempDir cache;
  attnc_runtime *rt = nullptr;
  attnc_status st = attnc_runtime_create(0, cache.path().c_str(), &rt);
  if (st == ATTNC_ERROR_NO_DRIVER || st == ATTNC_ERROR_NO_DEVICE)
    GTEST_SKIP() << "no CUDA device: " << attnc_last_error_message();
  ASSERT_EQ(st, ATTNC_OK) << attnc_last_error_message();

  attnc_kernel_spec spec;
  std::memset(&spec, 0, sizeof(spec));
  spec.entry_name = "attnc_small";
  spec.dtype = ATTNC_BF16;
  spec.head_dim = spec.head_dim_v = 64;
  spec.block_m = spec.block_n = 64;
  spec.threads_per_block = 64;
  attnc_kernel *kernel = nullptr;
  ASSERT_EQ(attnc_kernel_compile(rt, smallKernelSource(), &spec, nullptr, 0, &kernel), ATTNC_OK)
      << attnc_last_error_message();

  // The C ABI has no allocator: use the driver directly in the runtime's (current) context.
  auto driver = attnc::runtime::CudaDriver::get();
  ASSERT_TRUE(driver);
  const int64_t shape[4] = {1, 1, 64, 64};
  CUdeviceptr q = 0, o = 0;
  ASSERT_EQ((*driver)->cuMemAlloc(&q, 64 * 64 * 2), CUDA_SUCCESS);
  ASSERT_EQ((*driver)->cuMemAlloc(&o, 64 * 64 * 2), CUDA_SUCCESS);
  ASSERT_EQ((*driver)->cuMemsetD8(o, 0xff, 64 * 64 * 2), CUDA_SUCCESS);
  attnc_launch_args args;
  std::memset(&args, 0, sizeof(args));
  args.q = contiguous(uintptr_t(q), ATTNC_BF16, 4, shape);
  args.k = args.v = args.q;
  args.o = contiguous(uintptr_t(o), ATTNC_BF16, 4, shape);
  args.has_scale = 1;
  args.scale = 0.5f;
  ASSERT_EQ(attnc_kernel_launch(kernel, &args, nullptr), ATTNC_OK) << attnc_last_error_message();
  std::vector<uint16_t> out(64);
  ASSERT_EQ((*driver)->cuMemcpyDtoH(out.data(), o, 64 * 2), CUDA_SUCCESS);
  for (int i = 0; i < 64; ++i) {
    uint32_t bits = uint32_t(out[i]) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    EXPECT_EQ(f, 0.5f * i) << i; // exact in bf16: at most 6 significant bits
  }
  args.o.dtype = ATTNC_F16;
  EXPECT_EQ(attnc_kernel_launch(kernel, &args, nullptr), ATTNC_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(attnc_last_error_message(), "o: expected bf16, got f16");
  (*driver)->cuMemFree(q);
  (*driver)->cuMemFree(o);
  attnc_kernel_destroy(kernel);
  attnc_runtime_destroy(rt);
}
