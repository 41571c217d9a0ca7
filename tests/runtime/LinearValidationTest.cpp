//===- LinearValidationTest.cpp - Linear launch checks, without a GPU -----===//
//
// prepareLinearLaunch is pure, so every bad argument is tested on fake (but aligned)
// device pointers: each case changes one thing in a good launch and pins the message.
// The good launches check the AttncLinearParams fill and the grid in both layouts, with
// packed sequences, and the spec's text form round trip.
//
//===----------------------------------------------------------------------===//
#include "attnc/Runtime/LinearLaunch.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

using namespace attnc::runtime;

namespace {

void *fakePtr(uintptr_t offset) { return reinterpret_cast<void *>(0x7f0000000000 + offset); }

KernelSpec linearSpec(LinearGate gate, const std::string &input, std::vector<std::string> dims) {
  KernelSpec s;
  s.family = KernelFamily::Linear;
  s.entryName = "attnc_simple_gla";
  s.dtype = DType::BF16;
  s.headDim = 128;
  s.headDimV = 128;
  s.blockM = 64;
  s.blockN = 32;
  s.threadsPerBlock = 128;
  s.dynamicSmemBytes = 98816;
  s.linear = {gate, 64, input};
  if (!input.empty())
    s.inputs = {{input, DType::F32, std::move(dims)}};
  return s;
}

KernelSpec tokenSpec() { return linearSpec(LinearGate::PerToken, "g", {"B", "Hq", "N"}); }

/// q/k/v/o [B=2, H=3, T=1000, 128] in [B, T, H, D] storage, g [2, 3, 1000], states.
struct Fixture {
  static TensorDesc tokenMajor(void *p, DType dt, int64_t B, int64_t H, int64_t T, int64_t D) {
    TensorDesc t;
    t.data = p;
    t.dtype = dt;
    t.rank = 4;
    int64_t shape[] = {B, H, T, D}, strides[] = {T * H * D, D, H * D, 1};
    for (int d = 0; d < 4; ++d) {
      t.shape[d] = shape[d];
      t.strides[d] = strides[d];
    }
    return t;
  }
  TensorDesc s0 = TensorDesc::contiguous(fakePtr(0x500000), DType::F32, {2, 3, 128, 128});
  TensorDesc s1 = TensorDesc::contiguous(fakePtr(0x600000), DType::F32, {2, 3, 128, 128});
  std::vector<NamedTensor> inputs = {
      {"g", TensorDesc::contiguous(fakePtr(0x700000), DType::F32, {2, 3, 1000})}};
  LinearLaunchArgs args;
  Fixture() {
    args.q = tokenMajor(fakePtr(0x100000), DType::BF16, 2, 3, 1000, 128);
    args.k = tokenMajor(fakePtr(0x200000), DType::BF16, 2, 3, 1000, 128);
    args.v = tokenMajor(fakePtr(0x300000), DType::BF16, 2, 3, 1000, 128);
    args.o = tokenMajor(fakePtr(0x400000), DType::BF16, 2, 3, 1000, 128);
    args.stateIn = &s0;
    args.stateOut = &s1;
    args.inputs = inputs;
  }
};

/// Expects prepareLinearLaunch to fail with a message containing `needle` after `mutate`.
void expectError(const std::function<void(Fixture &, KernelSpec &)> &mutate,
                 const std::string &needle) {
  Fixture f;
  KernelSpec spec = tokenSpec();
  mutate(f, spec);
  f.args.inputs = f.inputs;
  Expected<LinearLaunchConfig> c = prepareLinearLaunch(spec, f.args);
  ASSERT_FALSE(c) << "expected an error containing: " << needle;
  EXPECT_NE(c.error().message.find(needle), std::string::npos) << c.error().message;
}

} // namespace

TEST(LinearValidation, GoodLaunchFillsParamsAndGrid) {
  Fixture f;
  Expected<LinearLaunchConfig> c = prepareLinearLaunch(tokenSpec(), f.args);
  ASSERT_TRUE(c) << c.error().message;
  const AttncLinearParams &p = c->params;
  EXPECT_EQ(p.q.ptr, f.args.q.data);
  EXPECT_EQ(p.q.stride[1], 128); // [B, T, H, D] storage read as [B, H, T, D]
  EXPECT_EQ(p.q.stride[2], 3 * 128);
  EXPECT_EQ(p.g.ptr, f.inputs[0].tensor.data);
  EXPECT_EQ(p.g.stride[2], 1);
  EXPECT_EQ(p.state_in, f.s0.data);
  EXPECT_EQ(p.state_out, f.s1.data);
  EXPECT_EQ(p.cu_seqlens, nullptr);
  EXPECT_EQ(p.head_log_decay, nullptr);
  EXPECT_EQ(p.num_seqs, 2);
  EXPECT_EQ(p.heads, 3);
  EXPECT_EQ(p.seq_len, 1000);
  EXPECT_FLOAT_EQ(p.scale, 1.0f / std::sqrt(128.0f));
  EXPECT_EQ(c->grid[0], 2u); // V / slice = 128 / 64
  EXPECT_EQ(c->grid[1], 3u);
  EXPECT_EQ(c->grid[2], 2u);
  EXPECT_EQ(c->block[0], 128u);
  EXPECT_EQ(c->dynamicSmemBytes, 98816u);
}

TEST(LinearValidation, PackedSequences) {
  Fixture f;
  TensorDesc cu = TensorDesc::contiguous(fakePtr(0x800000), DType::I32, {5});
  for (TensorDesc *t : {&f.args.q, &f.args.k, &f.args.v, &f.args.o})
    *t = TensorDesc::contiguous(t->data, DType::BF16, {1, 3, 1537, 128});
  f.inputs[0].tensor = TensorDesc::contiguous(fakePtr(0x700000), DType::F32, {1, 3, 1537});
  f.args.inputs = f.inputs;
  TensorDesc s0 = TensorDesc::contiguous(fakePtr(0x500000), DType::F32, {4, 3, 128, 128});
  f.args.stateIn = &s0;
  f.args.stateOut = nullptr;
  f.args.cuSeqlens = &cu;
  Expected<LinearLaunchConfig> c = prepareLinearLaunch(tokenSpec(), f.args);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->params.num_seqs, 4);
  EXPECT_EQ(c->grid[2], 4u);
  EXPECT_EQ(c->params.cu_seqlens, cu.data);
  EXPECT_EQ(c->params.state_out, nullptr);
}

TEST(LinearValidation, PlainAndPerHeadKernels) {
  Fixture f;
  f.args.inputs = {};
  KernelSpec plain = linearSpec(LinearGate::None, "", {});
  EXPECT_TRUE(prepareLinearLaunch(plain, f.args));
  KernelSpec retnet = linearSpec(LinearGate::PerHead, "", {});
  EXPECT_TRUE(prepareLinearLaunch(retnet, f.args));
  KernelSpec lightning = linearSpec(LinearGate::PerHead, "slopes", {"Hq"});
  std::vector<NamedTensor> slopes = {
      {"slopes", TensorDesc::contiguous(fakePtr(0x900000), DType::F32, {3})}};
  f.args.inputs = slopes;
  Expected<LinearLaunchConfig> c = prepareLinearLaunch(lightning, f.args);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->params.g.ptr, slopes[0].tensor.data);
  slopes[0].tensor.shape[0] = 4;
  f.args.inputs = slopes;
  Expected<LinearLaunchConfig> bad = prepareLinearLaunch(lightning, f.args);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("slopes: dimension 0 is 4 but Hq=3"), std::string::npos)
      << bad.error().message;
}

TEST(LinearValidation, BadDtype) {
  expectError([](Fixture &f, KernelSpec &) { f.args.k.dtype = DType::F16; },
              "k: expected bf16, got f16");
  expectError([](Fixture &f, KernelSpec &) { f.inputs[0].tensor.dtype = DType::BF16; },
              "g: expected f32, got bf16");
  expectError(
      [](Fixture &f, KernelSpec &) {
        static TensorDesc s =
            TensorDesc::contiguous(fakePtr(0x500000), DType::BF16, {2, 3, 128, 128});
        f.args.stateIn = &s;
      },
      "state_in: expected f32, got bf16");
}

TEST(LinearValidation, BadStrides) {
  expectError([](Fixture &f, KernelSpec &) { f.args.v.strides[3] = 2; },
              "v: last dimension must be contiguous (stride 1), got 2");
  expectError([](Fixture &f, KernelSpec &) { f.args.q.strides[2] = 3 * 128 + 1; },
              "q: stride of dimension 2 is 385 elements (770 bytes), not a multiple of 16 bytes");
  expectError([](Fixture &f, KernelSpec &) { f.args.o.strides[1] = -128; },
              "o: stride of dimension 1 must be non-negative");
  expectError(
      [](Fixture &f, KernelSpec &) {
        static TensorDesc s =
            TensorDesc::contiguous(fakePtr(0x600000), DType::F32, {2, 3, 128, 128});
        s.strides[2] = 256;
        f.args.stateOut = &s;
      },
      "state_out: expected a contiguous [N, H, K, V] state, got stride 256 in dimension 2");
  expectError([](Fixture &f, KernelSpec &) { f.args.k.data = fakePtr(0x200008); },
              "k: pointer not 16-byte aligned");
}

TEST(LinearValidation, HeadDimMismatch) {
  expectError([](Fixture &f, KernelSpec &) { f.args.k.shape[3] = 64; },
              "k: head dim 64 does not match the kernel's K=128");
  expectError([](Fixture &f, KernelSpec &) { f.args.q.shape[3] = 64; },
              "q: head dim 64 does not match the kernel's K=128");
  expectError([](Fixture &f, KernelSpec &) { f.args.v.shape[3] = 64; },
              "v: head dim 64 does not match the kernel's V=128");
}

TEST(LinearValidation, BadShapes) {
  expectError([](Fixture &f, KernelSpec &) { f.args.k.shape[1] = 1; },
              "k: shape [2, 1, 1000, 128] does not match q's [B, H, T] = [2, 3, 1000]");
  expectError([](Fixture &f, KernelSpec &) { f.inputs[0].tensor.shape[2] = 999; },
              "g: dimension 2 is 999 but N=1000");
  expectError(
      [](Fixture &f, KernelSpec &) {
        static TensorDesc s =
            TensorDesc::contiguous(fakePtr(0x500000), DType::F32, {2, 3, 64, 128});
        f.args.stateIn = &s;
      },
      "state_in: shape [2, 3, 64, 128] does not match [N, H, K, V] = [2, 3, 128, 128]");
  expectError(
      [](Fixture &f, KernelSpec &) {
        static TensorDesc cu = TensorDesc::contiguous(fakePtr(0x800000), DType::I32, {3});
        f.args.cuSeqlens = &cu;
      },
      "cu_seqlens: packed sequences live in batch row 0, so q's batch must be 1, got 2");
}

TEST(LinearValidation, GateInputs) {
  expectError([](Fixture &f, KernelSpec &) { f.inputs.clear(); },
              "missing input 'g' (f32[B, Hq, N])");
  expectError([](Fixture &f, KernelSpec &) { f.inputs[0].name = "beta"; },
              "unknown input 'beta' (the kernel's gate input is 'g')");
  expectError([](Fixture &f, KernelSpec &) { f.inputs.push_back(f.inputs[0]); },
              "input 'g' given twice");
  expectError([](Fixture &, KernelSpec &s) { s.family = KernelFamily::SoftmaxPrefill; },
              "launch it with prepareLaunch");
}

TEST(LinearValidation, SpecChecksAndTextForm) {
  KernelSpec spec = tokenSpec();
  ASSERT_TRUE(spec.verify());
  Expected<KernelSpec> back = parseKernelSpec(serializeKernelSpec(spec));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->linear.gate, LinearGate::PerToken);
  EXPECT_EQ(back->linear.sliceV, 64);
  EXPECT_EQ(back->linear.gateInput, "g");
  EXPECT_NE(serializeKernelSpec(spec).find("linear per-token 64 g\n"), std::string::npos);

  KernelSpec badSlice = spec;
  badSlice.linear.sliceV = 96;
  Status st = badSlice.verify();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("V slice 96 does not divide V=128"), std::string::npos);
  KernelSpec noInput = linearSpec(LinearGate::PerChannel, "", {});
  st = noInput.verify();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("per-channel gates need a gate input"), std::string::npos);
}

namespace {

/// tokenSpec with the decay family's state pre-pass and `segments` per sequence.
KernelSpec splitSpec(int segments) {
  KernelSpec s = tokenSpec();
  s.linear.segments = segments;
  s.linear.segmentBytes = 128 * 129 * 4;
  s.linear.splitStages = {
      {"attnc_simple_gla_segment_state", LinearStageGrid::SlicesHeadsEarlierSegments, 128, 98816},
      {"attnc_simple_gla_segment_fold", LinearStageGrid::SlicesHeadsSequences, 128, 0}};
  return s;
}

} // namespace

TEST(LinearValidation, SplitLaunchRunsTheStagesFirstAndChecksTheWorkspace) {
  Fixture f;
  const KernelSpec spec = splitSpec(4);
  Expected<int64_t> need = linearWorkspaceBytes(spec, f.args, {});
  ASSERT_TRUE(need) << need.error().message;
  EXPECT_EQ(*need, 2 * 3 * 3 * 128 * 129 * 4); // N x H x (P - 1) records
  Expected<LinearLaunchConfig> missing = prepareLinearLaunch(spec, f.args);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("workspace: this launch splits each sequence into 4 "
                                         "segments and needs 1188864 bytes"),
            std::string::npos)
      << missing.error().message;
  f.args.workspace = fakePtr(0xa00000);
  f.args.workspaceCapacity = *need - 1;
  EXPECT_FALSE(prepareLinearLaunch(spec, f.args));
  f.args.workspaceCapacity = *need;
  Expected<LinearLaunchConfig> c = prepareLinearLaunch(spec, f.args);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->segments, 4);
  EXPECT_EQ(c->params.num_segments, 4);
  EXPECT_EQ(c->params.workspace, f.args.workspace);
  EXPECT_EQ(c->grid[2], 8u); // sequences x P
  ASSERT_EQ(c->numStages, 2);
  EXPECT_EQ(c->stages[0].stage, 0);
  EXPECT_EQ(c->stages[1].stage, 1);
  EXPECT_EQ(c->stages[1].grid[2], 2u); // the fold: one CTA per (V slice, head, sequence)
  EXPECT_EQ(c->stages[1].dynamicSmemBytes, 0u);
  EXPECT_EQ(c->stages[0].grid[0], 2u);
  EXPECT_EQ(c->stages[0].grid[1], 3u);
  EXPECT_EQ(c->stages[0].grid[2], 6u); // sequences x (P - 1)
  EXPECT_EQ(c->stages[0].block[0], 128u);
  EXPECT_EQ(c->stages[0].dynamicSmemBytes, 98816u);
  f.args.workspace = fakePtr(0xa00008);
  Expected<LinearLaunchConfig> misaligned = prepareLinearLaunch(spec, f.args);
  ASSERT_FALSE(misaligned);
  EXPECT_NE(misaligned.error().message.find("workspace: pointer not 16-byte aligned"),
            std::string::npos);
}

TEST(LinearValidation, OneSegmentIsTheOneKernelPath) {
  Fixture f;
  Expected<LinearLaunchConfig> c = prepareLinearLaunch(splitSpec(1), f.args);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->numStages, 0);
  EXPECT_EQ(c->params.num_segments, 1);
  EXPECT_EQ(c->params.workspace, nullptr);
  EXPECT_EQ(c->grid[2], 2u);
  EXPECT_EQ(*linearWorkspaceBytes(splitSpec(1), f.args, {}), 0);
}

TEST(LinearValidation, AutomaticSegmentsFillTheSms) {
  const KernelSpec spec = splitSpec(0); // 98816 B of shared memory: two CTAs per H100 SM
  const LinearDeviceShape h100{132, 233472};
  // 2 V slices x 16 heads x 2 sequences = 64 CTAs for 264 slots: 4 segments.
  EXPECT_EQ(linearSegmentsFor(spec, 2, 16, 2 * 16384, h100), 4);
  // One CTA per SM (GLA's 162 KB): 132 slots, 2 segments.
  KernelSpec wide = splitSpec(0);
  wide.dynamicSmemBytes = 165888;
  EXPECT_EQ(linearSegmentsFor(wide, 2, 16, 2 * 16384, h100), 2);
  // Half the slots busy already (128 CTAs of 132), or no device: one kernel.
  EXPECT_EQ(linearSegmentsFor(wide, 4, 16, 4 * 8192, h100), 1);
  EXPECT_EQ(linearSegmentsFor(spec, 8, 16, 8 * 4096, h100), 1);
  EXPECT_EQ(linearSegmentsFor(spec, 2, 16, 2 * 16384, LinearDeviceShape{}), 1);
  // Short sequences keep kMinSegmentChunks chunks per segment: 1000 tokens = 16 chunks.
  EXPECT_EQ(linearSegmentsFor(spec, 2, 3, 2 * 1000, h100), 2);
  EXPECT_EQ(linearSegmentsFor(spec, 2, 3, 2 * 100, h100), 1);
  // A kernel without split stages never splits; a fixed count is kept.
  EXPECT_EQ(linearSegmentsFor(tokenSpec(), 2, 16, 2 * 16384, h100), 1);
  EXPECT_EQ(linearSegmentsFor(splitSpec(3), 2, 16, 2 * 16384, h100), 3);
  Fixture f;
  Expected<LinearLaunchConfig> c = prepareLinearLaunch(spec, f.args, h100);
  ASSERT_FALSE(c) << "an automatic split needs its workspace too";
}

TEST(LinearValidation, StatePiecesFillThePrePass) {
  const LinearDeviceShape h100{132, 233472};
  KernelSpec wide = splitSpec(0); // GLA's 162 KB: one CTA per SM, 132 slots
  wide.dynamicSmemBytes = 165888;
  // P = 2 at B = 2, H = 16: 64 pre-pass CTAs walking 128 chunks each; two pieces fill 128.
  EXPECT_EQ(linearStatePiecesFor(wide, 2, 16, 2 * 16384, 2, h100), 2);
  // 4 segments of 2 V slices x 16 heads x 2 sequences: 192 pre-pass CTAs already.
  const KernelSpec spec = splitSpec(0);
  EXPECT_EQ(linearStatePiecesFor(spec, 2, 16, 2 * 16384, 4, h100), 1);
  // Few heads: 264 slots over 4 CTAs, capped by kMinSegmentChunks (64 chunks per segment).
  EXPECT_EQ(linearStatePiecesFor(spec, 1, 2, 8192, 2, h100), 8);
  EXPECT_EQ(linearStatePiecesFor(spec, 1, 2, 1 << 20, 2, h100), kMaxStatePieces);
  // No split, or no device: one piece.
  EXPECT_EQ(linearStatePiecesFor(spec, 1, 2, 8192, 1, h100), 1);
  EXPECT_EQ(linearStatePiecesFor(spec, 1, 2, 8192, 2, LinearDeviceShape{}), 1);

  // The launch: the pre-pass grid and the workspace grow by R, the params carry it.
  Fixture f; // B = 2, H = 3, T = 1000 (16 chunks): P = 2, 8 chunks per segment, R = 1
  const KernelSpec two = splitSpec(2);
  Expected<int64_t> need = linearWorkspaceBytes(two, f.args, h100);
  ASSERT_TRUE(need) << need.error().message;
  EXPECT_EQ(*need, 2 * 3 * 1 * 128 * 129 * 4);
  f.args.workspace = fakePtr(0xa00000);
  f.args.workspaceCapacity = *need;
  Expected<LinearLaunchConfig> c = prepareLinearLaunch(two, f.args, h100);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->statePieces, 1);
  EXPECT_EQ(c->params.state_pieces, 1);
  EXPECT_EQ(c->stages[0].grid[2], 2u);
}

TEST(LinearValidation, SplitSpecChecksAndTextForm) {
  KernelSpec spec = splitSpec(0);
  ASSERT_TRUE(spec.verify());
  const std::string text = serializeKernelSpec(spec);
  EXPECT_NE(text.find("linear per-token 64 g 0 66048\n"), std::string::npos) << text;
  EXPECT_NE(text.find("linear_stage attnc_simple_gla_segment_state "
                      "slices-heads-earlier-segments 128 98816\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("linear_stage attnc_simple_gla_segment_fold slices-heads-sequences 128 0\n"),
            std::string::npos)
      << text;
  Expected<KernelSpec> back = parseKernelSpec(text);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(serializeKernelSpec(*back), text);
  EXPECT_EQ(back->linear.segments, 0);
  EXPECT_EQ(back->linear.segmentBytes, 66048);
  ASSERT_EQ(back->linear.splitStages.size(), 2u);
  EXPECT_EQ(back->linear.splitStages[1].grid, LinearStageGrid::SlicesHeadsSequences);
  EXPECT_EQ(back->linear.splitStages[0].grid, LinearStageGrid::SlicesHeadsEarlierSegments);

  KernelSpec noStages = tokenSpec();
  noStages.linear.segments = 4;
  Status st = noStages.verify();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("4 segments need split stages"), std::string::npos);
  KernelSpec badBytes = splitSpec(2);
  badBytes.linear.segmentBytes = 100;
  st = badBytes.verify();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("must be a positive multiple of 16"), std::string::npos);
}

namespace {

/// Workspace bytes per token of the delta rule at K = V = 128, chunk 64: W, U, P (bf16)
/// and the cumulative decay (fp32).
constexpr int64_t kDeltaTokenBytes = 2 * 128 + 2 * 128 + 2 * 64 + 4;

/// The gated delta rule: g and beta, both f32 [B, H, T]; the prepare stage runs always.
KernelSpec gatedDeltaSpec() {
  KernelSpec s = tokenSpec();
  s.entryName = "attnc_gated_deltanet";
  s.blockN = 16;
  s.dynamicSmemBytes = 156160;
  s.linear.betaInput = "beta";
  s.linear.tokenBytes = kDeltaTokenBytes;
  s.linear.splitStages = {{"attnc_gated_deltanet_prepare", LinearStageGrid::ChunksHeadsSequences,
                           128, 100864, LinearStageWhen::Always}};
  s.inputs.push_back({"beta", DType::F32, {"B", "Hq", "N"}});
  return s;
}

/// A workspace big enough for any launch of these tests.
void giveWorkspace(LinearLaunchArgs &args) {
  args.workspace = fakePtr(0x10000000);
  args.workspaceCapacity = int64_t(1) << 30;
}

/// beta [2, 3, 1000] in [B, T, H] storage (a strided view), like the fixture's q.
TensorDesc tokenMajorBeta(int64_t B, int64_t H, int64_t T) {
  TensorDesc t = TensorDesc::contiguous(fakePtr(0xa00000), DType::F32, {B, H, T});
  t.strides[0] = T * H;
  t.strides[1] = 1;
  t.strides[2] = H;
  return t;
}

} // namespace

TEST(LinearValidation, DeltaRuleBindsBeta) {
  Fixture f;
  f.inputs.push_back({"beta", tokenMajorBeta(2, 3, 1000)});
  f.args.inputs = f.inputs;
  giveWorkspace(f.args);
  Expected<LinearLaunchConfig> c = prepareLinearLaunch(gatedDeltaSpec(), f.args);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->params.g.ptr, f.inputs[0].tensor.data);
  EXPECT_EQ(c->params.beta.ptr, f.inputs[1].tensor.data);
  EXPECT_EQ(c->params.beta.stride[1], 1);
  EXPECT_EQ(c->params.beta.stride[2], 3);

  // Plain delta rule, [B, H, T] storage, inputs in either order.
  KernelSpec plain = gatedDeltaSpec();
  plain.linear.gate = LinearGate::None;
  plain.linear.gateInput.clear();
  plain.inputs = {{"beta", DType::F32, {"B", "Hq", "N"}}};
  std::vector<NamedTensor> beta = {
      {"beta", TensorDesc::contiguous(fakePtr(0xa00000), DType::F32, {2, 3, 1000})}};
  f.args.inputs = beta;
  c = prepareLinearLaunch(plain, f.args);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->params.beta.stride[2], 1);
  EXPECT_EQ(c->params.g.ptr, nullptr);
}

TEST(LinearValidation, DeltaRulePackedSequences) {
  Fixture f;
  TensorDesc cu = TensorDesc::contiguous(fakePtr(0x800000), DType::I32, {5});
  for (TensorDesc *t : {&f.args.q, &f.args.k, &f.args.v, &f.args.o})
    *t = Fixture::tokenMajor(t->data, DType::BF16, 1, 3, 1537, 128);
  f.inputs[0].tensor = TensorDesc::contiguous(fakePtr(0x700000), DType::F32, {1, 3, 1537});
  f.inputs.push_back({"beta", tokenMajorBeta(1, 3, 1537)});
  f.args.inputs = f.inputs;
  TensorDesc s0 = TensorDesc::contiguous(fakePtr(0x500000), DType::F32, {4, 3, 128, 128});
  f.args.stateIn = &s0;
  f.args.stateOut = nullptr;
  f.args.cuSeqlens = &cu;
  giveWorkspace(f.args);
  Expected<LinearLaunchConfig> c = prepareLinearLaunch(gatedDeltaSpec(), f.args);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->params.num_seqs, 4);
  EXPECT_EQ(c->params.beta.ptr, f.inputs[1].tensor.data);
  // The prepare stage's packed grid: floor(1537 / 64) + 4 blocks cover every sequence's
  // chunks (LinearDeltaWorkspace.cuh); one packed batch row.
  ASSERT_EQ(c->numStages, 1);
  EXPECT_EQ(c->stages[0].grid[0], 1537u / 64 + 4);
  EXPECT_EQ(c->stages[0].grid[1], 3u);
  EXPECT_EQ(c->stages[0].grid[2], 1u);
  EXPECT_EQ(*linearWorkspaceBytes(gatedDeltaSpec(), f.args, {}), 3 * 1537 * kDeltaTokenBytes);

  f.inputs[1].tensor = tokenMajorBeta(1, 3, 1536);
  f.args.inputs = f.inputs;
  Expected<LinearLaunchConfig> bad = prepareLinearLaunch(gatedDeltaSpec(), f.args);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message,
            "beta: dimension 2 is 1536 but N=1537 (expected shape [B, Hq, N])");
}

TEST(LinearValidation, DeltaRuleBetaErrors) {
  auto expectDeltaError = [](const std::function<void(Fixture &)> &mutate,
                             const std::string &needle) {
    Fixture f;
    f.inputs.push_back({"beta", tokenMajorBeta(2, 3, 1000)});
    giveWorkspace(f.args);
    mutate(f);
    f.args.inputs = f.inputs;
    Expected<LinearLaunchConfig> c = prepareLinearLaunch(gatedDeltaSpec(), f.args);
    ASSERT_FALSE(c) << "expected an error containing: " << needle;
    EXPECT_NE(c.error().message.find(needle), std::string::npos) << c.error().message;
  };
  expectDeltaError([](Fixture &f) { f.inputs.pop_back(); }, "missing input 'beta' (f32[B, Hq, N])");
  expectDeltaError([](Fixture &f) { f.inputs[1].tensor.dtype = DType::BF16; },
                   "beta: expected f32, got bf16");
  expectDeltaError([](Fixture &f) { f.inputs[1].tensor.shape[1] = 4; },
                   "beta: dimension 1 is 4 but Hq=3");
  expectDeltaError([](Fixture &f) { f.inputs[1].tensor.strides[2] = -3; },
                   "beta: stride of dimension 2 must be non-negative");
  expectDeltaError([](Fixture &f) { f.inputs[1].tensor.data = fakePtr(0xa00002); },
                   "beta: pointer not 4-byte aligned");
  expectDeltaError([](Fixture &f) { f.inputs.push_back(f.inputs[1]); }, "input 'beta' given twice");
  expectDeltaError([](Fixture &f) { f.args.workspace = nullptr; },
                   "workspace: the stages this kernel always runs need 3864000 bytes");
  expectDeltaError([](Fixture &f) { f.inputs[1].name = "b2"; },
                   "unknown input 'b2' (the kernel's gate input is 'g' and its beta input "
                   "'beta')");
}

TEST(LinearValidation, DeltaRuleSpecChecksAndTextForm) {
  KernelSpec spec = gatedDeltaSpec();
  ASSERT_TRUE(spec.verify());
  const std::string text = serializeKernelSpec(spec);
  EXPECT_NE(text.find("linear per-token 64 g\n"), std::string::npos) << text;
  EXPECT_NE(text.find("linear_stage attnc_gated_deltanet_prepare chunks-heads-sequences 128 "
                      "100864 always\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("linear_delta beta 644\n"), std::string::npos) << text;
  Expected<KernelSpec> back = parseKernelSpec(text);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->linear.betaInput, "beta");
  EXPECT_EQ(back->linear.tokenBytes, kDeltaTokenBytes);
  ASSERT_EQ(back->linear.splitStages.size(), 1u);
  EXPECT_EQ(back->linear.splitStages[0].when, LinearStageWhen::Always);
  EXPECT_FALSE(back->linear.canSplit());
  EXPECT_EQ(serializeKernelSpec(*back), text);

  KernelSpec channel = spec;
  channel.linear.gate = LinearGate::PerChannel;
  Status st = channel.verify();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("the delta rule is plain or gated per token"),
            std::string::npos);
  KernelSpec noSlot = spec;
  noSlot.inputs.pop_back();
  st = noSlot.verify();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("its beta input"), std::string::npos) << st.error().message;
  KernelSpec noStage = spec;
  noStage.linear.splitStages.clear();
  st = noStage.verify();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("workspace bytes per token"), std::string::npos)
      << st.error().message;
  KernelSpec noBytes = spec;
  noBytes.linear.tokenBytes = 0;
  EXPECT_FALSE(noBytes.verify());
  KernelSpec alsoSplit = spec;
  alsoSplit.linear.splitStages.push_back(
      {"attnc_x_segment_fold", LinearStageGrid::SlicesHeadsSequences, 128, 0});
  alsoSplit.linear.segmentBytes = 16;
  st = alsoSplit.verify();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("cannot also split sequences"), std::string::npos)
      << st.error().message;
}
