//===- LinearMlstmValidationTest.cpp - mLSTM launch checks, without a GPU -===//
//
// The mLSTM kinds read two gate inputs (forget into p.g, input into p.igate) and carry a
// normaliser n [N, H, K] next to C, plus the stabiliser m [N, H] with the exponential input
// gate. A good launch checks the fill; each bad case changes one thing and pins the
// message. The spec's text form carries the input-gate input and round-trips.
//
//===----------------------------------------------------------------------===//
#include "attnc/Runtime/LinearLaunch.h"

#include <gtest/gtest.h>

#include <functional>

using namespace attnc::runtime;

namespace {

void *fakePtr(uintptr_t offset) { return reinterpret_cast<void *>(0x7f0000000000 + offset); }

KernelSpec mlstmSpec(LinearGate gate) {
  KernelSpec s;
  s.family = KernelFamily::Linear;
  s.entryName = "attnc_mlstm";
  s.dtype = DType::BF16;
  s.headDim = 128;
  s.headDimV = 128;
  s.blockM = 64;
  s.blockN = 32;
  s.threadsPerBlock = 128;
  s.dynamicSmemBytes = 101136;
  s.linear.gate = gate;
  s.linear.sliceV = 64;
  s.linear.gateInput = "fgate";
  s.linear.inputGateInput = "igate";
  s.inputs = {{"fgate", DType::F32, {"B", "Hq", "N"}}, {"igate", DType::F32, {"B", "Hq", "N"}}};
  return s;
}

/// q/k/v/o [B=2, H=3, T=100, 128] contiguous, both gates, C, n and m in and out.
struct Fixture {
  TensorDesc c0 = TensorDesc::contiguous(fakePtr(0x500000), DType::F32, {2, 3, 128, 128});
  TensorDesc c1 = TensorDesc::contiguous(fakePtr(0x600000), DType::F32, {2, 3, 128, 128});
  TensorDesc n0 = TensorDesc::contiguous(fakePtr(0x900000), DType::F32, {2, 3, 128});
  TensorDesc n1 = TensorDesc::contiguous(fakePtr(0xa00000), DType::F32, {2, 3, 128});
  TensorDesc m0 = TensorDesc::contiguous(fakePtr(0xb00000), DType::F32, {2, 3});
  TensorDesc m1 = TensorDesc::contiguous(fakePtr(0xc00000), DType::F32, {2, 3});
  std::vector<NamedTensor> inputs = {
      {"igate", TensorDesc::contiguous(fakePtr(0x700000), DType::F32, {2, 3, 100})},
      {"fgate", TensorDesc::contiguous(fakePtr(0x800000), DType::F32, {2, 3, 100})}};
  LinearLaunchArgs args;
  Fixture() {
    args.q = TensorDesc::contiguous(fakePtr(0x100000), DType::BF16, {2, 3, 100, 128});
    args.k = TensorDesc::contiguous(fakePtr(0x200000), DType::BF16, {2, 3, 100, 128});
    args.v = TensorDesc::contiguous(fakePtr(0x300000), DType::BF16, {2, 3, 100, 128});
    args.o = TensorDesc::contiguous(fakePtr(0x400000), DType::BF16, {2, 3, 100, 128});
    args.stateIn = &c0;
    args.stateOut = &c1;
    args.normIn = &n0;
    args.normOut = &n1;
    args.maxIn = &m0;
    args.maxOut = &m1;
  }
};

void expectError(LinearGate gate, const std::function<void(Fixture &)> &mutate,
                 const std::string &needle) {
  Fixture f;
  mutate(f);
  f.args.inputs = f.inputs;
  Expected<LinearLaunchConfig> c = prepareLinearLaunch(mlstmSpec(gate), f.args);
  ASSERT_FALSE(c) << "expected an error containing: " << needle;
  EXPECT_NE(c.error().message.find(needle), std::string::npos) << c.error().message;
}

TEST(LinearMlstmValidation, GoodLaunchBindsBothGatesAndAllStates) {
  Fixture f;
  f.args.inputs = f.inputs;
  Expected<LinearLaunchConfig> c = prepareLinearLaunch(mlstmSpec(LinearGate::MlstmExp), f.args);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->params.g.ptr, f.inputs[1].tensor.data);     // the forget gate
  EXPECT_EQ(c->params.igate.ptr, f.inputs[0].tensor.data); // the input gate
  EXPECT_EQ(c->params.igate.stride[2], 1);
  EXPECT_EQ(c->params.norm_in, f.n0.data);
  EXPECT_EQ(c->params.norm_out, f.n1.data);
  EXPECT_EQ(c->params.max_in, f.m0.data);
  EXPECT_EQ(c->params.max_out, f.m1.data);
  EXPECT_EQ(c->grid[0], 2u);

  Fixture bare; // every state optional
  bare.args.stateIn = bare.args.stateOut = bare.args.normIn = bare.args.normOut = nullptr;
  bare.args.maxIn = bare.args.maxOut = nullptr;
  bare.args.inputs = bare.inputs;
  Expected<LinearLaunchConfig> b = prepareLinearLaunch(mlstmSpec(LinearGate::MlstmSig), bare.args);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->params.norm_in, nullptr);
  EXPECT_EQ(b->params.max_out, nullptr);
}

TEST(LinearMlstmValidation, GateInputs) {
  expectError(LinearGate::MlstmExp, [](Fixture &f) { f.inputs.pop_back(); },
              "missing input 'fgate' (f32[B, Hq, N])");
  expectError(LinearGate::MlstmExp, [](Fixture &f) { f.inputs[0].name = "g"; },
              "unknown input 'g' (the kernel's gate inputs are 'fgate' and 'igate')");
  expectError(LinearGate::MlstmExp, [](Fixture &f) { f.inputs[1].name = "igate"; },
              "input 'igate' given twice");
  expectError(LinearGate::MlstmExp, [](Fixture &f) { f.inputs[0].tensor.shape[2] = 99; },
              "igate: dimension 2 is 99 but N=100");
}

TEST(LinearMlstmValidation, States) {
  expectError(LinearGate::MlstmSig, [](Fixture &f) { f.args.maxIn = nullptr; },
              "max_out: only mLSTM kernels with an exponential input gate carry a max state");
  expectError(LinearGate::MlstmExp, [](Fixture &f) { f.args.maxOut = nullptr; },
              "state_out: the exponential-gate mLSTM stores C and n as C e^-m and n e^-m");
  expectError(LinearGate::MlstmExp, [](Fixture &f) { f.n1.shape[2] = 64; },
              "norm_out: shape [2, 3, 64] does not match [N, H, K] = [2, 3, 128]");
  expectError(LinearGate::MlstmExp, [](Fixture &f) { f.m0.strides[0] = 4; },
              "max_in: expected a contiguous [N, H] state, got stride 4 in dimension 0");
  expectError(LinearGate::MlstmExp, [](Fixture &f) { f.m1.dtype = DType::BF16; },
              "max_out: expected f32, got bf16");
}

TEST(LinearMlstmValidation, NormaliserOnlyForMlstm) {
  Fixture f;
  KernelSpec plain = mlstmSpec(LinearGate::None);
  plain.linear.gateInput.clear();
  plain.linear.inputGateInput.clear();
  plain.inputs.clear();
  f.args.maxIn = f.args.maxOut = nullptr;
  Expected<LinearLaunchConfig> c = prepareLinearLaunch(plain, f.args);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("norm_in: only mLSTM kernels carry a normaliser state"),
            std::string::npos)
      << c.error().message;
}

TEST(LinearMlstmValidation, SpecChecksAndTextForm) {
  KernelSpec spec = mlstmSpec(LinearGate::MlstmExp);
  ASSERT_TRUE(spec.verify());
  const std::string text = serializeKernelSpec(spec);
  EXPECT_NE(text.find("linear mlstm-exp 64 fgate igate\n"), std::string::npos) << text;
  Expected<KernelSpec> back = parseKernelSpec(text);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->linear.gate, LinearGate::MlstmExp);
  EXPECT_EQ(back->linear.inputGateInput, "igate");
  EXPECT_EQ(serializeKernelSpec(*back), text);

  KernelSpec noInputGate = mlstmSpec(LinearGate::MlstmSig);
  noInputGate.linear.inputGateInput.clear();
  Status st = noInputGate.verify();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("mLSTM kernels need an input-gate input"), std::string::npos);
  KernelSpec swapped = mlstmSpec(LinearGate::MlstmSig);
  std::swap(swapped.inputs[0], swapped.inputs[1]);
  st = swapped.verify();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("'fgate' and 'igate', in that order"), std::string::npos)
      << st.error().message;
}

} // namespace
