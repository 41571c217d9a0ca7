//===- NvrtcTest.cpp - NVRTC compilation, embedded templates, error messages ----===//
//
// These run on GPU-less machines: NVRTC needs no device.
//
//===----------------------------------------------------------------------===//
#include "TestUtil.h"

#include "attnc/Runtime/DeviceInfo.h"
#include "attnc/Runtime/EmbeddedHeaders.h"
#include "attnc/Runtime/Nvrtc.h"

#include <dirent.h>
#include <fstream>
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

using namespace attnc::runtime;
using attnc::runtime::testing::isElf;
using attnc::runtime::testing::smallKernelSource;
using attnc::runtime::testing::TempDir;

namespace {

void listTemplates(const std::string &root, const std::string &rel, std::vector<std::string> &out) {
  DIR *dir = opendir((root + "/" + rel).c_str());
  ASSERT_NE(dir, nullptr) << root + "/" + rel;
  while (dirent *e = readdir(dir)) {
    std::string name = e->d_name;
    if (name == "." || name == "..")
      continue;
    std::string path = rel.empty() ? name : rel + "/" + name;
    if (e->d_type == DT_DIR)
      listTemplates(root, path, out);
    else if (name.size() > 2 && (name.substr(name.size() - 2) == ".h" ||
                                 (name.size() > 4 && name.substr(name.size() - 4) == ".cuh")))
      out.push_back(path);
  }
  closedir(dir);
}

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ScopedEnv {
public:
  ScopedEnv(const char *name, const std::string &value) : name_(name) {
    if (const char *old = std::getenv(name))
      old_ = old, hadOld_ = true;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (hadOld_)
      setenv(name_, old_.c_str(), 1);
    else
      unsetenv(name_);
  }

private:
  const char *name_;
  std::string old_;
  bool hadOld_ = false;
};

} // namespace

TEST(EmbeddedHeaders, MatchEveryTemplateOnDisk) {
  if (!std::filesystem::is_directory(ATTNC_TEMPLATES_DIR))
    GTEST_SKIP() << "the source tree " << ATTNC_TEMPLATES_DIR
                 << " is not on this machine (binary carried elsewhere)";
  std::vector<std::string> onDisk;
  listTemplates(ATTNC_TEMPLATES_DIR, "", onDisk);
  ASSERT_FALSE(onDisk.empty());
  const auto &embedded = embeddedHeaders();
  EXPECT_EQ(embedded.size(), onDisk.size());
  ASSERT_TRUE(embedded.count("attnc/KernelParams.h"));
  for (const std::string &rel : onDisk) {
    auto it = embedded.find(rel);
    ASSERT_NE(it, embedded.end()) << rel << " is not embedded";
    EXPECT_EQ(std::string(it->second), readFile(std::string(ATTNC_TEMPLATES_DIR) + "/" + rel))
        << rel << " is stale in the binary";
  }
}

TEST(Nvrtc, FixedOptions) {
  Expected<std::vector<std::string>> opts = Nvrtc::fixedOptions("sm_80");
  ASSERT_TRUE(opts) << opts.error().message;
  auto has = [&](const std::string &o) {
    return std::find(opts->begin(), opts->end(), o) != opts->end();
  };
  EXPECT_TRUE(has("-arch=sm_80"));
  EXPECT_TRUE(has("-std=c++17"));
  EXPECT_TRUE(has("-default-device"));
  EXPECT_FALSE(has("--use_fast_math")); // math flags are the caller's choice
  bool include = false;
  for (const std::string &o : *opts)
    include |= o.rfind("-I", 0) == 0;
  EXPECT_TRUE(include);
}

TEST(Nvrtc, CudaHomeOverridesTheIncludeDirectory) {
  TempDir root;
  ASSERT_EQ(system(("mkdir -p " + root.path() + "/include && touch " + root.path() +
                    "/include/cuda_fp16.h " + root.path() + "/include/cuda_bf16.h")
                       .c_str()),
            0);
  {
    ScopedEnv env("CUDA_HOME", root.path());
    Expected<std::string> dir = Nvrtc::cudaIncludeDir();
    ASSERT_TRUE(dir);
    EXPECT_EQ(*dir, root.path() + "/include");
  }
  ScopedEnv env("CUDA_HOME", root.path() + "/does-not-exist");
  Expected<std::string> fallback = Nvrtc::cudaIncludeDir();
  ASSERT_TRUE(fallback) << fallback.error().message;
  EXPECT_NE(*fallback, root.path() + "/does-not-exist/include");
}

class NvrtcArch : public ::testing::TestWithParam<const char *> {};

TEST_P(NvrtcArch, CompilesKernelUsingEmbeddedHeader) {
  NvrtcRequest request;
  request.source = smallKernelSource();
  request.arch = GetParam();
  request.wantPtx = true;
  Expected<NvrtcOutput> out = Nvrtc::compile(request);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_TRUE(isElf(out->cubin));
  EXPECT_GT(out->cubin.size(), 500u);
  EXPECT_NE(out->ptx.find(".entry attnc_small"), std::string::npos) << out->ptx;
  EXPECT_NE(out->ptx.find(std::string(".target ") + GetParam()), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Archs, NvrtcArch, ::testing::Values("sm_80", "sm_90a"));

TEST(Nvrtc, LibcuxxHeadersAreFound) {
  NvrtcRequest request;
  request.source = "#include <cuda/std/limits>\n"
                   "constexpr float kNegInf = -cuda::std::numeric_limits<float>::infinity();\n"
                   "extern \"C\" __global__ void k(float *p) { *p = kNegInf; }\n";
  request.arch = "sm_90a";
  Expected<NvrtcOutput> out = Nvrtc::compile(request);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_TRUE(isElf(out->cubin));
}

TEST(Nvrtc, ExtraInMemoryHeadersAreVisible) {
  NvrtcRequest request;
  request.source = "#include <attnc/NotOnDisk.cuh>\n"
                   "extern \"C\" __global__ void k(int *p) { *p = ATTNC_TEST_VALUE; }\n";
  request.arch = "sm_80";
  request.extraHeaders = {{"attnc/NotOnDisk.cuh", "#define ATTNC_TEST_VALUE 42\n"}};
  Expected<NvrtcOutput> out = Nvrtc::compile(request);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_TRUE(isElf(out->cubin));
}

TEST(Nvrtc, CompileErrorQuotesTheGeneratedLine) {
  NvrtcRequest request;
  request.programName = "sliding_window.cu";
  request.source =
      "#include <attnc/KernelParams.h>\n"
      "extern \"C\" __global__ void k(const __grid_constant__ AttncSoftmaxParams p) {\n"
      "  float x = p.scale;\n"
      "  float y = attnc_undefined_symbol * x;\n"
      "}\n";
  request.arch = "sm_90a";
  Expected<NvrtcOutput> out = Nvrtc::compile(request);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::CompileError);
  const std::string &msg = out.error().message;
  EXPECT_NE(msg.find("sliding_window.cu(4): error"), std::string::npos) << msg; // NVRTC's log
  EXPECT_NE(msg.find("attnc_undefined_symbol"), std::string::npos) << msg;
  EXPECT_NE(msg.find("sliding_window.cu:4:   float y = attnc_undefined_symbol * x;"),
            std::string::npos)
      << msg;
}

TEST(Nvrtc, FormatCompileErrorQuotesEachErrorLine) {
  std::string source = "line one\nline two\nline three\n";
  std::string log = "gen.cu(1): warning: w\n"
                    "gen.cu(2): error: first\n"
                    "gen.cu(3): error: second\n"
                    "gen.cu(99): error: past the end\n";
  std::string msg = Nvrtc::formatCompileError("gen.cu", source, log);
  EXPECT_NE(msg.find(log), std::string::npos);
  EXPECT_EQ(msg.find("gen.cu:1:"), std::string::npos); // warnings are not quoted
  EXPECT_NE(msg.find("gen.cu:2: line two\n"), std::string::npos) << msg;
  EXPECT_NE(msg.find("gen.cu:3: line three\n"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("gen.cu:99:"), std::string::npos);
}

TEST(Nvrtc, VersionIsKnown) {
  int major = 0, minor = -1;
  Nvrtc::version(major, minor);
  EXPECT_GE(major, 12);
  EXPECT_EQ(Nvrtc::versionString(), std::to_string(major) + "." + std::to_string(minor));
}

TEST(DeviceInfo, ArchForComputeCapability) {
  EXPECT_EQ(DeviceInfo::archForComputeCapability(9, 0), "sm_90a");
  EXPECT_EQ(DeviceInfo::archForComputeCapability(8, 0), "sm_80");
  EXPECT_EQ(DeviceInfo::archForComputeCapability(8, 6), "sm_86");
  EXPECT_EQ(DeviceInfo::archForComputeCapability(8, 9), "sm_89");
  EXPECT_EQ(DeviceInfo::archForComputeCapability(10, 0), "sm_100a");
  EXPECT_EQ(DeviceInfo::archForComputeCapability(12, 0), "sm_120");
}

TEST(DeviceInfo, FingerprintHoldsEveryPerformanceRelevantFact) {
  DeviceInfo d;
  d.name = "NVIDIA H100 80GB HBM3";
  d.ccMajor = 9;
  d.smCount = 132;
  d.maxSharedMemoryPerBlockOptin = 232448;
  d.driverVersion = 13000;
  d.nvrtcMajor = 13;
  EXPECT_EQ(d.fingerprint(), "NVIDIA H100 80GB HBM3|sm_90a|132SM|smem232448|driver13000|nvrtc13.0");
}
