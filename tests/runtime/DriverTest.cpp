//===- DriverTest.cpp - Loading libcuda at run time ------------------------------===//
#include "attnc/Runtime/CudaDriver.h"
#include "attnc/Runtime/Runtime.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

using namespace attnc::runtime;

namespace {
bool systemHasDriver() {
  void *h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (h)
    dlclose(h);
  return h != nullptr;
}
} // namespace

TEST(CudaDriver, MissingLibraryGivesClearError) {
  Expected<CudaDriver> d = CudaDriver::load("libcuda-attnc-missing.so.1");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, ErrorCode::NoDriver);
  EXPECT_EQ(d.error().message.rfind("no CUDA driver: libcuda-attnc-missing.so.1 not found (", 0),
            0u)
      << d.error().message;
}

TEST(CudaDriver, ProcessDriverReportsAbsenceOrLoadsEveryEntryPoint) {
  Expected<const CudaDriver *> d = CudaDriver::get();
  if (!systemHasDriver()) {
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, ErrorCode::NoDriver);
    EXPECT_EQ(d.error().message.rfind("no CUDA driver: libcuda.so.1 not found (", 0), 0u)
        << d.error().message;
    // The Runtime passes the same error through.
    Expected<std::unique_ptr<Runtime>> rt = Runtime::create(0, "");
    ASSERT_FALSE(rt);
    EXPECT_EQ(rt.error().code, ErrorCode::NoDriver);
    return;
  }
  // A driver exists (the GPU machine): cuInit may still fail without a device, but the
  // library must have resolved every entry point attnc uses.
  Expected<CudaDriver> loaded = CudaDriver::load("libcuda.so.1");
  ASSERT_TRUE(loaded) << loaded.error().message;
#define ATTNC_EXPECT_RESOLVED(name) EXPECT_NE(loaded->name, nullptr) << #name;
  ATTNC_CUDA_DRIVER_FUNCTIONS(ATTNC_EXPECT_RESOLVED)
#undef ATTNC_EXPECT_RESOLVED
}

TEST(CudaDriver, CheckFormatsDriverErrors) {
  CudaDriver none; // no library: falls back to the numeric code
  EXPECT_TRUE(none.check(CUDA_SUCCESS, "cuInit"));
  Status st = none.check(CUDA_ERROR_INVALID_VALUE, "cuLaunchKernel");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::CudaError);
  EXPECT_EQ(st.error().message, "cuLaunchKernel failed: CUresult 1");
  EXPECT_EQ(none.check(CUDA_ERROR_NO_DEVICE, "cuDeviceGet").error().code, ErrorCode::NoDevice);
}
