//===- attnc-opt.cpp - mlir-opt for the attn dialect ------------*- C++ -*-===//
//
// Parses, verifies, transforms and prints attn IR; the lit tests of every attn pass
// run through it. Registers attn and the upstream dialects its regions use.
//
//===----------------------------------------------------------------------===//
#include "attnc/Dialect/Attn/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::arith::ArithDialect, mlir::math::MathDialect, mlir::tensor::TensorDialect,
                  mlir::func::FuncDialect>();
  attnc::registerAttnDialectAndPasses(registry);
  // Upstream canonicalize/cse, handy next to the attn passes in tests.
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "attnc optimizer driver\n", registry));
}
