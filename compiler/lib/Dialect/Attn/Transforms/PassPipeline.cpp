//===- PassPipeline.cpp - The attn pass pipeline and registration -*- C++ -*-===//
//
// One place that says in which order the attn passes run, shared by the attnc CLI, the
// runtime and attnc-opt (as `--attn-pipeline`), so every entry point compiles alike.
//
//===----------------------------------------------------------------------===//
#include "attnc/Dialect/Attn/Transforms/Passes.h"

#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

void attnc::addAttnAnalysisPasses(OpPassManager &kernelPM) {
  kernelPM.addPass(attn::createAnalyzeMasksPass());
  kernelPM.addPass(attn::createClassifyRecurrencePass());
}

void attnc::buildAttnPipeline(OpPassManager &pm) {
  OpPassManager &kernelPM = pm.nest<attn::KernelOp>();
  kernelPM.addPass(attn::createFoldExpressionsPass());
  kernelPM.addPass(attn::createCheckShapesPass());
  addAttnAnalysisPasses(kernelPM);
}

void attnc::registerAttnDialectAndPasses(DialectRegistry &registry) {
  registry.insert<attn::AttnDialect, arith::ArithDialect, math::MathDialect,
                  tensor::TensorDialect>();
  static bool registered = [] {
    attn::registerAttnPasses();
    PassPipelineRegistration<>("attn-pipeline",
                               "The attn pipeline: fold, check shapes, analyze.",
                               [](OpPassManager &pm) { buildAttnPipeline(pm); });
    return true;
  }();
  (void)registered;
}
