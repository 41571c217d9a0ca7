//===- ValidationTest.cpp - Launch argument checks, without a GPU ---------------===//
//
// prepareLaunch is pure, so every bad argument is tested here on fake (but aligned)
// device pointers: each case changes one thing in a good launch and pins the message.
//
//===----------------------------------------------------------------------===//
#include "attnc/Runtime/LaunchArgs.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <gtest/gtest.h>
#include <new>

using namespace attnc::runtime;

// Counts heap allocations while `gCountAllocations` is set, to prove the success path of
// prepareLaunch allocates nothing (a requirement for CUDA graph capture on hot paths).
static thread_local bool gCountAllocations = false;
static thread_local int gAllocations = 0;
void *operator new(std::size_t size) {
  if (gCountAllocations)
    ++gAllocations;
  if (void *p = std::malloc(size ? size : 1))
    return p;
  throw std::bad_alloc();
}
void operator delete(void *p) noexcept { std::free(p); }
void operator delete(void *p, std::size_t) noexcept { std::free(p); }

namespace {

void *fakePtr(uintptr_t offset = 0) { return reinterpret_cast<void *>(0x7f0000000000 + offset); }

KernelSpec makeSpec() {
  KernelSpec s;
  s.family = KernelFamily::SoftmaxPrefill;
  s.entryName = "attnc_alibi_window";
  s.dtype = DType::BF16;
  s.headDim = 128;
  s.headDimV = 128;
  s.blockM = 64;
  s.blockN = 64;
  s.threadsPerBlock = 128;
  s.dynamicSmemBytes = 64 * 1024;
  s.writesLse = true;
  s.inputs = {
      {"slopes", DType::F32, {"Hq"}}, {"ids", DType::I32, {"B", "L"}}, {"pos", DType::I32, {"L"}}};
  s.params = {{"window", false, 0, true, 1024}, {"softcap", true, 0, false, 0}};
  s.dimSymbols = {{"L", 1}};
  return s;
}

/// A good launch: B=2, Hq=12, Hkv=4, N=100, M=300, D=Dv=128, L=77.
struct Fixture {
  TensorDesc lse = TensorDesc::contiguous(fakePtr(0x100000), DType::F32, {2, 12, 100});
  std::vector<NamedTensor> inputs = {
      {"slopes", TensorDesc::contiguous(fakePtr(0x200000), DType::F32, {12})},
      {"ids", TensorDesc::contiguous(fakePtr(0x300000), DType::I32, {2, 77})},
      {"pos", TensorDesc::contiguous(fakePtr(0x400000), DType::I32, {77})}};
  std::vector<ParamValue> params = {ParamValue::real("softcap", 30.0)};
  LaunchArgs args;
  Fixture() {
    args.q = TensorDesc::contiguous(fakePtr(0x0), DType::BF16, {2, 12, 100, 128});
    args.k = TensorDesc::contiguous(fakePtr(0x10000000), DType::BF16, {2, 4, 300, 128});
    args.v = TensorDesc::contiguous(fakePtr(0x20000000), DType::BF16, {2, 4, 300, 128});
    args.o = TensorDesc::contiguous(fakePtr(0x30000000), DType::BF16, {2, 12, 100, 128});
    args.lse = &lse;
    args.inputs = inputs;
    args.params = params;
  }
};

std::string errorOf(const KernelSpec &spec, const std::function<void(Fixture &)> &mutate) {
  Fixture f;
  mutate(f);
  f.args.inputs = f.inputs; // the mutation may have reallocated them
  f.args.params = f.params;
  Expected<LaunchConfig> c = prepareLaunch(spec, f.args);
  if (c)
    return "<no error>";
  EXPECT_EQ(c.error().code, ErrorCode::InvalidArgument);
  return c.error().message;
}

} // namespace

TEST(Validation, PersistentGridHoldsTheResidentCtasAtMost) {
  KernelSpec spec = makeSpec();
  spec.grid = GridRule::PersistentQueryBlocks;
  ASSERT_TRUE(spec.verify());
  Fixture f;
  const unsigned tiles = 2 * 12 * 2; // ceil(100 / 64) query blocks x Hq x B
  for (int64_t resident : {int64_t(0), int64_t(20), int64_t(132)}) {
    Expected<LaunchConfig> c = prepareLaunch(spec, f.args, resident);
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->grid[0], resident == 0 ? tiles : std::min<unsigned>(tiles, unsigned(resident)));
    EXPECT_EQ(c->grid[1], 1u);
    EXPECT_EQ(c->grid[2], 1u);
  }
}

TEST(Validation, GoodLaunchFillsParams) {
  KernelSpec spec = makeSpec();
  ASSERT_TRUE(spec.verify());
  Fixture f;
  gCountAllocations = true;
  gAllocations = 0;
  Expected<LaunchConfig> c = prepareLaunch(spec, f.args);
  gCountAllocations = false;
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(gAllocations, 0) << "prepareLaunch allocated on its success path";
  const AttncSoftmaxParams &p = c->params;
  EXPECT_EQ(c->grid[0], 2u); // ceil(100 / 64)
  EXPECT_EQ(c->grid[1], 12u);
  EXPECT_EQ(c->grid[2], 2u);
  EXPECT_EQ(c->block[0], 128u);
  EXPECT_EQ(c->dynamicSmemBytes, 64u * 1024);
  EXPECT_EQ(p.batch, 2);
  EXPECT_EQ(p.heads_q, 12);
  EXPECT_EQ(p.heads_kv, 4);
  EXPECT_EQ(p.seq_q, 100);
  EXPECT_EQ(p.seq_k, 300);
  EXPECT_FLOAT_EQ(p.scale, 1.0f / std::sqrt(128.0f));
  EXPECT_FLOAT_EQ(p.scale_log2, p.scale * 1.4426950408889634f);
  EXPECT_EQ(p.num_splits, 1);
  EXPECT_EQ(p.q.ptr, f.args.q.data);
  EXPECT_EQ(p.q.stride[0], 12 * 100 * 128);
  EXPECT_EQ(p.q.stride[2], 128);
  EXPECT_EQ(p.q.stride[3], 1);
  EXPECT_EQ(p.k.size[2], 300);
  EXPECT_EQ(p.lse.ptr, f.lse.data);
  EXPECT_EQ(p.lse.stride[3], 0); // unused dims have stride 0
  EXPECT_EQ(p.inputs[0].ptr, f.inputs[0].tensor.data);
  EXPECT_EQ(p.inputs[1].size[1], 77);
  EXPECT_EQ(p.inputs[2].ptr, f.inputs[2].tensor.data);
  EXPECT_EQ(p.iparams[0], 1024); // window: default
  EXPECT_EQ(p.iparams[1], 77);   // L: bound from ids/pos
  EXPECT_FLOAT_EQ(p.fparams[0], 30.0f);
}

TEST(Validation, LseIsOptional) {
  KernelSpec spec = makeSpec();
  Fixture f;
  f.args.lse = nullptr;
  Expected<LaunchConfig> c = prepareLaunch(spec, f.args);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->params.lse.ptr, nullptr); // the kernel skips lse on a null pointer
}

TEST(Validation, ExplicitScaleAndParams) {
  KernelSpec spec = makeSpec();
  Fixture f;
  f.params = {ParamValue::integer("window", 256), ParamValue::integer("softcap", 50)};
  f.args.params = f.params;
  f.args.scale = 0.5f;
  Expected<LaunchConfig> c = prepareLaunch(spec, f.args);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->params.iparams[0], 256);
  EXPECT_FLOAT_EQ(c->params.fparams[0], 50.0f); // an int for a float param converts
  EXPECT_FLOAT_EQ(c->params.scale, 0.5f);
  EXPECT_FLOAT_EQ(c->params.scale_log2, 0.5f * 1.4426950408889634f);
  f.params = {ParamValue::real("window", 64.0), ParamValue::real("softcap", 1.0)};
  f.args.params = f.params;
  c = prepareLaunch(spec, f.args);
  ASSERT_TRUE(c) << c.error().message; // an integral real for an int param is accepted
  EXPECT_EQ(c->params.iparams[0], 64);
}

TEST(Validation, StridedViewsAreAccepted) {
  KernelSpec spec = makeSpec();
  Fixture f;
  // q as a [B, N, Hq, D] buffer viewed as [B, Hq, N, D] (torch's transpose(1, 2)).
  f.args.q.strides[0] = 100 * 12 * 128;
  f.args.q.strides[1] = 128;
  f.args.q.strides[2] = 12 * 128;
  Expected<LaunchConfig> c = prepareLaunch(spec, f.args);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->params.q.stride[1], 128);
  EXPECT_EQ(c->params.q.stride[2], 12 * 128);
}

struct BadCase {
  const char *what;
  std::function<void(Fixture &)> mutate;
  const char *message;
};

TEST(Validation, EachBadArgumentIsNamed) {
  KernelSpec spec = makeSpec();
  std::vector<BadCase> cases = {
      {"k dtype", [](Fixture &f) { f.args.k.dtype = DType::F16; }, "k: expected bf16, got f16"},
      {"o dtype", [](Fixture &f) { f.args.o.dtype = DType::F32; }, "o: expected bf16, got f32"},
      {"q last stride", [](Fixture &f) { f.args.q.strides[3] = 3; },
       "q: last dimension must be contiguous (stride 1), got 3"},
      {"q head dim", [](Fixture &f) { f.args.q.shape[3] = 96; },
       "q: head dim 96 does not match the kernel's D=128"},
      {"k head dim", [](Fixture &f) { f.args.k.shape[3] = 64; },
       "k: head dim 64 does not match the kernel's D=128"},
      {"v head dim", [](Fixture &f) { f.args.v.shape[3] = 64; },
       "v: head dim 64 does not match the kernel's Dv=128"},
      {"GQA ratio",
       [](Fixture &f) {
         f.args.k = TensorDesc::contiguous(f.args.k.data, DType::BF16, {2, 5, 300, 128});
         f.args.v = TensorDesc::contiguous(f.args.v.data, DType::BF16, {2, 5, 300, 128});
       },
       "Hq=12 is not a multiple of Hkv=5"},
      {"v alignment", [](Fixture &f) { f.args.v.data = fakePtr(0x20000008); },
       "v: pointer not 16-byte aligned"},
      {"q null", [](Fixture &f) { f.args.q.data = nullptr; }, "q: null data pointer"},
      {"q rank", [](Fixture &f) { f.args.q.rank = 3; },
       "q: expected rank 4 [B, Hq, N, D], got rank 3"},
      {"q empty", [](Fixture &f) { f.args.q.shape[2] = 0; },
       "q: dimension 2 of [B, Hq, N, D] must be in [1, 2^31), got 0"},
      {"k negative stride", [](Fixture &f) { f.args.k.strides[1] = -128; },
       "k: stride of dimension 1 must be non-negative, got -128"},
      {"q row stride", [](Fixture &f) { f.args.q.strides[2] = 132; },
       "q: stride of dimension 2 is 132 elements (264 bytes), not a multiple of 16 bytes"},
      {"k batch",
       [](Fixture &f) {
         f.args.k.shape[0] = 3;
         f.args.v.shape[0] = 3;
       },
       "k: batch 3 does not match q's batch 2"},
      {"v length", [](Fixture &f) { f.args.v.shape[2] = 299; },
       "v: shape [2, 4, 299, 128] does not match k's [2, 4, 300, 128] in [B, Hkv, M]"},
      {"o shape", [](Fixture &f) { f.args.o.shape[2] = 99; },
       "o: shape [2, 12, 99, 128] does not match [B, Hq, N, Dv] = [2, 12, 100, 128]"},
      {"lse dtype", [](Fixture &f) { f.lse.dtype = DType::BF16; }, "lse: expected f32, got bf16"},
      {"lse shape", [](Fixture &f) { f.lse.shape[2] = 101; },
       "lse: shape [2, 12, 101] does not match [B, Hq, N]"},
      {"missing input", [](Fixture &f) { f.inputs.erase(f.inputs.begin() + 1); },
       "missing input 'ids' (i32[B, L])"},
      {"unknown input",
       [](Fixture &f) {
         f.inputs.push_back({"bias", f.inputs[0].tensor});
       },
       "unknown input 'bias' (the kernel's inputs: slopes, ids, pos)"},
      {"duplicate input", [](Fixture &f) { f.inputs.push_back(f.inputs[0]); },
       "input 'slopes' given twice"},
      {"unnamed input", [](Fixture &f) { f.inputs[0].name = nullptr; },
       "an extra input has no name"},
      {"input dtype", [](Fixture &f) { f.inputs[0].tensor.dtype = DType::BF16; },
       "slopes: expected f32, got bf16"},
      {"input rank",
       [](Fixture &f) {
         f.inputs[0].tensor = TensorDesc::contiguous(fakePtr(0x200000), DType::F32, {12, 1});
       },
       "slopes: expected rank 1 [Hq], got rank 2"},
      {"input shape", [](Fixture &f) { f.inputs[0].tensor.shape[0] = 8; },
       "slopes: dimension 0 is 8 but Hq=12 (expected shape [Hq])"},
      {"input batch", [](Fixture &f) { f.inputs[1].tensor.shape[0] = 3; },
       "ids: dimension 0 is 3 but B=2 (expected shape [B, L])"},
      {"dim symbol disagreement", [](Fixture &f) { f.inputs[2].tensor.shape[0] = 5; },
       "pos: dimension 0 is 5 but L=77 (expected shape [L])"},
      {"input alignment", [](Fixture &f) { f.inputs[0].tensor.data = fakePtr(0x200002); },
       "slopes: pointer not 4-byte aligned"},
      {"input null", [](Fixture &f) { f.inputs[2].tensor.data = nullptr; },
       "pos: null data pointer"},
      {"missing param", [](Fixture &f) { f.params.clear(); },
       "missing param 'softcap' (it has no default)"},
      {"unknown param", [](Fixture &f) { f.params.push_back(ParamValue::integer("windw", 3)); },
       "unknown param 'windw' (the kernel's params: window, softcap)"},
      {"duplicate param", [](Fixture &f) { f.params.push_back(ParamValue::real("softcap", 1)); },
       "param 'softcap' given twice"},
      {"fractional int param",
       [](Fixture &f) { f.params.push_back(ParamValue::real("window", 1.5)); },
       "window: expected an integer, got 1.5"},
      {"non-finite float param", [](Fixture &f) { f.params[0].floatValue = NAN; },
       "softcap: expected a finite float, got nan"},
      {"non-finite scale", [](Fixture &f) { f.args.scale = INFINITY; },
       "scale: expected a finite value, got inf"},
      {"splits on prefill", [](Fixture &f) { f.args.numSplits = 2; },
       "num_splits: expected 1 for a prefill kernel, got 2"},
  };
  for (const BadCase &c : cases) {
    std::string msg = errorOf(spec, c.mutate);
    EXPECT_NE(msg.find(c.message), std::string::npos)
        << c.what << ": expected \"" << c.message << "\", got \"" << msg << "\"";
  }
}

TEST(Validation, LseGivenToKernelThatDoesNotWriteIt) {
  KernelSpec spec = makeSpec();
  spec.writesLse = false;
  EXPECT_EQ(errorOf(spec, [](Fixture &) {}), "lse: the kernel does not write lse; pass none");
  EXPECT_EQ(errorOf(spec, [](Fixture &f) { f.args.lse = nullptr; }), "<no error>");
}

TEST(Validation, KernelWithoutExtras) {
  KernelSpec spec = makeSpec();
  spec.inputs.clear();
  spec.params.clear();
  spec.dimSymbols.clear();
  ASSERT_TRUE(spec.verify());
  EXPECT_EQ(errorOf(spec,
                    [](Fixture &f) {
                      f.inputs.resize(1);
                      f.params.clear();
                    }),
            "unknown input 'slopes' (the kernel takes no extra inputs)");
  EXPECT_EQ(errorOf(spec, [](Fixture &f) { f.inputs.clear(); }),
            "unknown param 'softcap' (the kernel takes no params)");
  EXPECT_EQ(errorOf(spec,
                    [](Fixture &f) {
                      f.inputs.clear();
                      f.params.clear();
                    }),
            "<no error>");
}

TEST(Validation, DecodeGridAndWorkspace) {
  KernelSpec spec = makeSpec();
  spec.family = KernelFamily::SoftmaxDecode;
  spec.grid = GridRule::SplitsKvHeadsBatch;
  Fixture f;
  f.args.numSplits = 4;
  EXPECT_EQ(prepareLaunch(spec, f.args).error().message, "workspace: required when num_splits > 1");
  f.args.workspace = fakePtr(0x50000000);
  Expected<LaunchConfig> c = prepareLaunch(spec, f.args);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->grid[0], 4u);
  EXPECT_EQ(c->grid[1], 4u); // Hkv
  EXPECT_EQ(c->grid[2], 2u);
  EXPECT_EQ(c->params.num_splits, 4);
  EXPECT_EQ(c->params.workspace, f.args.workspace);
  spec.grid = GridRule::SplitsHeadsBatch;
  c = prepareLaunch(spec, f.args);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->grid[1], 12u); // Hq
  f.args.numSplits = 0;
  EXPECT_EQ(prepareLaunch(spec, f.args).error().message, "num_splits: expected at least 1, got 0");
}

TEST(Validation, GridLimits) {
  KernelSpec spec = makeSpec();
  spec.inputs.clear();
  spec.params.clear();
  spec.dimSymbols.clear();
  Fixture f;
  f.inputs.clear();
  f.params.clear();
  f.args.inputs = {};
  f.args.params = {};
  f.args.q = TensorDesc::contiguous(fakePtr(), DType::BF16, {1, 70000, 4, 128});
  f.args.k = TensorDesc::contiguous(fakePtr(0x10000000), DType::BF16, {1, 70000, 4, 128});
  f.args.v = f.args.k;
  f.args.o = f.args.q;
  f.lse = TensorDesc::contiguous(fakePtr(0x100000), DType::F32, {1, 70000, 4});
  EXPECT_EQ(prepareLaunch(spec, f.args).error().message,
            "grid y = 70000 heads exceeds CUDA's limit of 65535");
}

TEST(Validation, LinearFamilyIsRefusedForNow) {
  KernelSpec spec = makeSpec();
  spec.family = KernelFamily::Linear;
  Fixture f;
  Expected<LaunchConfig> c = prepareLaunch(spec, f.args);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("linear-family launches are not supported"), std::string::npos);
}

TEST(KernelSpecVerify, RejectsInconsistentSpecs) {
  std::vector<std::pair<std::function<void(KernelSpec &)>, const char *>> cases = {
      {[](KernelSpec &s) { s.entryName.clear(); }, "empty entry name"},
      {[](KernelSpec &s) { s.grid = static_cast<GridRule>(7); }, "unknown grid rule 7"},
      {[](KernelSpec &s) { s.family = static_cast<KernelFamily>(-1); }, "unknown family -1"},
      {[](KernelSpec &s) { s.inputs[0].dtype = static_cast<DType>(42); },
       "input 'slopes' has unknown dtype 42"},
      {[](KernelSpec &s) { s.headDim = 0; }, "head dims must be positive"},
      {[](KernelSpec &s) { s.blockM = 0; }, "block sizes must be positive"},
      {[](KernelSpec &s) { s.threadsPerBlock = 2048; }, "threads per block must be in [1, 1024]"},
      {[](KernelSpec &s) { s.vectorBytes = 12; }, "vector bytes must be a power of two"},
      {[](KernelSpec &s) { s.params[1].name = "window"; },
       "param name 'window' is empty, reserved or repeated"},
      {[](KernelSpec &s) { s.params[0].name = "Hq"; },
       "param name 'Hq' is empty, reserved or repeated"},
      {[](KernelSpec &s) { s.params[0].slot = 8; }, "param 'window' has slot 8 outside [0, 8)"},
      {[](KernelSpec &s) { s.params[1].isFloat = false; }, "param 'softcap' reuses slot 0"},
      {[](KernelSpec &s) { s.dimSymbols[0].slot = 0; },
       "dim symbol 'L' has a bad or reused int slot 0"},
      {[](KernelSpec &s) { s.inputs[0].dims = {"Q"}; }, "input 'slopes' uses unknown dim 'Q'"},
      {[](KernelSpec &s) { s.inputs[0].dims = {}; }, "input 'slopes' has rank 0"},
      {[](KernelSpec &s) { s.inputs[1].name = "pos"; },
       "input name 'pos' is empty, reserved or repeated"},
      {[](KernelSpec &s) { s.inputs.resize(9, s.inputs[0]); }, "9 extra inputs, at most 8"},
      {[](KernelSpec &s) { s.inputs.erase(s.inputs.begin() + 1, s.inputs.end()); },
       "dim symbol 'L' appears in no input shape"},
  };
  ASSERT_TRUE(makeSpec().verify());
  for (auto &[mutate, message] : cases) {
    KernelSpec s = makeSpec();
    mutate(s);
    Status st = s.verify();
    ASSERT_FALSE(st) << message;
    EXPECT_NE(st.error().message.find(message), std::string::npos)
        << "expected \"" << message << "\", got \"" << st.error().message << "\"";
  }
  KernelSpec literal = makeSpec();
  literal.inputs[0].dims = {"12"};
  EXPECT_TRUE(literal.verify()); // literal sizes are allowed
}

TEST(Validation, LiteralInputDims) {
  KernelSpec spec = makeSpec();
  spec.inputs[0].dims = {"12"};
  EXPECT_EQ(errorOf(spec, [](Fixture &) {}), "<no error>");
  EXPECT_EQ(errorOf(spec, [](Fixture &f) { f.inputs[0].tensor.shape[0] = 6; }),
            "slopes: dimension 0 is 6 but the kernel fixes it to 12 (expected shape [12])");
}

TEST(Validation, BlockMapWorkspaceIsSizedAndRequired) {
  KernelSpec spec = makeSpec();
  spec.blockMap = {"attnc_alibi_window_blockmap", 128, /*perBatch=*/true, /*perHead=*/false};
  ASSERT_TRUE(spec.verify());
  // B=2 planes x ceil(100/64)=2 query blocks x ceil(300/64)=5 key blocks, rounded up to
  // 16 bytes, then per plane and query block an 8-byte key range, a cost and a rank, then
  // a counter per plane and two claim counters.
  EXPECT_EQ(blockMapBytes(spec, 2, 12, 100, 300), 32 + 2 * 2 * 16 + (2 + 2) * 4);
  EXPECT_EQ(blockMapCounters(spec, 2, 12, 100, 300).offset, 32 + 2 * 2 * 16);
  EXPECT_EQ(blockMapCounters(spec, 2, 12, 100, 300).bytes, (2 + 2) * 4);
  spec.blockMap.perHead = true;
  EXPECT_EQ(blockMapBytes(spec, 2, 12, 100, 300), 240 + 2 * 12 * 2 * 16 + (24 + 2) * 4);
  spec.blockMap.perHead = false;

  std::string missing = errorOf(spec, [](Fixture &) {});
  EXPECT_NE(missing.find("block_map: kernel 'attnc_alibi_window' has a data-dependent mask and "
                         "needs a workspace of 112 bytes (blockMapBytes), got none"),
            std::string::npos)
      << missing;
  std::string small = errorOf(spec, [](Fixture &f) {
    f.args.blockMap = fakePtr(0x500000);
    f.args.blockMapCapacity = 111;
  });
  EXPECT_NE(small.find("needs a workspace of 112 bytes (blockMapBytes), got 111"), std::string::npos)
      << small;

  Fixture f;
  f.args.blockMap = fakePtr(0x500000);
  f.args.blockMapCapacity = 112;
  Expected<LaunchConfig> c = prepareLaunch(spec, f.args);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->params.block_map, fakePtr(0x500000));
  EXPECT_EQ(c->params.block_map_stride, 5);
  EXPECT_EQ(c->blockMapGrid[0], 2u);
  EXPECT_EQ(c->blockMapGrid[1], 2u);
  EXPECT_EQ(c->blockMapGrid[2], 1u);
  EXPECT_EQ(c->blockMapCountersOffset, 96);
  EXPECT_EQ(c->blockMapCountersBytes, 16);
}

TEST(Validation, KernelWithoutBlockMapNeedsNoWorkspace) {
  EXPECT_EQ(blockMapBytes(makeSpec(), 2, 12, 100, 300), 0);
}

TEST(Validation, ReusedBlockMapNeedsADataDependentMask) {
  EXPECT_EQ(errorOf(makeSpec(), [](Fixture &f) { f.args.blockMapBuilt = true; }),
            "block_map_built: kernel 'attnc_alibi_window' has no data-dependent mask, so there "
            "is no block map to reuse");
  KernelSpec spec = makeSpec();
  spec.blockMap = {"attnc_alibi_window_blockmap", 128, /*perBatch=*/true, /*perHead=*/false};
  // Reusing still needs the workspace the map lives in.
  std::string missing = errorOf(spec, [](Fixture &f) { f.args.blockMapBuilt = true; });
  EXPECT_NE(missing.find("needs a workspace of 112 bytes (blockMapBytes), got none"),
            std::string::npos)
      << missing;
}
