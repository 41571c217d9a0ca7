//===- KernelSpecText.cpp - KernelSpec <-> text -----------------------------------===//
//
// One record per line, "key value...", so a spec is diffable and greppable in a database.
// Floats are printed with 17 significant digits so defaults round-trip bit for bit.
//
//===----------------------------------------------------------------------===//
#include "attnc/Runtime/KernelSpec.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace attnc::runtime {

namespace {

constexpr const char *kHeader = "attnc-kernel-spec 1";

const char *gridName(GridRule g) {
  switch (g) {
  case GridRule::QueryBlocksHeadsBatch:
    return "query-blocks-heads-batch";
  case GridRule::SplitsHeadsBatch:
    return "splits-heads-batch";
  case GridRule::SplitsKvHeadsBatch:
    return "splits-kv-heads-batch";
  case GridRule::PersistentQueryBlocks:
    return "persistent-query-blocks";
  }
  return "?";
}

std::string formatDouble(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

Error lineError(int line, const std::string &what) {
  return makeError(ErrorCode::InvalidArgument,
                   "kernel spec line " + std::to_string(line) + ": " + what);
}

/// Applies one "key args..." record to `s`; returns an empty string or what is wrong.
std::string applyRecord(const std::string &key, std::istringstream &in, KernelSpec &s) {
  auto fail = [&] { return "malformed '" + key + "' record"; };
  if (key == "family") {
    std::string v;
    in >> v;
    for (KernelFamily f :
         {KernelFamily::SoftmaxPrefill, KernelFamily::SoftmaxDecode, KernelFamily::Linear})
      if (v == familyName(f)) {
        s.family = f;
        return "";
      }
    return "unknown family '" + v + "'";
  }
  if (key == "grid") {
    std::string v;
    in >> v;
    for (GridRule g : {GridRule::QueryBlocksHeadsBatch, GridRule::SplitsHeadsBatch,
                       GridRule::SplitsKvHeadsBatch, GridRule::PersistentQueryBlocks})
      if (v == gridName(g)) {
        s.grid = g;
        return "";
      }
    return "unknown grid rule '" + v + "'";
  }
  if (key == "dtype" || key == "input") {
    std::string name, dtype;
    if (key == "input")
      in >> name;
    in >> dtype;
    Expected<DType> d = parseDType(dtype);
    if (!d)
      return d.error().message;
    if (key == "dtype") {
      s.dtype = *d;
      return "";
    }
    InputSlot slot{name, *d, {}};
    for (std::string dim; in >> dim;)
      slot.dims.push_back(dim);
    s.inputs.push_back(std::move(slot));
    return name.empty() ? fail() : "";
  }
  if (key == "param") {
    ParamSlot p;
    std::string kind, def;
    if (!(in >> p.name >> kind >> p.slot >> def) || (kind != "int" && kind != "float"))
      return fail();
    p.isFloat = kind == "float";
    p.hasDefault = def != "-";
    if (p.hasDefault) {
      char *end = nullptr;
      p.defaultValue = std::strtod(def.c_str(), &end);
      if (*end)
        return "bad default '" + def + "' for param '" + p.name + "'";
    }
    s.params.push_back(p);
    return "";
  }
  if (key == "dim") {
    DimSymbolSlot d;
    if (!(in >> d.name >> d.slot))
      return fail();
    s.dimSymbols.push_back(d);
    return "";
  }
  if (key == "entry")
    return (in >> s.entryName) ? "" : fail();
  if (key == "linear") {
    std::string gate, input;
    if (!(in >> gate >> s.linear.sliceV >> input))
      return fail();
    s.linear.gateInput = input == "-" ? "" : input;
    bool known = false;
    for (LinearGate g : {LinearGate::None, LinearGate::PerHead, LinearGate::PerToken,
                         LinearGate::PerChannel, LinearGate::MlstmSig, LinearGate::MlstmExp})
      if (gate == linearGateName(g)) {
        s.linear.gate = g;
        known = true;
      }
    if (!known)
      return "unknown linear gate '" + gate + "'";
    // The mLSTM kinds name their input-gate input next; split-capable kernels may end with
    // the segment count and the workspace bytes per segment.
    if (s.linear.isMlstm()) {
      if (!(in >> s.linear.inputGateInput))
        return fail();
    } else if (int segments = 0; in >> segments) {
      s.linear.segments = segments;
      if (!(in >> s.linear.segmentBytes))
        return fail();
    }
    return "";
  }
  if (key == "linear_stage") {
    LinearStage stage;
    std::string grid;
    if (!(in >> stage.entryName >> grid >> stage.threadsPerBlock >> stage.dynamicSmemBytes))
      return fail();
    std::string when;
    if (in >> when) {
      if (when != linearStageWhenName(LinearStageWhen::Always))
        return "unknown linear stage condition '" + when + "'";
      stage.when = LinearStageWhen::Always;
    }
    for (LinearStageGrid g :
         {LinearStageGrid::SlicesHeadsEarlierSegments, LinearStageGrid::SlicesHeadsSegments,
          LinearStageGrid::SlicesHeadsSequences, LinearStageGrid::ChunksHeadsSequences})
      if (grid == linearStageGridName(g)) {
        stage.grid = g;
        s.linear.splitStages.push_back(std::move(stage));
        return "";
      }
    return "unknown linear stage grid '" + grid + "'";
  }
  if (key == "linear_delta")
    return (in >> s.linear.betaInput >> s.linear.tokenBytes) ? "" : fail();
  if (key == "block_map") {
    int perBatch = 0, perHead = 0;
    if (!(in >> s.blockMap.entryName >> s.blockMap.threadsPerBlock >> perBatch >> perHead) ||
        (perBatch != 0 && perBatch != 1) || (perHead != 0 && perHead != 1))
      return fail();
    s.blockMap.perBatch = perBatch == 1;
    s.blockMap.perHead = perHead == 1;
    return "";
  }
  bool ok = true;
  if (key == "head_dim")
    ok = bool(in >> s.headDim >> s.headDimV);
  else if (key == "block")
    ok = bool(in >> s.blockM >> s.blockN);
  else if (key == "threads")
    ok = bool(in >> s.threadsPerBlock);
  else if (key == "smem")
    ok = bool(in >> s.dynamicSmemBytes);
  else if (key == "vector_bytes")
    ok = bool(in >> s.vectorBytes);
  else if (key == "lse") {
    int v = 0;
    ok = bool(in >> v) && (v == 0 || v == 1);
    s.writesLse = v == 1;
  } else
    return "unknown record '" + key + "'";
  return ok ? "" : fail();
}

} // namespace

std::string serializeKernelSpec(const KernelSpec &s) {
  std::ostringstream out;
  out << kHeader << "\n"
      << "family " << familyName(s.family) << "\n"
      << "entry " << s.entryName << "\n"
      << "dtype " << dtypeName(s.dtype) << "\n"
      << "head_dim " << s.headDim << " " << s.headDimV << "\n"
      << "block " << s.blockM << " " << s.blockN << "\n"
      << "threads " << s.threadsPerBlock << "\n"
      << "smem " << s.dynamicSmemBytes << "\n"
      << "lse " << (s.writesLse ? 1 : 0) << "\n"
      << "grid " << gridName(s.grid) << "\n"
      << "vector_bytes " << s.vectorBytes << "\n";
  if (s.needsBlockMap())
    out << "block_map " << s.blockMap.entryName << " " << s.blockMap.threadsPerBlock << " "
        << (s.blockMap.perBatch ? 1 : 0) << " " << (s.blockMap.perHead ? 1 : 0) << "\n";
  if (s.family == KernelFamily::Linear) {
    out << "linear " << linearGateName(s.linear.gate) << " " << s.linear.sliceV << " "
        << (s.linear.gateInput.empty() ? "-" : s.linear.gateInput);
    if (s.linear.isMlstm())
      out << " " << s.linear.inputGateInput;
    if (s.linear.canSplit())
      out << " " << s.linear.segments << " " << s.linear.segmentBytes;
    out << "\n";
    for (const LinearStage &stage : s.linear.splitStages)
      out << "linear_stage " << stage.entryName << " " << linearStageGridName(stage.grid) << " "
          << stage.threadsPerBlock << " " << stage.dynamicSmemBytes
          << (stage.when == LinearStageWhen::Always ? " always" : "") << "\n";
    if (!s.linear.betaInput.empty())
      out << "linear_delta " << s.linear.betaInput << " " << s.linear.tokenBytes << "\n";
  }
  for (const InputSlot &in : s.inputs) {
    out << "input " << in.name << " " << dtypeName(in.dtype);
    for (const std::string &d : in.dims)
      out << " " << d;
    out << "\n";
  }
  for (const ParamSlot &p : s.params)
    out << "param " << p.name << " " << (p.isFloat ? "float" : "int") << " " << p.slot << " "
        << (p.hasDefault ? formatDouble(p.defaultValue) : "-") << "\n";
  for (const DimSymbolSlot &d : s.dimSymbols)
    out << "dim " << d.name << " " << d.slot << "\n";
  return out.str();
}

Expected<KernelSpec> parseKernelSpec(const std::string &text) {
  std::istringstream lines(text);
  std::string line;
  if (!std::getline(lines, line) || line != kHeader)
    return lineError(1, "expected '" + std::string(kHeader) + "', got '" + line + "'");
  KernelSpec spec;
  for (int number = 2; std::getline(lines, line); ++number) {
    if (line.empty() || line[0] == '#')
      continue;
    std::istringstream in(line);
    std::string key;
    in >> key;
    if (std::string problem = applyRecord(key, in, spec); !problem.empty())
      return lineError(number, problem);
    std::string extra;
    if (key != "input" && in >> extra)
      return lineError(number, "unexpected '" + extra + "' after the '" + key + "' record");
  }
  if (Status st = spec.verify(); !st)
    return st.takeError();
  return spec;
}

} // namespace attnc::runtime
