//===- TunerGpuLibTest.cpp - The GPU tuner's CPU-side pieces ---------------===//
//
// What can be checked without a GPU: the DeviceInfo text form the device probe sends
// over its pipe, the shape candidates are checked on, the config text the database
// stores, the landscape SVG (well-formed, one bar per measured config, failures listed
// with their reason), and the linear family's problem key and check problem.
//
//===----------------------------------------------------------------------===//
#include "attnc/Target/CUDA/PrefillConfig.h"
#include "attnc/Tuner/DeviceProbe.h"
#include "attnc/Tuner/LandscapeSvg.h"
#include "attnc/Tuner/LinearTuner.h"
#include "attnc/Tuner/PrefillTuner.h"
#include "attnc/Tuner/Spaces.h"
#include "attnc/Tuner/TunedKernel.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <sstream>

using namespace attnc;
using namespace attnc::tuner;

TEST(DeviceProbeText, RoundTripsEveryField) {
  runtime::DeviceInfo d;
  d.ordinal = 1;
  d.name = "NVIDIA H100 80GB HBM3";
  d.ccMajor = 9;
  d.smCount = 132;
  d.maxSharedMemoryPerBlockOptin = 232448;
  d.maxSharedMemoryPerBlock = 49152;
  d.maxRegistersPerBlock = 65536;
  d.maxThreadsPerBlock = 1024;
  d.l2CacheBytes = 52428800;
  d.totalMemoryBytes = 85520809984LL;
  d.driverVersion = 13000;
  d.nvrtcMajor = 13;
  std::optional<runtime::DeviceInfo> back = deserializeDeviceInfo(serializeDeviceInfo(d));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->fingerprint(), d.fingerprint());
  EXPECT_EQ(back->l2CacheBytes, d.l2CacheBytes);
  EXPECT_EQ(back->totalMemoryBytes, d.totalMemoryBytes);
  EXPECT_EQ(deviceLimits(*back).smemOptinBytes, 232448);
}

TEST(DeviceProbeText, RejectsTruncatedText) {
  runtime::DeviceInfo d;
  std::string text = serializeDeviceInfo(d);
  EXPECT_FALSE(deserializeDeviceInfo(text.substr(0, text.size() / 2)).has_value());
  EXPECT_FALSE(deserializeDeviceInfo("garbage").has_value());
}

TEST(CheckShape, SmallProblemsAreCheckedAsIs) {
  ProblemShape s;
  s.batch = 2;
  s.headsQ = 8;
  s.headsKv = 2;
  s.seqQ = s.seqK = 1000;
  s.inputFiles["doc"] = "/tmp/doc.bin";
  ProblemShape c = checkShapeFor(s);
  EXPECT_EQ(c.seqQ, 1000);
  EXPECT_EQ(c.headsQ, 8);
  EXPECT_TRUE(c.inputFiles.empty()) << "input files have the benchmark's shape";
}

TEST(CheckShape, LargeProblemsShrinkToRaggedLengthsKeepingTheHeadRatio) {
  ProblemShape s;
  s.batch = 4;
  s.headsQ = 32;
  s.headsKv = 4;
  s.seqQ = s.seqK = 16384;
  s.params["window"] = 1024;
  ProblemShape c = checkShapeFor(s);
  EXPECT_LT(c.seqQ, 1024);
  EXPECT_NE(c.seqQ % 16, 0) << "ragged: no tile divides it";
  EXPECT_EQ(c.seqK, c.seqQ);
  EXPECT_EQ(c.headsQ / c.headsKv, 8);
  EXPECT_EQ(c.params.at("window"), 1024);
}

TEST(PrefillConfigText, ParsesWhatItPrints) {
  for (const cuda::PrefillConfig &c : cuda::prefillCandidates(128)) {
    std::optional<cuda::PrefillConfig> back = cuda::PrefillConfig::parse(c.str());
    ASSERT_TRUE(back.has_value()) << c.str();
    EXPECT_EQ(back->str(), c.str());
  }
  for (int d : {128, 256})
    for (const cuda::PrefillConfig &c :
         cuda::prefillCandidates(d, "sm_90a", cuda::MaskReach::DataDependent)) {
      std::optional<cuda::PrefillConfig> back = cuda::PrefillConfig::parse(c.str());
      ASSERT_TRUE(back.has_value()) << c.str();
      EXPECT_EQ(back->sm90, c.sm90);
      EXPECT_EQ(back->overlap, c.overlap);
      EXPECT_EQ(back->ctasPerSm, c.ctasPerSm);
      EXPECT_EQ(back->persistent, c.persistent);
      EXPECT_EQ(back->blockM, c.blockM);
      EXPECT_EQ(back->numWarps, c.numWarps);
    }
  for (const char *bad : {"", "128x64", "128x64 w4 s2 q:gpu", "128x64 w4 s2 q:smem extra",
                          "0x64 w4 s2 q:smem", "128x64 w4 s2 q:smem ", "sm90 64x128 s2",
                          "sm90 128x128 s2 overlapped", "sm90 128x128", "sm90 128x64 s3 x2",
                          "sm90 64x64 s3 overlap x2", "sm90 64x64 s3 x3",
                          "sm90 128x128 s2 persist3", "sm90 128x128 s2 overlap persist",
                          "sm90 128x128 s2 persistent", "sm90 128x128 s2 persist persist2"})
    EXPECT_FALSE(cuda::PrefillConfig::parse(bad).has_value()) << bad;
}

TEST(PrefillCandidates, WgmmaTemplateFirstOnSm90aOnly) {
  for (int d : {64, 128, 256}) {
    std::vector<cuda::PrefillConfig> hopper = cuda::prefillCandidates(d, "sm_90a");
    ASSERT_FALSE(hopper.empty());
    EXPECT_TRUE(hopper.front().sm90) << d;
    EXPECT_FALSE(hopper.back().sm90) << "the mma.sync shapes stay as the fallback";
    for (const cuda::PrefillConfig &c : hopper)
      EXPECT_LE(cuda::prefillSmemBytes(d, c), 232448) << c.str();
    for (const char *arch : {"sm_80", "sm_89", "sm_90", "sm_120"})
      for (const cuda::PrefillConfig &c : cuda::prefillCandidates(d, arch))
        EXPECT_FALSE(c.sm90) << arch << " " << c.str();
  }
  // The template's own formula (PrefillSm90Traits::kSmemBytes), by hand for D128 n128 s3:
  // one swizzle atom of slack (which also holds the barriers), Q, and K and V per stage.
  EXPECT_EQ(cuda::prefillSmemBytes(128, cuda::PrefillConfig::hopper(128, 3, true)),
            1024 + 128 * 256 + 2 * 3 * 128 * 256);
}

TEST(PrefillCandidates, NarrowMasksTryPersistentThenTwoCtasPerSmFirstAtD128) {
  std::vector<cuda::PrefillConfig> narrow =
      cuda::prefillCandidates(128, "sm_90a", cuda::MaskReach::DataDependent);
  ASSERT_GE(narrow.size(), 2u);
  EXPECT_EQ(narrow[0].str(), "sm90 128x128 s2 persist");
  EXPECT_EQ(narrow[1].str(), "sm90 64x64 s3 x2");
  std::vector<cuda::PrefillConfig> band =
      cuda::prefillCandidates(128, "sm_90a", cuda::MaskReach::Band);
  ASSERT_GE(band.size(), 2u);
  EXPECT_EQ(band[0].str(), "sm90 128x128 s2 persist");
  EXPECT_EQ(band[1].str(), cuda::prefillCandidates(128, "sm_90a").front().str())
      << "bands keep the one-CTA tiles next, never two CTAs per SM";
  // The template's formula (PrefillSm90Traits::kSmemBytes): slack, Q buffers, K and V.
  EXPECT_EQ(cuda::prefillSmemBytes(128, narrow[0]), 1024 + 128 * 256 + 2 * 2 * 128 * 256);
  EXPECT_EQ(cuda::prefillSmemBytes(128, *cuda::PrefillConfig::parse("sm90 128x128 s2 persist2")),
            1024 + 2 * 128 * 256 + 2 * 2 * 128 * 256);
  EXPECT_EQ(cuda::prefillSmemBytes(128, narrow[1]), cuda::sm90MaxSmemBytes(2))
      << "64x64 with 3 stages fills a CTA's half of the SM exactly";
  EXPECT_EQ(cuda::sm90ConfigProblem(128, narrow[1]), std::nullopt);
  EXPECT_EQ(cuda::prefillCandidates(128, "sm_90a").front().persistent, 0) << "wide: unchanged";
  EXPECT_EQ(cuda::prefillCandidates(128, "sm_90a").front().ctasPerSm, 1) << "wide: unchanged";
  for (int d : {64, 256})
    for (const cuda::PrefillConfig &c : cuda::prefillCandidates(d, "sm_90a", cuda::MaskReach::DataDependent)) {
      EXPECT_EQ(c.ctasPerSm, 1) << d << " " << c.str();
      EXPECT_EQ(c.persistent, 0) << d << " " << c.str() << ": measured at D128 only";
    }
  for (const cuda::PrefillConfig &c : cuda::prefillCandidates(128, "sm_80", cuda::MaskReach::DataDependent))
    EXPECT_FALSE(c.sm90) << c.str();
  EXPECT_NE(cuda::sm90ConfigProblem(128, cuda::PrefillConfig::hopper(128, 2, false, 2)),
            std::nullopt);
}

TEST(PrefillSm90Space, OneHundredFortyFourPointsPrunedBySharedMemoryAndPingPong) {
  SearchSpace space = prefillSm90Space(256);
  EXPECT_EQ(space.size(), 144u);
  Enumeration e = space.enumerate(DeviceLimits{});
  EXPECT_FALSE(e.valid.empty());
  EXPECT_FALSE(e.pruned.empty()) << "D256 with 128-key blocks and 4 stages cannot fit";
  for (const Candidate &c : e.valid) {
    cuda::PrefillConfig config = toPrefillConfig(c);
    EXPECT_TRUE(config.sm90);
    EXPECT_EQ(fromPrefillConfig(config), c);
    EXPECT_EQ(config.ctasPerSm, 1) << "D256 tiles exceed half an SM's shared memory";
    EXPECT_EQ(space.threadsPerBlock(c), 384);
  }
  Enumeration d128 = prefillSm90Space(128).enumerate(DeviceLimits{});
  bool twoCtas = false;
  for (const Candidate &c : d128.valid) {
    cuda::PrefillConfig config = toPrefillConfig(c);
    EXPECT_EQ(cuda::sm90ConfigProblem(128, config), std::nullopt) << config.str();
    EXPECT_FALSE(config.pingpong && config.ctasPerSm != 1) << config.str();
    if (config.ctasPerSm == 2) {
      twoCtas = true;
      EXPECT_EQ(config.blockN, 64) << config.str();
      EXPECT_EQ(prefillSm90Space(128).threadsPerBlock(c), 256);
    }
  }
  EXPECT_TRUE(twoCtas) << "64x64 with 2 or 3 stages fits two CTAs per SM at D128";
  const auto persistent = [&](const char *text) {
    std::optional<cuda::PrefillConfig> config = cuda::PrefillConfig::parse(text);
    return config && std::find(d128.valid.begin(), d128.valid.end(),
                               fromPrefillConfig(*config)) != d128.valid.end();
  };
  EXPECT_TRUE(persistent("sm90 128x128 s2 persist"));
  EXPECT_TRUE(persistent("sm90 128x128 s3 persist overlap"));
  EXPECT_TRUE(persistent("sm90 128x128 s2 persist2")) << "2 Q + 2 stages: 197632 B";
  EXPECT_FALSE(persistent("sm90 128x128 s3 persist2")) << "2 Q + 3 stages exceed 232448 B";
  EXPECT_TRUE(persistent("sm90 128x128 s2 persist pingpong"));
  EXPECT_TRUE(persistent("sm90 128x128 s3 pingpong overlap"));
  EXPECT_FALSE(persistent("sm90 64x64 s3 x2 pingpong")) << "one consumer has nobody to take turns with";
}

namespace {
Trial measured(int bm, double ms) {
  Trial t;
  t.candidate = Candidate{{{"bm", bm}}};
  t.measurement.status = MeasureStatus::Ok;
  t.measurement.medianMs = ms;
  t.measurement.minMs = ms * 0.95;
  t.measurement.maxMs = ms * 1.1;
  t.measurement.samples = 30;
  return t;
}
} // namespace

TEST(LandscapeSvg, DrawsOneBarPerMeasuredConfigAndListsFailures) {
  SearchResult r;
  r.trials = {measured(64, 2.0), measured(128, 1.0), measured(32, 3.0)};
  Trial wrong;
  wrong.candidate = Candidate{{{"bm", 16}}};
  wrong.measurement.status = MeasureStatus::Wrong;
  wrong.measurement.reason = "rel err 0.5 <too big>";
  r.trials.push_back(wrong);
  r.best = 1;
  std::ostringstream os;
  LandscapeOptions opts;
  opts.title = "causal & friends";
  opts.defaultTrial = 0;
  writeLandscapeSvg(os, r, opts);
  std::string svg = os.str();
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  size_t bars = 0;
  for (size_t at = svg.find("<rect x="); at != std::string::npos; at = svg.find("<rect x=", at + 1))
    ++bars;
  EXPECT_EQ(bars, 3u);
  EXPECT_NE(svg.find("#2ca02c"), std::string::npos) << "the winner is marked";
  EXPECT_NE(svg.find("#f58518"), std::string::npos) << "the default is marked";
  EXPECT_NE(svg.find("bm=16: rel err 0.5 &lt;too big&gt;"), std::string::npos);
  EXPECT_NE(svg.find("causal &amp; friends"), std::string::npos);
  EXPECT_LT(svg.find("bm=128"), svg.find("bm=64")) << "bars run from fastest to slowest";
}

TEST(LinearTunerKey, SimpleGlaKeysByRecurrenceAndHeadDims) {
  const std::string path = std::string(ATTNC_EXAMPLES_DIR) + "/simple_gla.attn";
  std::ostringstream diag;
  std::unique_ptr<CompiledProgram> program = CompiledProgram::load(path, diag);
  ASSERT_TRUE(program) << diag.str();
  std::optional<GeneratedKernel> generated =
      generateLinearDefault(*program, "simple_gla", 128, 64, diag);
  ASSERT_TRUE(generated) << diag.str();
  EXPECT_EQ(linearGateKind(*generated), cuda::LinearGateKind::PerToken);
  EXPECT_EQ(generated->linearConfig.str(), "c64 sub32 v64 w4");

  ProblemShape shape;
  shape.batch = 8;
  shape.headsQ = shape.headsKv = 16;
  shape.seqQ = shape.seqK = 4096;
  ProblemKey key = linearProblemKey(*generated, shape);
  EXPECT_EQ(key.family, "linear");
  EXPECT_EQ(key.headDim, 128);
  EXPECT_EQ(key.headDimV, 64);
  EXPECT_EQ(key.headsQ, 16);
  EXPECT_EQ(key.headsKv, 16);
  EXPECT_EQ(key.seqQBucket, 4096);
  EXPECT_EQ(key.seqKBucket, 4096);
  EXPECT_EQ(key.maskKind, generated->recurrence);
  EXPECT_EQ(key.maskKind, "scalar_decay");
  runtime::Expected<ProblemKey> back = ProblemKey::parse(key.str());
  ASSERT_TRUE(back) << key.str() << ": " << back.error().message;
  EXPECT_EQ(back->str(), key.str());

  shape.inputFiles = {{"g", "/tmp/gates_for_the_timed_shape.f32"}};
  LinearProblem check = linearCheckProblem(shape);
  EXPECT_TRUE(check.inputFiles.empty()) << "the check shape is smaller than the files'";
  EXPECT_EQ(check.batch, 2);
  EXPECT_EQ(check.heads, 2);
  EXPECT_EQ(check.seqLen, 509);
  EXPECT_TRUE(check.initialState);
  shape.seqQ = shape.seqK = 100;
  EXPECT_EQ(linearCheckProblem(shape).seqLen, 100);
}
