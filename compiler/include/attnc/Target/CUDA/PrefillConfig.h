//===- PrefillConfig.h - Tile shape of a prefill kernel ------------*- C++ -*-===//
//
// The compile-time parameters of the two prefill templates, as the emitter, the tuner and
// the CLI exchange them: templates/attnc/Prefill.cuh (PrefillTraits: mma.sync, any arch
// from sm_80) and templates/attnc/PrefillSm90.cuh (PrefillSm90Traits: wgmma with a
// producer warpgroup and two consumer warpgroups at one CTA per SM, or one consumer
// warpgroup at two CTAs per SM; sm_90a only). No MLIR: the tuner includes this.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TARGET_CUDA_PREFILLCONFIG_H
#define ATTNC_TARGET_CUDA_PREFILLCONFIG_H

#include <optional>
#include <string>
#include <vector>

namespace attnc::cuda {

/// Shared memory the system keeps per resident CTA on sm_80 and later (PrefillSm90Traits::
/// kReservedSmemPerCta; the runtime's LinearLaunch.h restates it for the split path).
constexpr int kSmemReservedPerCta = 1024;

/// Query rows of an sm_90a CTA at one CTA per SM: two consumer warpgroups of one wgmma M
/// (64) each.
constexpr int kSm90BlockM = 128;
/// Warps of an sm_90a CTA at one CTA per SM: one producer and two consumer warpgroups.
constexpr int kSm90Warps = 12;
/// Query rows of an sm_90a CTA at `ctasPerSm` CTAs per SM (2: one consumer warpgroup).
constexpr int sm90BlockM(int ctasPerSm) { return ctasPerSm == 2 ? kSm90BlockM / 2 : kSm90BlockM; }
/// Warps of an sm_90a CTA at `ctasPerSm` CTAs per SM (2: one producer, one consumer).
constexpr int sm90Warps(int ctasPerSm) { return ctasPerSm == 2 ? 8 : kSm90Warps; }

/// The tile shape of a prefill kernel.
struct PrefillConfig {
  int blockM = 128;
  int blockN = 64;
  int numWarps = 4;
  int stages = 2;
  bool qInRegs = false;
  /// The sm_90a template (wgmma, warp-specialised); blockM and numWarps are then fixed.
  bool sm90 = false;
  /// sm_90a: the previous block's P V runs while this block's softmax is computed.
  bool overlap = false;
  /// sm_90a: CTAs resident per SM, 1 (BLOCK_M 128) or 2 (BLOCK_M 64, each CTA with half
  /// the registers and shared memory, so one CTA's prologue and epilogue hide under the
  /// other's main loop).
  int ctasPerSm = 1;
  /// sm_90a: 0, one CTA per query block; 1 or 2, persistent CTAs (as many as fit the GPU,
  /// each walking every grid-th query block, so one tile's fill and drain overlap the
  /// next's) with that many Q buffers.
  int persistent = 0;
  /// sm_90a, two consumer warpgroups: they issue their wgmmas in turns (FA3's ping-pong),
  /// so one's softmax runs under the other's products.
  bool pingpong = false;

  /// "128x64 w4 s2 q:smem", or "sm90 128x128 s3 overlap" / "sm90 64x64 s3 x2 overlap" /
  /// "sm90 128x128 s2 persist pingpong" for the sm_90a template ("x2": two CTAs per SM;
  /// "persist", "persist2": persistent with one or two Q buffers; "pingpong": consumers
  /// take turns).
  std::string str() const;
  /// Reads str()'s form back (tuning records store it); nullopt when malformed.
  static std::optional<PrefillConfig> parse(const std::string &text);
  /// An sm_90a config of the given key block, stages, overlap and CTAs per SM.
  static PrefillConfig hopper(int blockN, int stages, bool overlap, int ctasPerSm = 1,
                              int persistent = 0, bool pingpong = false);
  bool operator==(const PrefillConfig &o) const { return str() == o.str(); }
};

/// Whether NVRTC arch `arch` ("sm_90a") runs the sm_90a template.
bool archHasWgmma(const std::string &arch);

/// How many keys a query row of the mask sees: `Wide` (no mask, causal, prefix: up to the
/// whole sequence), `Band` (a fixed-width band: sliding window, chunks, neighbourhoods) or
/// `DataDependent` (narrowed at run time by a block map, such as document ids). Band and
/// data-dependent CTAs visit few key blocks, so their fixed cost shows.
enum class MaskReach { Wide, Band, DataDependent };

/// Default tile shapes for a head dim on `arch`, best first (measured on H100,
/// bench/NOTES.md): on sm_90a the wgmma template first, then the mma.sync shapes.
/// Callers compile them in order and take the first that uses no local memory: how many
/// registers a variant's score and mask code add is only known after ptxas ran.
std::vector<PrefillConfig> prefillCandidates(int headDim, const std::string &arch = "sm_80",
                                             MaskReach reach = MaskReach::Wide);

/// Shared-memory bytes the template's traits compute for this config (the emitted prelude
/// static_asserts that they agree).
int prefillSmemBytes(int headDim, const PrefillConfig &config);

/// The most dynamic shared memory an sm_90a CTA may use at `ctasPerSm` CTAs per SM
/// (PrefillSm90Traits::kMaxSmemBytes).
int sm90MaxSmemBytes(int ctasPerSm);

/// Why an sm_90a config cannot be instantiated for `headDim` (the template's
/// static_asserts, restated), or nullopt when it can.
std::optional<std::string> sm90ConfigProblem(int headDim, const PrefillConfig &config);

} // namespace attnc::cuda

#endif // ATTNC_TARGET_CUDA_PREFILLCONFIG_H
