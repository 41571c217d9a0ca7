//===- CompiledProgram.cpp - A .attn file through the whole compiler -------===//
//
// Holds the MLIR context, the source manager that renders MLIR diagnostics against the
// `.attn` text, and the module after the pipeline. Generation looks the kernel up by
// symbol, reads the mask analysis back from the op, calls the CUDA emitter and converts
// its launch contract into a runtime::KernelSpec (user dim names to the runtime's roles).
//
//===----------------------------------------------------------------------===//
#include "attnc/Driver/CompiledProgram.h"

#include "attnc/Analysis/MaskFromIR.h"
#include "attnc/DSL/Diagnostics.h"
#include "attnc/DSL/Frontend.h"
#include "attnc/Dialect/Attn/IR/AttnOps.h"
#include "attnc/Dialect/Attn/Transforms/Passes.h"
#include "attnc/Import/ImportAST.h"
#include "attnc/Runtime/Sha256.h"
#include "attnc/Target/CUDA/LinearEmitter.h"
#include "attnc/Target/CUDA/SoftmaxEmitter.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_os_ostream.h"

#include <fstream>
#include <sstream>

using namespace mlir;

namespace attnc {

struct CompiledProgram::Impl {
  MLIRContext context;
  llvm::SourceMgr sourceMgr;
  OwningOpRef<ModuleOp> module;

  attn::KernelOp lookup(const std::string &name) {
    for (auto k : module->getOps<attn::KernelOp>())
      if (k.getSymName() == name)
        return k;
    return {};
  }
};

namespace {

constexpr int kBlockMapThreads = 128; // attnc::kBlockMapThreads in templates/attnc/BlockMap.cuh

/// Routes MLIR diagnostics to `diag`, rendered with carets against the .attn source.
class ScopedDiagnostics {
public:
  ScopedDiagnostics(llvm::SourceMgr &mgr, MLIRContext &ctx, std::ostream &diag)
      : stream(diag), handler(mgr, &ctx, stream) {}

private:
  llvm::raw_os_ostream stream;
  SourceMgrDiagnosticHandler handler;
};

runtime::DType toDType(const std::string &name) {
  if (name == "bf16") return runtime::DType::BF16;
  if (name == "f16") return runtime::DType::F16;
  if (name == "i32") return runtime::DType::I32;
  return runtime::DType::F32;
}

/// The runtime names dims by role; the DSL lets users pick names. Maps one to the other.
std::string runtimeDimName(const cuda::EmittedKernel &e, const std::string &dim,
                           const std::string &headDimName) {
  if (dim == e.batchDim) return "B";
  if (dim == e.headsQDim) return "Hq";
  if (dim == e.headsKvDim) return "Hkv";
  if (dim == e.seqQDim) return "N";
  if (dim == e.seqKDim) return "M";
  if (dim == headDimName) return "D";
  return dim;
}

runtime::KernelSpec toKernelSpec(const cuda::EmittedKernel &e, const std::string &headDimName) {
  runtime::KernelSpec spec;
  spec.family = runtime::KernelFamily::SoftmaxPrefill;
  spec.entryName = e.entryName;
  spec.dtype = toDType(e.dtype);
  spec.headDim = spec.headDimV = e.headDim;
  spec.blockM = e.config.blockM;
  spec.blockN = e.config.blockN;
  spec.threadsPerBlock = e.threads;
  spec.dynamicSmemBytes = e.smemBytes;
  spec.writesLse = true;
  spec.grid = e.config.persistent > 0 ? runtime::GridRule::PersistentQueryBlocks
                                      : runtime::GridRule::QueryBlocksHeadsBatch;
  if (e.usesBlockMap)
    spec.blockMap = {e.blockMapEntry, kBlockMapThreads, e.mapPerBatch, e.mapPerHead};
  for (const cuda::InputSlot &in : e.inputs) {
    runtime::InputSlot slot{in.name, toDType(in.elementType), {}};
    for (const std::string &d : in.dims)
      slot.dims.push_back(runtimeDimName(e, d, headDimName));
    spec.inputs.push_back(std::move(slot));
  }
  for (const cuda::ScalarSlot &s : e.scalars) {
    if (s.kind == cuda::ScalarSlot::Kind::Dim) {
      spec.dimSymbols.push_back({s.name, s.slot});
      continue;
    }
    spec.params.push_back({s.name, s.isFloat, s.slot, s.defaultValue.has_value(),
                           s.defaultValue.value_or(0.0)});
  }
  return spec;
}

/// The linear kernel's launch contract in the runtime's terms (DSL dims to roles:
/// batch B, heads Hq, time N, key dim D, value dim Dv).
runtime::KernelSpec toLinearSpec(const cuda::EmittedLinearKernel &e) {
  runtime::KernelSpec spec;
  spec.family = runtime::KernelFamily::Linear;
  spec.entryName = e.entryName;
  spec.dtype = toDType(e.dtype);
  spec.headDim = e.headDimK;
  spec.headDimV = e.headDimV;
  spec.blockM = e.config.chunk;
  spec.blockN = e.config.sub;
  spec.threadsPerBlock = e.threads;
  spec.dynamicSmemBytes = e.smemBytes;
  spec.linear.gate = static_cast<runtime::LinearGate>(static_cast<int>(e.gate));
  spec.linear.sliceV = e.config.sliceV;
  spec.linear.gateInput = e.gateInput;
  spec.linear.betaInput = e.betaInput;
  spec.linear.tokenBytes = e.tokenBytes;
  if (e.rule == cuda::LinearRule::Delta) {
    spec.linear.splitStages.push_back({e.prepareEntry,
                                       runtime::LinearStageGrid::ChunksHeadsSequences,
                                       e.prepareThreads, e.prepareSmemBytes,
                                       runtime::LinearStageWhen::Always});
  } else if (!e.segmentStateEntry.empty()) { // the mLSTM has neither: one CTA per sequence
    spec.linear.segments = e.config.segments;
    spec.linear.segmentBytes = e.segmentBytes;
    spec.linear.splitStages.push_back({e.segmentStateEntry,
                                       runtime::LinearStageGrid::SlicesHeadsEarlierSegments,
                                       e.threads, e.smemBytes});
    spec.linear.splitStages.push_back(
        {e.segmentFoldEntry, runtime::LinearStageGrid::SlicesHeadsSequences, e.threads, 0});
  }
  spec.linear.inputGateInput = e.inputGateInput;
  for (const auto &[name, dims] : {std::pair(&e.gateInput, &e.gateInputDims),
                                   std::pair(&e.inputGateInput, &e.inputGateInputDims),
                                   std::pair(&e.betaInput, &e.betaInputDims)}) {
    if (name->empty())
      continue;
    runtime::InputSlot slot{*name, runtime::DType::F32, {}};
    for (const std::string &d : *dims)
      slot.dims.push_back(d == e.batchDim   ? "B"
                          : d == e.headsDim ? "Hq"
                          : d == e.seqDim   ? "N"
                          : d == e.keyDim   ? "D"
                          : d == e.valueDim ? "Dv"
                                            : d);
    spec.inputs.push_back(std::move(slot));
  }
  return spec;
}

} // namespace

CompiledProgram::CompiledProgram(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CompiledProgram::~CompiledProgram() = default;

std::unique_ptr<CompiledProgram> CompiledProgram::load(const std::string &path,
                                                       std::ostream &diag, bool runPipeline) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diag << "attnc: error: cannot open '" << path << "'\n";
    return nullptr;
  }
  std::ostringstream text;
  text << in.rdbuf();
  dsl::SourceBuffer buffer(path, text.str());
  dsl::DiagnosticEngine dslDiags(buffer);
  std::optional<dsl::Program> program = dsl::parseAndCheck(buffer, dslDiags);
  dslDiags.print(diag);
  if (!program || dslDiags.hasErrors())
    return nullptr;

  auto impl = std::make_unique<Impl>();
  impl->context.disableMultithreading();
  impl->sourceMgr.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(buffer.text(), path),
                                     llvm::SMLoc());
  ScopedDiagnostics scoped(impl->sourceMgr, impl->context, diag);
  impl->module = importProgram(impl->context, *program);
  if (!impl->module)
    return nullptr;
  if (runPipeline) {
    PassManager pm(&impl->context);
    buildAttnPipeline(pm);
    if (failed(pm.run(*impl->module)))
      return nullptr;
  }
  return std::unique_ptr<CompiledProgram>(new CompiledProgram(std::move(impl)));
}

std::vector<std::string> CompiledProgram::kernelNames() const {
  std::vector<std::string> names;
  for (auto k : impl_->module->getOps<attn::KernelOp>())
    names.push_back(k.getSymName().str());
  return names;
}

std::string CompiledProgram::family(const std::string &kernel) const {
  attn::KernelOp k = impl_->lookup(kernel);
  if (!k)
    return "";
  return k.getSoftmaxAttention() ? "softmax" : "linear";
}

std::optional<int> CompiledProgram::declaredHeadDim(const std::string &kernel) const {
  attn::KernelOp k = impl_->lookup(kernel);
  attn::TensorOp q = k ? k.lookupTensor("q") : attn::TensorOp();
  if (!q)
    return std::nullopt;
  std::optional<int64_t> d = k.getStaticDimValue(q.getDimNames()[3]);
  return d ? std::optional<int>(static_cast<int>(*d)) : std::nullopt;
}

std::string CompiledProgram::fingerprint(const std::string &kernel) const {
  attn::KernelOp k = impl_->lookup(kernel);
  if (!k)
    return "";
  std::string text;
  llvm::raw_string_ostream os(text);
  k->print(os, OpPrintingFlags().printGenericOpForm());
  return runtime::Sha256::toHex(runtime::Sha256::hash(os.str()));
}

void CompiledProgram::printIR(std::ostream &os) const {
  llvm::raw_os_ostream out(os);
  impl_->module->print(out);
  out << "\n";
}

std::optional<analysis::MaskModel> CompiledProgram::maskModel(const std::string &kernel,
                                                              std::ostream &diag) const {
  attn::KernelOp k = impl_->lookup(kernel);
  if (!k) {
    diag << "attnc: error: no kernel named '" << kernel << "'\n";
    return std::nullopt;
  }
  attn::SoftmaxAttentionOp op = k.getSoftmaxAttention();
  if (!op) {
    diag << "attnc: error: kernel '" << kernel
         << "' is of the linear family; it has no mask to analyse\n";
    return std::nullopt;
  }
  ScopedDiagnostics scoped(impl_->sourceMgr, impl_->context, diag);
  FailureOr<analysis::MaskModel> model = maskModelFromOp(op);
  if (failed(model))
    return std::nullopt;
  return *model;
}

cuda::MaskReach CompiledProgram::maskReach(const std::string &kernel) const {
  std::ostringstream ignored;
  std::optional<analysis::MaskModel> model = maskModel(kernel, ignored);
  if (!model || !model->isNarrow())
    return cuda::MaskReach::Wide;
  const auto &disjuncts = model->disjuncts();
  return std::any_of(disjuncts.begin(), disjuncts.end(),
                     [](const analysis::Conjunction &c) { return c.hasRuntimeAtom(); })
             ? cuda::MaskReach::DataDependent
             : cuda::MaskReach::Band;
}

std::optional<GeneratedKernel> CompiledProgram::generate(const std::string &kernel,
                                                         int headDim,
                                                         const cuda::PrefillConfig &config,
                                                         std::ostream &diag) const {
  std::optional<analysis::MaskModel> mask = maskModel(kernel, diag);
  if (!mask)
    return std::nullopt;
  attn::KernelOp k = impl_->lookup(kernel);
  ScopedDiagnostics scoped(impl_->sourceMgr, impl_->context, diag);
  FailureOr<cuda::EmittedKernel> emitted = cuda::emitSoftmaxPrefill(k, headDim, config, *mask);
  if (failed(emitted))
    return std::nullopt;
  std::string headDimName = k.lookupTensor("q").getDimNames()[3].str();
  GeneratedKernel out{emitted->kernelName, emitted->source,
                      toKernelSpec(*emitted, headDimName), emitted->maskKind, config};
  if (runtime::Status st = out.spec.verify(); !st) {
    diag << "attnc: internal error: generated an invalid kernel spec: " << st.error().message
         << "\n";
    return std::nullopt;
  }
  return out;
}

std::string CompiledProgram::recurrence(const std::string &kernel) const {
  attn::KernelOp k = impl_->lookup(kernel);
  attn::LinearAttentionOp op = k ? k.getLinearAttention() : attn::LinearAttentionOp();
  auto kind = op ? op->getAttrOfType<attn::RecurrenceAttr>("recurrence") : attn::RecurrenceAttr();
  return kind ? attn::stringifyRecurrence(kind.getValue()).str() : "";
}

cuda::LinearGateKind CompiledProgram::linearGate(const std::string &kernel) const {
  const std::string kind = recurrence(kernel);
  if (kind == "vector_gate")
    return cuda::LinearGateKind::PerChannel;
  if (kind != "mlstm")
    return cuda::LinearGateKind::PerToken;
  attn::KernelOp k = impl_->lookup(kernel);
  auto input = k.getLinearAttention()->getAttrOfType<StringAttr>("mlstm_input_gate");
  return input && input.getValue() == "exp" ? cuda::LinearGateKind::MlstmExp
                                            : cuda::LinearGateKind::MlstmSig;
}

std::optional<int> CompiledProgram::declaredValueDim(const std::string &kernel) const {
  attn::KernelOp k = impl_->lookup(kernel);
  attn::TensorOp v = k ? k.lookupTensor("v") : attn::TensorOp();
  if (!v)
    return std::nullopt;
  std::optional<int64_t> d = k.getStaticDimValue(v.getDimNames()[3]);
  return d ? std::optional<int>(static_cast<int>(*d)) : std::nullopt;
}

std::optional<GeneratedKernel> CompiledProgram::generateLinear(const std::string &kernel,
                                                               int headDimK, int headDimV,
                                                               const cuda::LinearConfig &config,
                                                               std::ostream &diag) const {
  attn::KernelOp k = impl_->lookup(kernel);
  if (!k) {
    diag << "attnc: error: no kernel named '" << kernel << "'\n";
    return std::nullopt;
  }
  ScopedDiagnostics scoped(impl_->sourceMgr, impl_->context, diag);
  FailureOr<cuda::EmittedLinearKernel> emitted =
      cuda::emitLinearChunk(k, headDimK, headDimV, config);
  if (failed(emitted))
    return std::nullopt;
  GeneratedKernel out;
  out.kernelName = emitted->kernelName;
  out.source = emitted->source;
  out.spec = toLinearSpec(*emitted);
  out.linearConfig = config;
  out.recurrence = emitted->recurrence;
  if (runtime::Status st = out.spec.verify(); !st) {
    diag << "attnc: internal error: generated an invalid kernel spec: " << st.error().message
         << "\n";
    return std::nullopt;
  }
  return out;
}

} // namespace attnc
