//===- LinearEmitter.cpp - attn.linear_attention to a CUDA prelude ---------===//
//
// Reads what attn-classify-recurrence left on the op (`recurrence`, `recurrence_decay`,
// the ops marked `attn.gate_role`), checks the parts the templates hard-code (q, k, v
// share [B, H, T]; the output is scale * (q[t] @ S); a per-token or per-channel gate is
// exp of one f32 input read at [b, h, t], and the delta rule's beta is such an input
// itself, since the templates stream them; LinearInputMatch.h), and prints the constants,
// the Gate functor and the entries: for the decay family the main kernel, the split
// path's state pre-pass and fold (templates/attnc/LinearChunk.cuh,
// LinearSegmentState.cuh); for the delta rule the chunk-parallel prepare stage and the
// walk (LinearDeltaPrepare.cuh, LinearDeltaWalk.cuh); for the mLSTM pair C / n, after
// LinearMlstmForm's checks, one entry of LinearMlstm.cuh (it does not split). Nothing here
// writes kernel logic.
//
//===----------------------------------------------------------------------===//
#include "attnc/Target/CUDA/LinearEmitter.h"

#include "LinearInputMatch.h"

#include "attnc/Target/CUDA/ExpressionEmitter.h"
#include "attnc/Target/CUDA/LinearMlstmForm.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace attnc::cuda {
namespace {
using namespace detail;

constexpr int kWarpThreads = 32;
constexpr int kFloatBytes = 4; // fp32 segment records
constexpr int kSupportedHeadDims[] = {64, 128}; // measured spill-free (bench/NOTES.md)
constexpr const char *kSupportedRecurrences =
    "plain, scalar_decay, vector_gate, delta_rule, gated_delta_rule, mlstm";

/// Whether the output is scale * (q[t] @ S), which is what the template computes.
bool isScaledQS(attn::OutputOp out, StringRef state) {
  auto yield = cast<attn::YieldOp>(out.getValue().front().getTerminator());
  auto mul = yield->getOperand(0).getDefiningOp<arith::MulFOp>();
  if (!mul)
    return false;
  for (auto [s, x] :
       {std::pair(mul.getLhs(), mul.getRhs()), std::pair(mul.getRhs(), mul.getLhs())}) {
    auto bc = s.getDefiningOp<attn::BroadcastOp>();
    auto vm = x.getDefiningOp<attn::VecMatOp>();
    if (!bc || !bc.getValue().getDefiningOp<attn::ScaleOp>() || !vm)
      continue;
    auto row = vm.getVector().getDefiningOp<attn::RowOp>();
    auto ref = vm.getMatrix().getDefiningOp<attn::StateRefOp>();
    if (row && row.getTensor() == "q" && isStepArg(row.getIndex(), kTimeArg) && ref &&
        ref.getState() == state)
      return true;
  }
  return false;
}

/// Prints `struct Gate` with the per-head log decay: the sum over the decay's factors of
/// log(factor), taken as x for exp(x) and log1p(-x) for 1 - x so weak decays keep their
/// precision. Reads at most one input (passed as p.g) and no batch or step index.
LogicalResult emitHeadDecay(attn::StateOp state, ArrayRef<Value> factors, EmittedLinearKernel &out,
                            SymbolAccess access, llvm::raw_ostream &os) {
  SmallVector<Value> logArgs;
  SmallVector<std::string> wraps; // how each printed value becomes a log term
  for (Value f : factors) {
    Operation *def = f.getDefiningOp();
    if (auto exp = dyn_cast<math::ExpOp>(def)) {
      logArgs.push_back(exp.getOperand());
      wraps.push_back("%");
      continue;
    }
    if (auto sub = dyn_cast<arith::SubFOp>(def)) {
      auto one = sub.getLhs().getDefiningOp<arith::ConstantOp>();
      auto value = one ? dyn_cast<FloatAttr>(one.getValue()) : FloatAttr();
      if (value && value.getValueAsDouble() == 1.0) {
        logArgs.push_back(sub.getRhs());
        wraps.push_back("log1pf(-%)");
        continue;
      }
    }
    logArgs.push_back(f);
    wraps.push_back("logf(%)");
  }
  std::string inputName;
  for (Value v : logArgs) {
    SmallVector<Operation *> work{v.getDefiningOp()};
    if (isStepArg(v, kBatchArg) || isStepArg(v, kTimeArg))
      return errorAt(state.getLoc(), "expected a per-head decay that reads neither b nor t");
    while (!work.empty()) {
      Operation *op = work.pop_back_val();
      if (!op)
        continue;
      for (Value operand : op->getOperands()) {
        if (isStepArg(operand, kBatchArg) || isStepArg(operand, kTimeArg))
          return errorAt(op->getLoc(), "expected a per-head decay that reads neither b nor t");
        work.push_back(operand.getDefiningOp());
      }
      if (auto load = dyn_cast<attn::LoadOp>(op)) {
        if (!inputName.empty() && inputName != load.getInput())
          return errorAt(load.getLoc())
                 << "expected a per-head decay that reads at most one input, got '" << inputName
                 << "' and '" << load.getInput() << "'";
        inputName = load.getInput().str();
      }
    }
  }
  if (!inputName.empty())
    access.inputs[inputName] = {"p.g", "float"};
  os << "struct Gate {\n"
     << "  __device__ __forceinline__ static float headLogDecay(const AttncLinearParams &p, "
        "int head) {\n"
     << "    [[maybe_unused]] const long long h = head;\n";
  FailureOr<std::vector<std::string>> names =
      emitValueSlice(state.getUpdate(), logArgs, {"b", "h", "t"}, access, os, "    ");
  if (failed(names))
    return failure();
  std::string sum;
  for (auto [name, wrap] : llvm::zip(*names, wraps)) {
    std::string term = wrap;
    term.replace(term.find('%'), 1, name);
    sum += (sum.empty() ? "" : " + ") + term;
  }
  os << "    return " << sum << ";\n  }\n};\n";
  out.gateInput = inputName;
  return success();
}

constexpr const char *kNoHeadDecay = "struct Gate { // no per-head decay\n"
                                     "  __device__ __forceinline__ static float headLogDecay("
                                     "const AttncLinearParams &, int) { return 0.f; }\n};\n";

/// The one data-dependent gate of `role` as exp(g[t]) (per token) or diag(exp(g[t]))
/// (per channel): records its input.
LogicalResult bindStreamedGate(attn::KernelOp kernel, attn::LinearAttentionOp op,
                               attn::StateOp state, StringRef role, bool perChannel,
                               EmittedLinearKernel &out) {
  SmallVector<Value> values = gateValues(state, role);
  if (values.empty())
    return errorAt(op.getLoc(), "expected the classified gate ops (attn.gate_role) in the update");
  if (values.size() != 1)
    return errorAt(values[1].getLoc())
           << "expected one data-dependent gate factor, got " << values.size();
  FailureOr<attn::LoadOp> load = matchStreamedGate(values.front(), kernel, perChannel);
  if (failed(load))
    return failure();
  out.gate = perChannel ? LinearGateKind::PerChannel : LinearGateKind::PerToken;
  out.gateInput = load->getInput().str();
  return success();
}

/// The delta rule's beta[t] (and, gated, its per-token decay exp(g[t])).
LogicalResult bindDelta(attn::KernelOp kernel, attn::LinearAttentionOp op, attn::StateOp state,
                        bool gated, EmittedLinearKernel &out) {
  out.rule = LinearRule::Delta;
  SmallVector<Value> beta = gateValues(state, "beta");
  if (beta.size() != 1)
    return errorAt(op.getLoc()) << "expected one classified beta (attn.gate_role) in the update, "
                                << "got " << beta.size();
  FailureOr<attn::LoadOp> load = matchStreamedBeta(beta.front(), kernel);
  if (failed(load))
    return failure();
  out.betaInput = load->getInput().str();
  if (!gated)
    return success();
  auto decay = op->getAttrOfType<StringAttr>("recurrence_decay");
  if (!decay || decay.getValue() != "per_token")
    return errorAt(op.getLoc(), "expected the gated delta rule's decay in the form exp(g[t]) with "
                                "g: f32[B, H, T] (the template has no per-head decay)");
  return bindStreamedGate(kernel, op, state, "decay", /*perChannel=*/false, out);
}

/// The gate kind, the streamed inputs and (per-head) the Gate functor. `norm` is the
/// mLSTM's normaliser state (null otherwise).
LogicalResult emitGate(attn::KernelOp kernel, attn::LinearAttentionOp op, attn::StateOp state,
                       attn::StateOp norm, EmittedLinearKernel &out, const SymbolAccess &access,
                       llvm::raw_ostream &os) {
  auto kind = op->getAttrOfType<attn::RecurrenceAttr>("recurrence");
  if (!kind)
    return errorAt(op.getLoc(),
                   "expected a `recurrence` attribute (run attn-classify-recurrence first)");
  out.recurrence = attn::stringifyRecurrence(kind.getValue()).str();
  switch (kind.getValue()) {
  case attn::Recurrence::Plain:
    out.gate = LinearGateKind::None;
    os << kNoHeadDecay;
    return success();
  case attn::Recurrence::MLSTM: {
    FailureOr<MlstmForm> form = matchMlstmForm(kernel, op, state, norm);
    if (failed(form))
      return failure();
    out.gate = form->exponential ? LinearGateKind::MlstmExp : LinearGateKind::MlstmSig;
    out.gateInput = form->forgetInput;
    out.inputGateInput = form->inputInput;
    return success();
  }
  case attn::Recurrence::DeltaRule:
  case attn::Recurrence::GatedDeltaRule:
    return bindDelta(kernel, op, state, kind.getValue() == attn::Recurrence::GatedDeltaRule, out);
  case attn::Recurrence::VectorGate:
  case attn::Recurrence::ScalarDecay: {
    bool vector = kind.getValue() == attn::Recurrence::VectorGate;
    auto decay = op->getAttrOfType<StringAttr>("recurrence_decay");
    bool perToken = !vector && decay && decay.getValue() == "per_token";
    if (!vector && !perToken) {
      SmallVector<Value> values = gateValues(state, "decay");
      if (values.empty())
        return errorAt(op.getLoc(),
                       "expected the classified gate ops (attn.gate_role) in the update");
      out.gate = LinearGateKind::PerHead;
      return emitHeadDecay(state, values, out, access, os);
    }
    if (failed(bindStreamedGate(kernel, op, state, vector ? "gate" : "decay", vector, out)))
      return failure();
    os << kNoHeadDecay;
    return success();
  }
  default:
    return errorAt(op.getLoc()) << "recurrence '" << out.recurrence
                                << "' has no chunkwise CUDA template yet (supported: "
                                << kSupportedRecurrences << ")";
  }
}

/// Role dims from q/k/v; K and V from the request, checked against declared values.
LogicalResult bindDims(attn::KernelOp kernel, EmittedLinearKernel &out, SymbolAccess &access) {
  attn::TensorOp q = kernel.lookupTensor("q"), k = kernel.lookupTensor("k"),
                 v = kernel.lookupTensor("v");
  if (!q || !k || !v)
    return errorAt(kernel.getLoc(), "expected q, k and v declarations");
  auto qd = q.getDimNames(), kd = k.getDimNames(), vd = v.getDimNames();
  for (int d = 0; d < 3; ++d)
    if (kd[d] != qd[d] || vd[d] != qd[d])
      return errorAt(k.getLoc(),
                     "expected k and v to share q's [B, H, T] (the linear templates have "
                     "no grouped heads)");
  if (kd[3] != qd[3])
    return errorAt(k.getLoc(), "expected k's last dim to be q's key dim");
  out.batchDim = qd[0].str();
  out.headsDim = qd[1].str();
  out.seqDim = qd[2].str();
  out.keyDim = qd[3].str();
  out.valueDim = vd[3].str();
  for (auto [dim, want, what] :
       {std::tuple(qd[3], out.headDimK, "K"), std::tuple(vd[3], out.headDimV, "V")}) {
    std::optional<int64_t> fixed = kernel.getStaticDimValue(dim);
    if (fixed && *fixed != want)
      return errorAt(q.getLoc()) << "expected head dim " << what << "=" << *fixed
                                 << " (declared), got " << want << " (requested)";
    if (llvm::find(kSupportedHeadDims, want) == std::end(kSupportedHeadDims))
      return errorAt(q.getLoc()) << "expected head dim " << what << " of 64 or 128 for the "
                                 << "chunkwise linear template, got " << want;
  }
  access.values.try_emplace(qd[0], "static_cast<long long>(p.num_seqs)");
  access.values.try_emplace(qd[1], "static_cast<long long>(p.heads)");
  access.values.try_emplace(qd[2], "static_cast<long long>(p.seq_len)");
  access.values.try_emplace(qd[3], "static_cast<long long>(HEAD_K)");
  access.values.try_emplace(vd[3], "static_cast<long long>(HEAD_V)");
  access.values.try_emplace("scale", "p.scale");
  return success();
}

/// Every input must be one the template streams, with dims among q's and v's (or fixed).
LogicalResult bindInputs(attn::KernelOp kernel, EmittedLinearKernel &out) {
  for (auto input : kernel.getBody()->getOps<attn::InputOp>()) {
    const bool gate = input.getSymName() == out.gateInput;
    const bool inputGate = !gate && input.getSymName() == out.inputGateInput;
    if (!gate && !inputGate && input.getSymName() != out.betaInput)
      return errorAt(input.getLoc())
             << "input '" << input.getSymName() << "' is not the recurrence's "
             << (out.rule == LinearRule::Delta ? "gate or beta" : "gate")
             << "; the chunkwise template reads no other inputs";
    std::vector<std::string> &dims = gate        ? out.gateInputDims
                                     : inputGate ? out.inputGateInputDims
                                                 : out.betaInputDims;
    for (StringRef d : input.getDimNames()) {
      bool role = d == out.batchDim || d == out.headsDim || d == out.seqDim || d == out.keyDim ||
                  d == out.valueDim;
      if (!role && !kernel.getStaticDimValue(d))
        return errorAt(input.getLoc()) << "expected the " << (gate ? "gate" : "beta")
                                       << " input's dims among q's and v's, got '" << d << "'";
      dims.push_back(d.str());
    }
  }
  return success();
}

/// The constants every linear prelude starts with.
void printConstants(const EmittedLinearKernel &out, llvm::raw_ostream &os) {
  static const char *kGateEnum[] = {"kNone",       "kPerHead",  "kPerToken",
                                    "kPerChannel", "kMlstmSig", "kMlstmExp"};
  const LinearConfig &config = out.config;
  os << "namespace attnc_generated {\n"
     << "constexpr int HEAD_K = " << out.headDimK << ";\n"
     << "constexpr int HEAD_V = " << out.headDimV << ";\n"
     << "constexpr int CHUNK = " << config.chunk << ";\n"
     << "constexpr int SUB = " << config.sub << ";\n"
     << "constexpr int SLICE_V = " << config.sliceV << ";\n"
     << "constexpr int NUM_WARPS = " << config.numWarps << ";\n"
     << "constexpr int STAGES = " << config.stages << ";\n"
     << "constexpr int SPAN = " << config.span << "; // tiles per chunk\n"
     << "constexpr attnc::LinearGate GATE = attnc::LinearGate::"
     << kGateEnum[static_cast<int>(out.gate)] << ";\n\n";
}

/// `extern "C" __global__ void NAME(params) { attnc::BODY<TRAITS...>(p); }`.
void printEntry(llvm::raw_ostream &os, const std::string &name, StringRef traits,
                StringRef body, StringRef bodyArgs) {
  os << "\nextern \"C\" __global__ void __launch_bounds__(attnc_generated::" << traits
     << "::kThreads)\n"
     << name << "(const __grid_constant__ AttncLinearParams p) {\n"
     << "  attnc::" << body << "<" << bodyArgs << ">(p);\n"
     << "}\n";
}

/// The decay family: LinearTraits, the Gate functor, the main entry and the split path's
/// state pre-pass and fold.
std::string printChunkPrelude(const EmittedLinearKernel &out, const std::string &gateText) {
  std::string body;
  llvm::raw_string_ostream os(body);
  os << "#include \"attnc/Expr.cuh\"\n"
     << "#include \"attnc/LinearSegmentState.cuh\"\n\n";
  printConstants(out, os);
  os << gateText << "\n"
     << "using Traits = attnc::LinearTraits<" << (out.dtype == "bf16" ? "__nv_bfloat16" : "__half")
     << ", HEAD_K, HEAD_V, SLICE_V, CHUNK, SUB, NUM_WARPS, GATE, STAGES, SPAN>;\n"
     << "static_assert(Traits::kSmemBytes == " << out.smemBytes
     << ", \"host and device disagree on shared memory\");\n"
     << "} // namespace attnc_generated\n";
  printEntry(os, out.entryName, "Traits", "linearChunkKernel",
             "attnc_generated::Traits, attnc_generated::Gate");
  printEntry(os, out.segmentStateEntry, "Traits", "linearSegmentStateKernel",
             "attnc_generated::Traits, attnc_generated::Gate");
  printEntry(os, out.segmentFoldEntry, "Traits", "linearSegmentFoldKernel",
             "attnc_generated::Traits");
  return body;
}

/// The delta rule: the prepare stage's and the walk's traits and entries (the walk is the
/// main entry; SUB is unused, the walk reads the intra-chunk scores from P; the prepare
/// stage has its own warps, one per m16 stripe).
std::string printDeltaPrelude(const EmittedLinearKernel &out) {
  const char *element = out.dtype == "bf16" ? "__nv_bfloat16" : "__half";
  std::string body;
  llvm::raw_string_ostream os(body);
  os << "#include \"attnc/LinearDeltaPrepare.cuh\"\n"
     << "#include \"attnc/LinearDeltaWalk.cuh\"\n\n";
  printConstants(out, os);
  os << "constexpr int PREPARE_WARPS = " << linearDeltaPrepareWarps(out.config) << ";\n"
     << "using PrepareTraits = attnc::LinearDeltaPrepareTraits<" << element
     << ", HEAD_K, HEAD_V, CHUNK, PREPARE_WARPS, GATE>;\n"
     << "using Traits = attnc::LinearDeltaWalkTraits<" << element
     << ", HEAD_K, HEAD_V, SLICE_V, CHUNK, NUM_WARPS, GATE, STAGES>;\n"
     << "static_assert(PrepareTraits::kSmemBytes == " << out.prepareSmemBytes
     << ", \"host and device disagree on shared memory\");\n"
     << "static_assert(Traits::kSmemBytes == " << out.smemBytes
     << ", \"host and device disagree on shared memory\");\n"
     << "} // namespace attnc_generated\n";
  printEntry(os, out.prepareEntry, "PrepareTraits", "linearDeltaPrepareKernel",
             "attnc_generated::PrepareTraits");
  printEntry(os, out.entryName, "Traits", "linearDeltaWalkKernel", "attnc_generated::Traits");
  return body;
}

/// The mLSTM: LinearMlstmTraits and its one entry (no split path).
std::string printMlstmPrelude(const EmittedLinearKernel &out) {
  std::string body;
  llvm::raw_string_ostream os(body);
  os << "#include \"attnc/Expr.cuh\"\n"
     << "#include \"attnc/LinearMlstm.cuh\"\n\n";
  printConstants(out, os);
  os << "using Traits = attnc::LinearMlstmTraits<"
     << (out.dtype == "bf16" ? "__nv_bfloat16" : "__half")
     << ", HEAD_K, HEAD_V, SLICE_V, CHUNK, SUB, NUM_WARPS, GATE, STAGES, SPAN>;\n"
     << "static_assert(Traits::kSmemBytes == " << out.smemBytes
     << ", \"host and device disagree on shared memory\");\n"
     << "} // namespace attnc_generated\n";
  printEntry(os, out.entryName, "Traits", "linearMlstmKernel", "attnc_generated::Traits");
  return body;
}

/// The whole prelude: a header line, then the rule's includes, traits and entries.
std::string printPrelude(const EmittedLinearKernel &out, const std::string &gateText) {
  std::string head;
  llvm::raw_string_ostream os(head);
  os << "// Generated by attnc for kernel '" << out.kernelName << "': chunkwise linear, "
     << out.recurrence << " (" << linearGateName(out.gate) << " gate), " << out.config.str()
     << ", K " << out.headDimK << ", V " << out.headDimV << ", " << out.dtype << ".\n";
  if (out.rule == LinearRule::Delta)
    return head + printDeltaPrelude(out);
  if (out.gate == LinearGateKind::MlstmSig || out.gate == LinearGateKind::MlstmExp)
    return head + printMlstmPrelude(out);
  return head + printChunkPrelude(out, gateText);
}

} // namespace

FailureOr<EmittedLinearKernel> emitLinearChunk(attn::KernelOp kernel, int headDimK, int headDimV,
                                               const LinearConfig &config) {
  attn::LinearAttentionOp op = kernel.getLinearAttention();
  if (!op)
    return errorAt(kernel.getLoc(), "expected an attn.linear_attention kernel");
  EmittedLinearKernel out;
  out.kernelName = kernel.getSymName().str();
  out.entryName = "attnc_" + out.kernelName;
  out.headDimK = headDimK;
  out.headDimV = headDimV;
  out.config = config;
  out.dtype = kernel.getDtype().isBF16() ? "bf16" : "f16";
  SymbolAccess access;
  if (failed(bindDims(kernel, out, access)))
    return failure();
  auto kind = op->getAttrOfType<attn::RecurrenceAttr>("recurrence");
  const bool mlstm = kind && kind.getValue() == attn::Recurrence::MLSTM;
  SmallVector<attn::StateOp> states(op.getBodyRegion().getOps<attn::StateOp>());
  if (states.size() != (mlstm ? 2u : 1u))
    return errorAt(op.getLoc()) << "expected one [K, V] state" << (mlstm ? " and one [K]" : "")
                                << ", got " << states.size() << " states";
  attn::StateOp state = states.front(), norm; // the [K, V] state and the mLSTM's [K] one
  if (mlstm) {
    const bool matrixFirst = attn::isMatrixType(states.front().getValueType());
    state = matrixFirst ? states.front() : states.back();
    norm = matrixFirst ? states.back() : states.front();
  }

  std::string gateText;
  llvm::raw_string_ostream gateOs(gateText);
  if (failed(emitGate(kernel, op, state, norm, out, access, gateOs)))
    return failure();
  if (!mlstm && !isScaledQS(op.getOutput(), state.getSymName()))
    return errorAt(op.getOutput().getLoc())
           << "expected the output scale * (q[t] @ " << state.getSymName()
           << "), which is what the chunkwise template computes";
  if (failed(bindInputs(kernel, out)))
    return failure();
  if (std::string why = linearConfigProblem(headDimK, headDimV, out.gate, out.rule, config);
      !why.empty())
    return errorAt(op.getLoc()) << "tile config " << config.str() << " does not fit K=" << headDimK
                                << ", V=" << headDimV << ", " << linearGateName(out.gate)
                                << " gates: " << why;
  out.threads = config.numWarps * kWarpThreads;
  out.smemBytes = linearSmemBytes(headDimK, out.gate, out.rule, config);
  if (out.rule == LinearRule::Delta) {
    out.prepareEntry = out.entryName + "_prepare";
    out.prepareThreads = linearDeltaPrepareWarps(config) * kWarpThreads;
    out.prepareSmemBytes = linearDeltaPrepareSmemBytes(headDimK, headDimV, out.gate, config);
    out.tokenBytes = linearDeltaTokenBytes(headDimK, headDimV, config);
  } else if (!mlstm) { // the mLSTM has no split path: one CTA walks each sequence
    out.segmentStateEntry = out.entryName + "_segment_state";
    out.segmentFoldEntry = out.entryName + "_segment_fold";
    out.segmentBytes = int64_t(headDimK) * (headDimV + 1) * kFloatBytes;
  }
  out.source = printPrelude(out, gateText);
  return out;
}

} // namespace attnc::cuda
