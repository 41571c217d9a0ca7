//===- TestUtil.h - Helpers shared by the runtime tests -------------------------===//
#ifndef ATTNC_TESTS_RUNTIME_TESTUTIL_H
#define ATTNC_TESTS_RUNTIME_TESTUTIL_H

#include <cstdlib>
#include <string>
#include <vector>

namespace attnc::runtime::testing {

/// A fresh directory under $TMPDIR (or /tmp), removed with its content on destruction.
class TempDir {
public:
  TempDir() {
    const char *base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/attnc-rt-XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    path_ = mkdtemp(buf.data()) ? buf.data() : "";
  }
  ~TempDir() {
    if (!path_.empty())
      std::system(("rm -rf '" + path_ + "'").c_str());
  }
  const std::string &path() const { return path_; }

private:
  std::string path_;
};

/// True if `bytes` starts with the ELF magic.
inline bool isElf(const std::vector<char> &bytes) {
  return bytes.size() > 4 && bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' &&
         bytes[3] == 'F';
}

/// A small kernel that includes an embedded template header and a CUDA toolkit header.
inline const char *smallKernelSource() {
  return R"(#include <attnc/KernelParams.h>
#include <cuda_bf16.h>
extern "C" __global__ void attnc_small(const __grid_constant__ AttncSoftmaxParams p) {
  __nv_bfloat16 *o = (__nv_bfloat16 *)p.o.ptr;
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < p.seq_q)
    o[i] = __float2bfloat16(p.scale * (float)i);
}
)";
}

} // namespace attnc::runtime::testing

#endif
