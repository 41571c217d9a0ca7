//===- LinearConfig.h - Tile shape of a chunkwise linear kernel ----*- C++ -*-===//
//
// The compile-time parameters of templates/attnc/LinearTraits.cuh (chunk, key sub-tile,
// V slice per CTA, warps) plus the launch's split of each sequence into segments (a
// run-time choice recorded in the kernel spec, so it costs no recompile) as the linear
// emitter, the CLI and the tuner exchange them, with the defaults measured by bench/dev/linear_probe.py on an H100
// (bench/NOTES.md, "Linear family") and the shared-memory formula the emitted prelude
// checks against LinearTraits::kSmemBytes. No MLIR, so the tuner can include it.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TARGET_CUDA_LINEARCONFIG_H
#define ATTNC_TARGET_CUDA_LINEARCONFIG_H

#include <optional>
#include <string>
#include <vector>

namespace attnc::cuda {

/// How the state decays between tokens; mirrors attnc::LinearGate in LinearTraits.cuh. The
/// two mLSTM kinds select templates/attnc/LinearMlstm.cuh (a normaliser state next to C;
/// the exponential input gate adds the max-state stabiliser).
enum class LinearGateKind {
  None = 0,
  PerHead = 1,
  PerToken = 2,
  PerChannel = 3,
  MlstmSig = 4,
  MlstmExp = 5
};

/// Whether `gate` is one of the mLSTM kinds.
bool isMlstmGate(LinearGateKind gate);

/// "none", "per-head", "per-token", "per-channel", "mlstm-sig", "mlstm-exp".
const char *linearGateName(LinearGateKind gate);

/// Most segments a config may ask for (LinearSegment.cuh; the runtime's auto choice stays
/// below it too).
constexpr int kMaxLinearSegments = 64;

/// The tile shape of a chunkwise linear kernel (LinearTraits' parameters) and the split.
struct LinearConfig {
  int chunk = 64;  ///< tokens per pass over the state (CHUNK)
  int sub = 32;    ///< key sub-tile of the intra-chunk product (SUB)
  int sliceV = 64; ///< V columns of the state one CTA owns (SLICE_V)
  int numWarps = 4;
  /// P, the chunk-aligned segments each sequence is split into, each walked by its own
  /// CTAs after a state pre-pass; 1 is the one-kernel path; 0 (the default) lets each
  /// launch choose from the device's SM count and the problem shape.
  int segments = 0;
  /// "c64 sub32 v64 w4", then " p4" when segments is fixed.
  std::string str() const;
  /// Reads str()'s form back; nullopt when malformed.
  static std::optional<LinearConfig> parse(const std::string &text);
  bool operator==(const LinearConfig &o) const { return str() == o.str(); }
};

/// Default tile shapes for head dims K, V and a gate kind, best first (H100,
/// bench/NOTES.md): c64 sub32 v64 w4 was fastest at T = 16k for every scalar gate and
/// c128 sub16 v128 w8 at T = 4k; per-channel gates need a 16-token sub-tile (c64 sub16
/// v64 w4); the mLSTM kinds replace c128 sub16 v128 w8 (over the shared-memory limit with
/// their gate tables) by c128 sub16 v64 w8. Callers take the first that compiles without
/// local memory.
std::vector<LinearConfig> linearCandidates(int headDimK, int headDimV, LinearGateKind gate);

/// Why `config` does not fit LinearTraits' static_asserts for these head dims and gate,
/// or an empty string when it does.
std::string linearConfigProblem(int headDimK, int headDimV, LinearGateKind gate,
                                const LinearConfig &config);

/// Shared-memory bytes LinearTraits (LinearMlstmTraits for the mLSTM kinds) computes for
/// this config (two stages of q, k, the V slice and the gates, plus the 16-bit copy of the
/// state; for the mLSTM also the gate tables and the normaliser).
int linearSmemBytes(int headDimK, LinearGateKind gate, const LinearConfig &config);

} // namespace attnc::cuda

#endif // ATTNC_TARGET_CUDA_LINEARCONFIG_H
