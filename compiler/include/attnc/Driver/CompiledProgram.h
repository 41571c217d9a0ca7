//===- CompiledProgram.h - A .attn file through the whole compiler --*- C++ -*-===//
//
// The one entry point above the compiler layers: read a `.attn` file, check it, import
// it into the attn dialect, run the pass pipeline, and generate CUDA for any of its
// kernels together with the `runtime::KernelSpec` the runtime launches it with. The CLI
// and the JIT API both go through here. No MLIR types appear in this header, so
// programs using the runtime API need no MLIR headers.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DRIVER_COMPILEDPROGRAM_H
#define ATTNC_DRIVER_COMPILEDPROGRAM_H

#include "attnc/Analysis/MaskModel.h"
#include "attnc/Runtime/KernelSpec.h"
#include "attnc/Target/CUDA/LinearConfig.h"
#include "attnc/Target/CUDA/PrefillConfig.h"

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace attnc {

/// Generated CUDA for one kernel and the facts a launch needs.
struct GeneratedKernel {
  std::string kernelName;
  std::string source;
  runtime::KernelSpec spec;
  analysis::MaskKind maskKind = analysis::MaskKind::None;
  cuda::PrefillConfig config;
  cuda::LinearConfig linearConfig; ///< the tile shape of a linear-family kernel
  std::string recurrence;          ///< linear family: "plain", "scalar_decay", ...
};

class CompiledProgram {
public:
  /// Reads and compiles `path` (the pipeline runs unless `runPipeline` is false). On
  /// failure prints located diagnostics (file:line:col, source line, caret) to `diag`
  /// and returns null.
  static std::unique_ptr<CompiledProgram> load(const std::string &path, std::ostream &diag,
                                               bool runPipeline = true);
  ~CompiledProgram();

  std::vector<std::string> kernelNames() const;
  /// "softmax" or "linear"; empty for an unknown kernel.
  std::string family(const std::string &kernel) const;
  /// The head dim the kernel fixes with a literal (q's last dim), if any.
  std::optional<int> declaredHeadDim(const std::string &kernel) const;

  /// The kernel part of a tuning record's key: SHA-256 of the kernel's IR after the
  /// pipeline, printed without locations, so reformatting or moving the file keeps it
  /// and any change to what the kernel computes changes it. Empty for an unknown kernel.
  std::string fingerprint(const std::string &kernel) const;

  /// Prints the module in the attn dialect's textual form.
  void printIR(std::ostream &os) const;

  /// The mask analysis' model of a softmax kernel; prints why not to `diag` otherwise.
  std::optional<analysis::MaskModel> maskModel(const std::string &kernel,
                                               std::ostream &diag) const;

  /// How many keys a softmax kernel's query rows see (MaskModel::isNarrow; data-dependent
  /// when a narrow mask holds a run-time atom), which orders the default tile shapes; Wide
  /// for a linear or unknown kernel.
  cuda::MaskReach maskReach(const std::string &kernel) const;

  /// Generates the prefill kernel of a softmax kernel for `headDim` and `config`.
  std::optional<GeneratedKernel> generate(const std::string &kernel, int headDim,
                                          const cuda::PrefillConfig &config,
                                          std::ostream &diag) const;

  /// The classified recurrence of a linear kernel ("plain", "scalar_decay", "vector_gate",
  /// "delta_rule", ...); empty for a softmax or unknown kernel.
  std::string recurrence(const std::string &kernel) const;

  /// The gate kind the chunkwise templates use for a linear kernel's recurrence, for
  /// choosing tile configs before generating (per-channel for vector gates, the mLSTM
  /// kinds by input gate, per-token for the rest: the scalar kinds share their configs).
  cuda::LinearGateKind linearGate(const std::string &kernel) const;

  /// The head dim V a linear kernel fixes with a literal (v's last dim), if any.
  std::optional<int> declaredValueDim(const std::string &kernel) const;

  /// Generates the chunkwise forward kernel of a linear-family kernel for head dims K
  /// (`headDimK`) and V (`headDimV`) and `config`. Recurrences without a template yet are
  /// located errors on `diag`.
  std::optional<GeneratedKernel> generateLinear(const std::string &kernel, int headDimK,
                                                int headDimV, const cuda::LinearConfig &config,
                                                std::ostream &diag) const;

private:
  struct Impl;
  explicit CompiledProgram(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

} // namespace attnc

#endif // ATTNC_DRIVER_COMPILEDPROGRAM_H
