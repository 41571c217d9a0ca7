//===- LinearLaunch.cpp - Linear-family argument validation ----------------===//
//
// Checks run in the order a user would fix them: each tensor on its own, then shapes
// against each other and the kernel's K and V, then the packed-sequence offsets, the gate,
// input-gate and beta inputs and the states, then the grid limits. Alignment rules follow
// the template's copies: q/k/v rows by 16-byte cp.async, o by 4-byte pair stores,
// per-channel gates by 16-byte cp.async, per-token gates and beta by 4-byte copies (any
// strides), states by 8-byte float2 accesses, the mLSTM's n and m by floats. The stages a
// launch runs first (with P > 1 segments per sequence, or always: the delta rule's prepare
// stage) get their grids, and the workspace is checked last.
//
//===----------------------------------------------------------------------===//
#include "attnc/Runtime/LinearLaunch.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>

namespace attnc::runtime {

namespace {

constexpr int kCopyBytes = 16;     // cp.async of q, k, v rows and per-channel gate rows
constexpr int kStateAlign = 8;     // float2 loads and stores of the state
constexpr int kTokenGateAlign = 4; // per-token gates and beta are copied one float at a time
constexpr int kFloatAlign = 4;     // the mLSTM's n and m are read and written as floats
constexpr int64_t kMaxGridYZ = 65535;
constexpr int kLinearRank = 4;
constexpr int kWorkspaceAlign = 16; // float4-aligned segment records

Error argError(const std::string &message) {
  return makeError(ErrorCode::InvalidArgument, message);
}

std::string str(int64_t v) { return std::to_string(v); }

std::string shapeString(const TensorDesc &t) {
  std::string s = "[";
  for (int d = 0; d < t.rank && d < 4; ++d)
    s += (d ? ", " : "") + str(t.shape[d]);
  return s + "]";
}

/// One tensor on its own: pointer, dtype, rank, sizes, strides, and with `rowAlign` > 0
/// a contiguous last dim with the pointer and every outer stride multiples of it (bytes).
Status checkTensor(const std::string &name, const TensorDesc &t, DType dtype, int rank,
                   const std::string &layout, int pointerAlign, int rowAlign) {
  if (!t.data)
    return argError(name + ": null data pointer");
  if (t.dtype != dtype)
    return argError(name + ": expected " + dtypeName(dtype) + ", got " + dtypeName(t.dtype));
  if (t.rank != rank)
    return argError(name + ": expected rank " + str(rank) + " " + layout + ", got rank " +
                    str(t.rank));
  for (int d = 0; d < rank; ++d) {
    if (t.shape[d] <= 0 || t.shape[d] > INT_MAX)
      return argError(name + ": dimension " + str(d) + " of " + layout +
                      " must be in [1, 2^31), got " + str(t.shape[d]));
    if (t.strides[d] < 0)
      return argError(name + ": stride of dimension " + str(d) + " must be non-negative, got " +
                      str(t.strides[d]));
  }
  if (reinterpret_cast<uintptr_t>(t.data) % uintptr_t(pointerAlign) != 0)
    return argError(name + ": pointer not " + str(pointerAlign) + "-byte aligned");
  if (rowAlign <= 0)
    return Status::success();
  if (t.strides[rank - 1] != 1)
    return argError(name + ": last dimension must be contiguous (stride 1), got " +
                    str(t.strides[rank - 1]));
  const int elem = dtypeSize(dtype);
  for (int d = 0; d < rank - 1; ++d)
    if ((t.strides[d] * elem) % rowAlign != 0)
      return argError(name + ": stride of dimension " + str(d) + " is " + str(t.strides[d]) +
                      " elements (" + str(t.strides[d] * elem) + " bytes), not a multiple of " +
                      str(rowAlign) + " bytes");
  return Status::success();
}

AttncTensorArg tensorArg(const TensorDesc &t) {
  AttncTensorArg a;
  a.ptr = t.data;
  for (int d = 0; d < ATTNC_MAX_RANK; ++d) {
    a.stride[d] = d < t.rank ? t.strides[d] : 0;
    a.size[d] = d < t.rank ? t.shape[d] : 1;
  }
  return a;
}

/// The problem's sizes, bound from q and v.
struct LinearDims {
  int64_t B, H, T, K, V, sequences;
  /// A spec dim name (B, Hq/Hkv, N/M, D, Dv or a literal) to its size; -1 if unknown.
  int64_t lookup(const std::string &dim) const {
    if (dim == "B")
      return B;
    if (dim == "Hq" || dim == "Hkv")
      return H;
    if (dim == "N" || dim == "M")
      return T;
    if (dim == "D")
      return K;
    if (dim == "Dv")
      return V;
    if (!dim.empty() && dim.find_first_not_of("0123456789") == std::string::npos)
      return std::stoll(dim);
    return -1;
  }
};

Status checkOperands(const KernelSpec &spec, const LinearLaunchArgs &a, LinearDims &dims) {
  const int elem = dtypeSize(spec.dtype);
  const struct {
    const char *name;
    const TensorDesc &t;
    const char *layout;
    int align;
    bool keySide; ///< last dim K (q, k) rather than V (v, o)
  } operands[] = {{"q", a.q, "[B, H, T, K]", kCopyBytes, true},
                  {"k", a.k, "[B, H, T, K]", kCopyBytes, true},
                  {"v", a.v, "[B, H, T, V]", kCopyBytes, false},
                  {"o", a.o, "[B, H, T, V]", 2 * elem, false}};
  for (const auto &op : operands)
    if (Status st =
            checkTensor(op.name, op.t, spec.dtype, kLinearRank, op.layout, op.align, op.align);
        !st)
      return st;
  dims = {a.q.shape[0], a.q.shape[1], a.q.shape[2], a.q.shape[3], a.v.shape[3], a.q.shape[0]};
  for (const auto &op : operands) {
    const int64_t want = op.keySide ? spec.headDim : spec.headDimV;
    if (op.t.shape[3] != want)
      return argError(std::string(op.name) + ": head dim " + str(op.t.shape[3]) +
                      " does not match the kernel's " + (op.keySide ? "K=" : "V=") + str(want));
    if (op.t.shape[0] != dims.B || op.t.shape[1] != dims.H || op.t.shape[2] != dims.T)
      return argError(std::string(op.name) + ": shape " + shapeString(op.t) +
                      " does not match q's [B, H, T] = [" + str(dims.B) + ", " + str(dims.H) +
                      ", " + str(dims.T) + "] (the linear family has no grouped heads)");
  }
  return Status::success();
}

/// "the kernel takes no inputs", "the kernel's gate input is 'g'", for the mLSTM "the
/// kernel's gate inputs are 'f' and 'i'", for the delta rule "... beta input is 'beta'".
std::string expectedInputs(const LinearSpec &l) {
  std::string out;
  if (!l.gateInput.empty())
    out = l.inputGateInput.empty()
              ? "the kernel's gate input is '" + l.gateInput + "'"
              : "the kernel's gate inputs are '" + l.gateInput + "' and '" + l.inputGateInput + "'";
  if (!l.betaInput.empty())
    out += (out.empty() ? "the kernel's beta input is '" : " and its beta input '") +
           l.betaInput + "'";
  return out.empty() ? "the kernel takes no inputs" : out;
}

/// One given gate input against its slot: dtype, rank, sizes, alignment.
Status checkGateTensor(const KernelSpec &spec, const InputSlot &slot, const TensorDesc &t,
                       const LinearDims &dims) {
  std::string layout = "[";
  for (size_t d = 0; d < slot.dims.size(); ++d)
    layout += (d ? ", " : "") + slot.dims[d];
  layout += "]";
  const bool perChannel =
      spec.linear.gate == LinearGate::PerChannel && slot.name == spec.linear.gateInput;
  const int align = perChannel ? kCopyBytes : kTokenGateAlign;
  if (Status st = checkTensor(slot.name, t, slot.dtype, int(slot.dims.size()), layout, align,
                              perChannel ? kCopyBytes : 0);
      !st)
    return st;
  for (size_t d = 0; d < slot.dims.size(); ++d) {
    const int64_t want = dims.lookup(slot.dims[d]);
    if (t.shape[d] != want)
      return argError(slot.name + ": dimension " + str(d) + " is " + str(t.shape[d]) + " but " +
                      slot.dims[d] + "=" + str(want) + " (expected shape " + layout + ")");
  }
  return Status::success();
}

/// Binds the gate input to p.g, the mLSTM's input gate to p.igate and the delta rule's beta
/// to p.beta; every given input must be one of them.
Status checkGates(const KernelSpec &spec, const LinearLaunchArgs &a, const LinearDims &dims,
                  AttncLinearParams &p) {
  constexpr int kStreamedInputs = 3; // gate, input gate, beta
  const std::string *names[] = {&spec.linear.gateInput, &spec.linear.inputGateInput,
                                &spec.linear.betaInput};
  AttncTensorArg *bound[] = {&p.g, &p.igate, &p.beta};
  const NamedTensor *given[] = {nullptr, nullptr, nullptr};
  for (const NamedTensor &in : a.inputs) {
    if (!in.name)
      return argError("an extra input has no name");
    int which = -1;
    for (int x = 0; x < kStreamedInputs; ++x)
      if (!names[x]->empty() && *names[x] == in.name)
        which = x;
    if (which < 0)
      return argError("unknown input '" + std::string(in.name) + "' (" +
                      expectedInputs(spec.linear) + ")");
    if (given[which])
      return argError("input '" + std::string(in.name) + "' given twice");
    given[which] = &in;
  }
  for (int x = 0; x < kStreamedInputs; ++x) {
    if (names[x]->empty())
      continue;
    const InputSlot *slot = nullptr;
    for (const InputSlot &in : spec.inputs)
      if (in.name == *names[x])
        slot = &in;
    if (!given[x]) {
      std::string layout;
      for (const std::string &d : slot->dims)
        layout += (layout.empty() ? "" : ", ") + d;
      return argError("missing input '" + slot->name + "' (" + dtypeName(slot->dtype) + "[" +
                      layout + "])");
    }
    if (Status st = checkGateTensor(spec, *slot, given[x]->tensor, dims); !st)
      return st;
    *bound[x] = tensorArg(given[x]->tensor);
  }
  return Status::success();
}

/// The role sizes of a state: C [N, H, K, V], the mLSTM's n [N, H, K] and m [N, H].
enum class StateKind { Matrix, Norm, Max };

Status checkState(const char *name, const TensorDesc *t, const LinearDims &dims,
                  StateKind kind = StateKind::Matrix) {
  if (!t)
    return Status::success();
  const int rank = kind == StateKind::Matrix ? kLinearRank : kind == StateKind::Norm ? 3 : 2;
  const char *layout = kind == StateKind::Matrix ? "[N, H, K, V]"
                       : kind == StateKind::Norm ? "[N, H, K]"
                                                 : "[N, H]";
  const int align = kind == StateKind::Matrix ? kStateAlign : kFloatAlign;
  if (Status st = checkTensor(name, *t, DType::F32, rank, layout, align, 0); !st)
    return st;
  const int64_t all[] = {dims.sequences, dims.H, dims.K, dims.V};
  std::string want;
  for (int d = 0; d < rank; ++d)
    want += (d ? ", " : "") + str(all[d]);
  for (int d = 0; d < rank; ++d)
    if (t->shape[d] != all[d])
      return argError(std::string(name) + ": shape " + shapeString(*t) + " does not match " +
                      layout + " = [" + want + "]");
  for (int d = 0; d < rank; ++d) {
    int64_t contiguous = 1;
    for (int e = d + 1; e < rank; ++e)
      contiguous *= all[e];
    if (t->strides[d] != contiguous)
      return argError(std::string(name) + ": expected a contiguous " + layout +
                      " state, got stride " + str(t->strides[d]) + " in dimension " + str(d));
  }
  return Status::success();
}

/// The mLSTM's extra states: n for both kinds, m for the exponential input gate only;
/// stabilised outputs (C or n written under the exponential gate) need m beside them.
Status checkMlstmStates(const KernelSpec &spec, const LinearLaunchArgs &a, const LinearDims &dims) {
  const bool mlstm = spec.linear.isMlstm();
  const bool stabilised = spec.linear.gate == LinearGate::MlstmExp;
  if (!mlstm && (a.normIn || a.normOut))
    return argError(std::string(a.normIn ? "norm_in" : "norm_out") +
                    ": only mLSTM kernels carry a normaliser state");
  if (!stabilised && (a.maxIn || a.maxOut))
    return argError(std::string(a.maxIn ? "max_in" : "max_out") +
                    ": only mLSTM kernels with an exponential input gate carry a max state");
  if (stabilised && (a.stateOut || a.normOut) && !a.maxOut)
    return argError(std::string(a.stateOut ? "state_out" : "norm_out") +
                    ": the exponential-gate mLSTM stores C and n as C e^-m and n e^-m, so "
                    "writing them needs max_out for m");
  if (Status st = checkState("norm_in", a.normIn, dims, StateKind::Norm); !st)
    return st;
  if (Status st = checkState("norm_out", a.normOut, dims, StateKind::Norm); !st)
    return st;
  if (Status st = checkState("max_in", a.maxIn, dims, StateKind::Max); !st)
    return st;
  return checkState("max_out", a.maxOut, dims, StateKind::Max);
}

Status checkSequences(const LinearLaunchArgs &a, LinearDims &dims, AttncLinearParams &p) {
  if (!a.cuSeqlens)
    return Status::success();
  const TensorDesc &cu = *a.cuSeqlens;
  if (Status st = checkTensor("cu_seqlens", cu, DType::I32, 1, "[N + 1]", sizeof(int32_t), 0); !st)
    return st;
  if (cu.strides[0] != 1)
    return argError("cu_seqlens: expected a contiguous vector, got stride " + str(cu.strides[0]));
  if (cu.shape[0] < 2)
    return argError("cu_seqlens: expected at least 2 offsets (one sequence), got " +
                    str(cu.shape[0]));
  if (dims.B != 1)
    return argError("cu_seqlens: packed sequences live in batch row 0, so q's batch must be 1, "
                    "got " +
                    str(dims.B));
  dims.sequences = cu.shape[0] - 1;
  p.cu_seqlens = static_cast<const int *>(cu.data);
  return Status::success();
}


/// The grid of one stage for P segments per sequence, the pre-pass's cut into R pieces.
void stageGrid(const KernelSpec &spec, LinearStageGrid rule, const LinearDims &dims, bool packed,
               int segments, int pieces, unsigned (&grid)[3]) {
  if (rule == LinearStageGrid::ChunksHeadsSequences) {
    const int64_t chunk = spec.blockM;
    grid[0] = unsigned(packed ? dims.T / chunk + dims.sequences : (dims.T + chunk - 1) / chunk);
    grid[1] = unsigned(dims.H);
    grid[2] = unsigned(packed ? 1 : dims.sequences);
    return;
  }
  grid[0] = unsigned(spec.headDimV / spec.linear.sliceV);
  grid[1] = unsigned(dims.H);
  const int64_t perSeq = rule == LinearStageGrid::SlicesHeadsEarlierSegments
                             ? int64_t(segments - 1) * pieces
                         : rule == LinearStageGrid::SlicesHeadsSegments        ? segments
                                                                               : 1;
  grid[2] = unsigned(dims.sequences * perSeq);
}

/// Segment records ((P - 1) R per sequence and head) when P > 1; per-token rows ([B or 1
/// packed row][H][T]) for stages that run on every launch (a spec never has both).
int64_t workspaceNeed(const KernelSpec &spec, const LinearDims &dims, int segments, int pieces) {
  const int64_t records = segments > 1 ? dims.sequences * dims.H * (segments - 1) * pieces *
                                             spec.linear.segmentBytes
                                       : 0;
  return records + dims.B * dims.H * dims.T * spec.linear.tokenBytes;
}

/// The sizes of a problem, with sequences counted from cu_seqlens when given.
Status bindDims(const KernelSpec &spec, const LinearLaunchArgs &args, LinearDims &dims,
                AttncLinearParams &p) {
  if (Status st = checkOperands(spec, args, dims); !st)
    return st;
  return checkSequences(args, dims, p);
}

/// The stages and the workspace of a launch with `segments` per sequence: Split stages
/// when P > 1, Always stages on every launch.
Status bindSplit(const KernelSpec &spec, const LinearLaunchArgs &args, const LinearDims &dims,
                 int segments, int pieces, LinearLaunchConfig &c) {
  c.segments = segments;
  c.statePieces = pieces;
  c.params.num_segments = segments;
  c.params.state_pieces = pieces;
  const int64_t need = workspaceNeed(spec, dims, segments, pieces);
  if (need == 0)
    return Status::success();
  if (!args.workspace || args.workspaceCapacity < need)
    return argError("workspace: " +
                    (segments > 1 ? "this launch splits each sequence into " + str(segments) +
                                        " segments and needs "
                                  : std::string("the stages this kernel always runs need ")) +
                    str(need) + " bytes (linearWorkspaceBytes), got " +
                    (args.workspace ? str(args.workspaceCapacity) : std::string("none")));
  if (reinterpret_cast<uintptr_t>(args.workspace) % kWorkspaceAlign != 0)
    return argError("workspace: pointer not " + str(kWorkspaceAlign) + "-byte aligned");
  c.params.workspace = args.workspace;
  for (size_t i = 0; i < spec.linear.splitStages.size(); ++i) {
    const LinearStage &stage = spec.linear.splitStages[i];
    if (stage.when == LinearStageWhen::Split && segments <= 1)
      continue;
    LinearStageLaunch &l = c.stages[c.numStages++];
    l.stage = int(i);
    stageGrid(spec, stage.grid, dims, args.cuSeqlens != nullptr, segments, pieces, l.grid);
    l.block[0] = unsigned(stage.threadsPerBlock);
    l.dynamicSmemBytes = unsigned(stage.dynamicSmemBytes);
  }
  return Status::success();
}

} // namespace

const char *linearGateName(LinearGate gate) {
  switch (gate) {
  case LinearGate::None:
    return "none";
  case LinearGate::PerHead:
    return "per-head";
  case LinearGate::PerToken:
    return "per-token";
  case LinearGate::PerChannel:
    return "per-channel";
  case LinearGate::MlstmSig:
    return "mlstm-sig";
  case LinearGate::MlstmExp:
    return "mlstm-exp";
  }
  return "?";
}

bool LinearSpec::canSplit() const {
  return std::any_of(splitStages.begin(), splitStages.end(),
                     [](const LinearStage &s) { return s.when == LinearStageWhen::Split; });
}

const char *linearStageWhenName(LinearStageWhen when) {
  return when == LinearStageWhen::Always ? "always" : "split";
}

const char *linearStageGridName(LinearStageGrid grid) {
  switch (grid) {
  case LinearStageGrid::ChunksHeadsSequences:
    return "chunks-heads-sequences";
  case LinearStageGrid::SlicesHeadsEarlierSegments:
    return "slices-heads-earlier-segments";
  case LinearStageGrid::SlicesHeadsSegments:
    return "slices-heads-segments";
  case LinearStageGrid::SlicesHeadsSequences:
    return "slices-heads-sequences";
  }
  return "?";
}

namespace {
/// How many copies of a grid of `ctas` CTAs of `spec` fit the device's resident slots (SMs x
/// min(kSplitCtasPerSm, CTAs that fit an SM's shared memory)); 0 when the grid already fills
/// half of them, or the device is unknown.
int64_t splitCopies(const KernelSpec &spec, int64_t ctas, const LinearDeviceShape &device) {
  if (device.smCount <= 0 || ctas <= 0)
    return 0;
  const int64_t fit =
      int64_t(device.sharedMemoryPerSm) / (int64_t(spec.dynamicSmemBytes) + kSmemReservedPerCta);
  const int64_t slots = device.smCount * std::clamp<int64_t>(fit, 1, kSplitCtasPerSm);
  return 2 * ctas > slots ? 0 : slots / ctas;
}

/// Chunks of an average sequence.
int64_t chunksPerSequence(const KernelSpec &spec, int64_t sequences, int64_t tokens) {
  const int64_t chunk = std::max(spec.blockM, 1);
  return (tokens / sequences + chunk - 1) / chunk;
}
} // namespace

int linearSegmentsFor(const KernelSpec &spec, int64_t sequences, int64_t heads, int64_t tokens,
                      const LinearDeviceShape &device) {
  const LinearSpec &l = spec.linear;
  if (!l.canSplit() || sequences <= 0)
    return 1;
  const int64_t gridLimit = std::max<int64_t>(1, kMaxGridYZ / sequences);
  if (l.segments > 0)
    return int(std::min<int64_t>(l.segments, gridLimit));
  const int64_t copies =
      splitCopies(spec, int64_t(spec.headDimV / l.sliceV) * heads * sequences, device);
  if (copies == 0)
    return 1;
  const int64_t segments = std::min({copies, chunksPerSequence(spec, sequences, tokens) /
                                                 kMinSegmentChunks,
                                     int64_t(kMaxSegments), gridLimit});
  return int(std::max<int64_t>(segments, 1));
}

int linearStatePiecesFor(const KernelSpec &spec, int64_t sequences, int64_t heads,
                         int64_t tokens, int segments, const LinearDeviceShape &device) {
  if (segments <= 1 || sequences <= 0)
    return 1;
  const int64_t copies = splitCopies(
      spec, int64_t(spec.headDimV / spec.linear.sliceV) * heads * sequences * (segments - 1),
      device);
  if (copies == 0)
    return 1;
  const int64_t segmentChunks = chunksPerSequence(spec, sequences, tokens) / segments;
  const int64_t gridLimit = kMaxGridYZ / (sequences * (segments - 1));
  const int64_t pieces = std::min({copies, segmentChunks / kMinSegmentChunks,
                                   int64_t(kMaxStatePieces), gridLimit});
  return int(std::max<int64_t>(pieces, 1));
}

Status verifyLinearSpec(const KernelSpec &spec) {
  auto fail = [&](const std::string &what) {
    return makeError(ErrorCode::InvalidArgument,
                     "invalid kernel spec '" + spec.entryName + "': " + what);
  };
  const LinearSpec &l = spec.linear;
  if (int(l.gate) < 0 || int(l.gate) > int(LinearGate::MlstmExp))
    return fail("unknown linear gate " + str(int(l.gate)));
  if (l.sliceV <= 0 || spec.headDimV % l.sliceV != 0)
    return fail("V slice " + str(l.sliceV) + " does not divide V=" + str(spec.headDimV));
  const bool streamed =
      l.gate == LinearGate::PerToken || l.gate == LinearGate::PerChannel || l.isMlstm();
  if (streamed && l.gateInput.empty())
    return fail(std::string(linearGateName(l.gate)) + " gates need a gate input");
  if (l.gate == LinearGate::None && !l.gateInput.empty())
    return fail("a kernel without gates reads no gate input");
  if (l.isMlstm() != !l.inputGateInput.empty())
    return fail(l.isMlstm() ? "mLSTM kernels need an input-gate input"
                            : "only mLSTM kernels read an input-gate input");
  if (!l.betaInput.empty() && l.gate != LinearGate::None && l.gate != LinearGate::PerToken)
    return fail("the delta rule is plain or gated per token, got " +
                std::string(linearGateName(l.gate)) + " gates");
  // The streamed inputs, in the order the spec lists them: gate, input gate, beta.
  std::vector<const std::string *> names;
  for (const std::string *name : {&l.gateInput, &l.inputGateInput, &l.betaInput})
    if (!name->empty())
      names.push_back(name);
  bool ordered = spec.inputs.size() == names.size();
  for (size_t x = 0; ordered && x < names.size(); ++x)
    ordered = spec.inputs[x].name == *names[x] &&
              std::count_if(names.begin(), names.end(),
                            [&](const std::string *n) { return *n == *names[x]; }) == 1;
  if (!ordered)
    return fail(l.isMlstm() ? "the inputs of an mLSTM kernel are its gate inputs '" + l.gateInput +
                                  "' and '" + l.inputGateInput + "', in that order"
                : l.betaInput.empty()
                    ? "the only input of a linear kernel is its gate input '" + l.gateInput + "'"
                    : "the inputs of a delta-rule kernel are " +
                          (l.gateInput.empty() ? "" : "its gate input '" + l.gateInput + "' and ") +
                          "its beta input '" + l.betaInput + "', each once, in that order");
  for (const InputSlot &in : spec.inputs)
    if (in.dtype != DType::F32)
      return fail("the gate, input-gate and beta inputs must be f32");
  if (l.segments < 0)
    return fail("segments " + str(l.segments) + " is negative");
  if (l.segments != 1 && !l.canSplit())
    return fail(str(l.segments) + " segments need split stages");
  if (l.splitStages.size() > size_t(kMaxLinearStages))
    return fail("more than " + str(kMaxLinearStages) + " split stages");
  for (const LinearStage &stage : l.splitStages)
    if (stage.entryName.empty() || stage.threadsPerBlock <= 0 || stage.dynamicSmemBytes < 0)
      return fail("split stage '" + stage.entryName + "' needs a name, threads and shared memory");
  if (l.canSplit() && (l.segmentBytes <= 0 || l.segmentBytes % kWorkspaceAlign != 0))
    return fail("workspace bytes per segment " + str(l.segmentBytes) +
                " must be a positive multiple of " + str(kWorkspaceAlign));
  const bool always = std::any_of(l.splitStages.begin(), l.splitStages.end(),
                                  [](const LinearStage &s) { return s.when == LinearStageWhen::Always; });
  if (always != (l.tokenBytes > 0) || l.tokenBytes < 0)
    return fail("workspace bytes per token " + str(l.tokenBytes) +
                " must be positive exactly when a stage runs on every launch");
  if (always && l.canSplit())
    return fail("a kernel whose stages run on every launch cannot also split sequences");
  if (!l.betaInput.empty() && !always)
    return fail("the delta rule needs its prepare stage");
  return Status::success();
}

Expected<int64_t> linearWorkspaceBytes(const KernelSpec &spec, const LinearLaunchArgs &args,
                                       const LinearDeviceShape &device) {
  AttncLinearParams p;
  std::memset(&p, 0, sizeof(p));
  LinearDims dims;
  if (Status st = bindDims(spec, args, dims, p); !st)
    return st.takeError();
  const int segments = linearSegmentsFor(spec, dims.sequences, dims.H, dims.B * dims.T, device);
  return workspaceNeed(
      spec, dims, segments,
      linearStatePiecesFor(spec, dims.sequences, dims.H, dims.B * dims.T, segments, device));
}

Expected<LinearLaunchConfig> prepareLinearLaunch(const KernelSpec &spec,
                                                 const LinearLaunchArgs &args,
                                                 const LinearDeviceShape &device) {
  if (spec.family != KernelFamily::Linear)
    return argError("kernel '" + spec.entryName + "' is of the " + familyName(spec.family) +
                    " family; launch it with prepareLaunch");
  if (Status st = verifyLinearSpec(spec); !st)
    return st.takeError();
  LinearLaunchConfig c;
  std::memset(&c.params, 0, sizeof(c.params));
  AttncLinearParams &p = c.params;
  LinearDims dims;
  if (Status st = bindDims(spec, args, dims, p); !st)
    return st.takeError();
  if (Status st = checkGates(spec, args, dims, p); !st)
    return st.takeError();
  if (Status st = checkState("state_in", args.stateIn, dims); !st)
    return st.takeError();
  if (Status st = checkState("state_out", args.stateOut, dims); !st)
    return st.takeError();
  if (Status st = checkMlstmStates(spec, args, dims); !st)
    return st.takeError();
  const float scale = args.scale ? *args.scale : 1.0f / std::sqrt(float(spec.headDim));
  if (!std::isfinite(scale))
    return argError("scale: expected a finite value, got " + std::to_string(scale));
  if (dims.H > kMaxGridYZ || dims.sequences > kMaxGridYZ)
    return argError("grid (V slices, H=" + str(dims.H) + ", sequences=" + str(dims.sequences) +
                    ") exceeds CUDA's limit of " + str(kMaxGridYZ) + " in y and z");
  const int segments =
      linearSegmentsFor(spec, dims.sequences, dims.H, dims.B * dims.T, device);
  const int pieces =
      linearStatePiecesFor(spec, dims.sequences, dims.H, dims.B * dims.T, segments, device);
  if (Status st = bindSplit(spec, args, dims, segments, pieces, c); !st)
    return st.takeError();
  p.q = tensorArg(args.q);
  p.k = tensorArg(args.k);
  p.v = tensorArg(args.v);
  p.o = tensorArg(args.o);
  p.state_in = args.stateIn ? static_cast<const float *>(args.stateIn->data) : nullptr;
  p.state_out = args.stateOut ? static_cast<float *>(args.stateOut->data) : nullptr;
  p.norm_in = args.normIn ? static_cast<const float *>(args.normIn->data) : nullptr;
  p.norm_out = args.normOut ? static_cast<float *>(args.normOut->data) : nullptr;
  p.max_in = args.maxIn ? static_cast<const float *>(args.maxIn->data) : nullptr;
  p.max_out = args.maxOut ? static_cast<float *>(args.maxOut->data) : nullptr;
  p.num_seqs = int(dims.sequences);
  p.heads = int(dims.H);
  p.seq_len = int(dims.T);
  p.scale = scale;
  c.grid[0] = unsigned(spec.headDimV / spec.linear.sliceV);
  c.grid[1] = unsigned(dims.H);
  c.grid[2] = unsigned(dims.sequences * segments);
  c.block[0] = unsigned(spec.threadsPerBlock);
  c.dynamicSmemBytes = unsigned(spec.dynamicSmemBytes);
  return c;
}

} // namespace attnc::runtime
