//===- BlockMapGpuTest.cpp - The run-time block map against brute force ---===//
//
// Launches data-dependent-mask kernels (the document mask, and one whose mask also holds
// a non-affine atom, so partial tiles are evaluated exactly) on random sorted and
// unsorted document ids with ragged N, reads the block map back and checks every tile
// against a brute-force classification on the CPU: never empty when a pair is allowed,
// never full when one is masked, row keys (no id test) only where every id matches and
// only for the mask that is id equality and a key bound, every non-empty tile inside the
// stored key range, and, for sorted ids below the diagonal, the exact class (on it, row
// keys wherever the ids match); each query block's cost matches its tile classes, each
// plane's claim order is a permutation of its query blocks, heaviest first, and the
// counters are zero again after every launch; a second launch that reuses the map
// (blockMapBuilt) writes the same output. Besides the configs with the fewest keys per
// block, on sm_90a the persistent D128 config, whose CTAs claim tiles in that order.
// Skips, with the reason, where there is no CUDA device.
//
//===----------------------------------------------------------------------===//
#include "attnc/Driver/CompiledProgram.h"
#include "attnc/Runtime/Kernel.h"
#include "attnc/Runtime/LaunchArgs.h"
#include "attnc/Runtime/Runtime.h"

#include "GpuRuntimeTest.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>

namespace attnc {
namespace {

constexpr int kHeads = 2;
constexpr int kBatch = 2;
constexpr int kMinDocLength = 1;
constexpr int kMaxDocLength = 300;
constexpr int kUnsortedIds = 5;                    ///< distinct ids drawn for unsorted inputs
constexpr int kEmpty = 0, kPartial = 1, kFull = 2, kRowKeys = 3; // attnc::TileKind
constexpr int kRangeAlign = 16;                    // attnc::kBlockMapRangeAlign
constexpr int kCostPerTile = 2, kCostPerMaskedTile = 1; // attnc::kCostPerTile, ...MaskedTile
constexpr int kOrderBuckets = 1024;                     // attnc::kOrderBuckets

using Mask = std::function<bool(const std::vector<int> &doc, int i, int j)>;

struct MaskCase {
  const char *name;
  const char *maskLine;
  Mask mask;
  bool rowKeyTiles; ///< id equality and key bounds only: matched-id tiles need no id test
};

const MaskCase kMasks[] = {
    {"document", "doc[b, i] == doc[b, j] && j <= i",
     [](const std::vector<int> &d, int i, int j) { return d[i] == d[j] && j <= i; }, true},
    {"document_stride", "doc[b, i] == doc[b, j] && j % 3 != 1",
     [](const std::vector<int> &d, int i, int j) { return d[i] == d[j] && j % 3 != 1; }, false},
};

std::string writeKernel(const MaskCase &m) {
  std::string path =
      (std::filesystem::temp_directory_path() / ("attnc_blockmap_" + std::string(m.name) + ".attn"))
          .string();
  std::ofstream(path) << "kernel " << m.name << " {\n  dtype bf16\n"
                      << "  q[B, Hq, N, D]; k[B, Hkv, N, D]; v[B, Hkv, N, D]\n"
                      << "  input doc: i32[B, N]\n  mask = " << m.maskLine << "\n}\n";
  return path;
}

/// Ids of one batch row: runs of random length, increasing (sorted) or drawn from a few
/// values in any order (unsorted).
std::vector<int> makeIds(int n, bool sorted, std::mt19937 &rng) {
  std::uniform_int_distribution<int> length(kMinDocLength, kMaxDocLength), id(0, kUnsortedIds - 1);
  std::vector<int> ids;
  for (int doc = 0; static_cast<int>(ids.size()) < n; ++doc) {
    int len = std::min(length(rng), n - static_cast<int>(ids.size()));
    int value = sorted ? doc : id(rng);
    ids.insert(ids.end(), len, value);
  }
  return ids;
}

struct Counts {
  int64_t empty = 0, partial = 0, full = 0, rowKeys = 0, loose = 0;
};

/// Checks one batch row's map plane; returns the classes seen.
Counts checkPlane(const unsigned char *tiles, const int32_t *ranges, const std::vector<int> &doc,
                  const MaskCase &m, int n, int bm, int bn, bool sorted, bool causal) {
  Counts c;
  const int qBlocks = (n + bm - 1) / bm, kBlocks = (n + bn - 1) / bn;
  for (int qb = 0; qb < qBlocks; ++qb) {
    const int rangeBegin = ranges[2 * qb], rangeEnd = ranges[2 * qb + 1];
    for (int kb = 0; kb < kBlocks; ++kb) {
      bool any = false, all = true, idsMatch = true;
      for (int i = qb * bm; i < std::min(n, qb * bm + bm); ++i)
        for (int j = kb * bn; j < std::min(n, kb * bn + bn); ++j) {
          bool allowed = m.mask(doc, i, j);
          any = any || allowed;
          all = all && allowed;
          idsMatch = idsMatch && doc[i] == doc[j];
        }
      const int got = tiles[qb * kBlocks + kb];
      int want = all ? kFull : (any ? kPartial : kEmpty);
      if (want == kPartial && idsMatch && m.rowKeyTiles)
        want = kRowKeys;
      EXPECT_TRUE(got == kEmpty || got == kPartial || got == kFull || got == kRowKeys)
          << "class byte " << got;
      EXPECT_FALSE(got == kEmpty && any) << "tile " << qb << "," << kb << " has an allowed pair";
      EXPECT_FALSE(got == kFull && !all) << "tile " << qb << "," << kb << " has a masked pair";
      EXPECT_FALSE(got == kRowKeys && !(m.rowKeyTiles && idsMatch && any && !all))
          << "tile " << qb << "," << kb << " marked row keys: ids "
          << (idsMatch ? "match" : "differ") << ", mask "
          << (m.rowKeyTiles ? "has" : "has no") << " row-key tiles";
      if (any)
        EXPECT_TRUE(kb * bn >= rangeBegin && kb * bn < rangeEnd)
            << "tile " << qb << "," << kb << " outside the key range [" << rangeBegin << ", "
            << rangeEnd << ")";
      if (sorted && causal && kb * bn + bn <= qb * bm)
        EXPECT_EQ(got, want) << "tile " << qb << "," << kb << " below the diagonal";
      if (sorted && causal && want == kRowKeys)
        EXPECT_EQ(got, kRowKeys) << "tile " << qb << "," << kb << " on the diagonal, one id";
      c.loose += got != want;
      (got == kEmpty ? c.empty : got == kFull ? c.full : got == kRowKeys ? c.rowKeys : c.partial) +=
          1;
    }
  }
  return c;
}

/// Checks one plane's costs (against its tile classes) and claim order (a permutation of
/// the query blocks, by cost bucket, heaviest first).
void checkOrder(const unsigned char *tiles, const int32_t *costs, const int32_t *order,
                int qBlocks, int kBlocks) {
  int maxCost = 1;
  for (int qb = 0; qb < qBlocks; ++qb) {
    int want = kCostPerTile;
    for (int kb = 0; kb < kBlocks; ++kb) {
      const int kind = tiles[qb * kBlocks + kb];
      if (kind != kEmpty)
        want += kCostPerTile + (kind == kFull ? 0 : kCostPerMaskedTile);
    }
    EXPECT_EQ(costs[qb], want) << "query block " << qb << "'s cost";
    maxCost = std::max(maxCost, costs[qb]);
  }
  std::vector<int> seen(qBlocks, 0);
  auto bucket = [&](int cost) { return int(int64_t(cost) * (kOrderBuckets - 1) / maxCost); };
  for (int r = 0; r < qBlocks; ++r) {
    ASSERT_TRUE(order[r] >= 0 && order[r] < qBlocks) << "rank " << r << ": " << order[r];
    ++seen[order[r]];
    if (r > 0)
      EXPECT_GE(bucket(costs[order[r - 1]]), bucket(costs[order[r]]))
          << "rank " << r << " is heavier than rank " << r - 1;
  }
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), qBlocks) << "the order is no permutation";
}

class BlockMapGpu : public GpuRuntimeTest {};

TEST_F(BlockMapGpu, MatchesBruteForce) {
  if (!runtimeInstance)
    GTEST_SKIP() << skipReason;
  runtime::Runtime &rt = *runtimeInstance;
  using runtime::DType;
  using runtime::TensorDesc;
  std::mt19937 rng(7);
  int planes = 0;
  for (const MaskCase &m : kMasks) {
    std::ostringstream diag;
    std::unique_ptr<CompiledProgram> program = CompiledProgram::load(writeKernel(m), diag);
    ASSERT_TRUE(program) << diag.str();
    // The candidates with the fewest keys per block (D256's has 16, fewer than a warp's
    // lanes), and on sm_90a the persistent config that claims tiles.
    std::vector<std::pair<int, cuda::PrefillConfig>> configs;
    for (int headDim : {64, 256}) {
      std::vector<cuda::PrefillConfig> candidates = cuda::prefillCandidates(headDim);
      configs.push_back({headDim, *std::min_element(candidates.begin(), candidates.end(),
                                                    [](const auto &a, const auto &b) {
                                                      return a.blockN < b.blockN;
                                                    })});
    }
    if (cuda::archHasWgmma(rt.device().arch()))
      configs.push_back({128, cuda::PrefillConfig::hopper(128, 2, false, 1, /*persistent=*/1)});
    for (const auto &[headDim, config] : configs) {
      std::optional<GeneratedKernel> gen = program->generate(m.name, headDim, config, diag);
      ASSERT_TRUE(gen) << diag.str();
      ASSERT_TRUE(gen->spec.needsBlockMap());
      auto kernel = rt.compile(gen->source, gen->spec);
      ASSERT_TRUE(kernel) << kernel.error().message;
      const int bm = gen->spec.blockM, bn = gen->spec.blockN;
      for (int n : {1, 77, 333, 1000, 2049}) {
        for (bool sorted : {true, false}) {
          std::vector<int> ids;
          for (int b = 0; b < kBatch; ++b) {
            std::vector<int> row = makeIds(n, sorted, rng);
            ids.insert(ids.end(), row.begin(), row.end());
          }
          const size_t elems = size_t(kBatch) * kHeads * n * headDim;
          auto q = rt.allocate(elems * 2), k = rt.allocate(elems * 2), v = rt.allocate(elems * 2),
               o = rt.allocate(elems * 2), doc = rt.allocate(ids.size() * 4);
          ASSERT_TRUE(q && k && v && o && doc);
          for (auto *buf : {&*q, &*k, &*v})
            ASSERT_TRUE(buf->fill(0x3c)); // bf16 ~0.0115: finite scores
          ASSERT_TRUE(doc->upload(ids.data(), ids.size() * 4));
          const int64_t mapBytes = runtime::blockMapBytes(gen->spec, kBatch, kHeads, n, n);
          auto map = rt.allocate(mapBytes);
          ASSERT_TRUE(map);
          ASSERT_TRUE(map->fill(0xAB)); // poison: every byte the kernel reads must be written
          runtime::LaunchArgs args;
          auto shape = std::initializer_list<int64_t>{kBatch, kHeads, n, headDim};
          args.q = TensorDesc::contiguous(q->data(), DType::BF16, shape);
          args.k = TensorDesc::contiguous(k->data(), DType::BF16, shape);
          args.v = TensorDesc::contiguous(v->data(), DType::BF16, shape);
          args.o = TensorDesc::contiguous(o->data(), DType::BF16, shape);
          runtime::NamedTensor inputs[] = {
              {"doc", TensorDesc::contiguous(doc->data(), DType::I32, {kBatch, n})}};
          args.inputs = runtime::Span<runtime::NamedTensor>(inputs, 1);
          args.blockMap = map->data();
          args.blockMapCapacity = mapBytes;
          ASSERT_TRUE((*kernel)->launch(args, nullptr));
          ASSERT_TRUE(rt.synchronize());
          std::vector<unsigned char> host(mapBytes);
          ASSERT_TRUE(map->download(host.data(), mapBytes));
          // A launch that reuses the map (blockMapBuilt: no build) writes the same output.
          auto o2 = rt.allocate(elems * 2);
          ASSERT_TRUE(o2 && o2->fill(0xFF));
          runtime::LaunchArgs reused = args;
          reused.o = TensorDesc::contiguous(o2->data(), DType::BF16, shape);
          reused.blockMapBuilt = true;
          ASSERT_TRUE((*kernel)->launch(reused, nullptr));
          ASSERT_TRUE(rt.synchronize());
          std::vector<unsigned char> out(elems * 2), out2(elems * 2);
          ASSERT_TRUE(o->download(out.data(), out.size()));
          ASSERT_TRUE(o2->download(out2.data(), out2.size()));
          EXPECT_TRUE(out == out2) << m.name << " N=" << n << ": the reused map's output differs";
          std::vector<unsigned char> mapAfter(mapBytes);
          ASSERT_TRUE(map->download(mapAfter.data(), mapBytes));
          EXPECT_TRUE(mapAfter == host) << "a launch with blockMapBuilt rewrote the map";
          const int qBlocks = (n + bm - 1) / bm, kBlocks = (n + bn - 1) / bn;
          const int64_t tileBytes = int64_t(kBatch) * qBlocks * kBlocks;
          const int64_t rangeOffset = (tileBytes + kRangeAlign - 1) / kRangeAlign * kRangeAlign;
          const int64_t costOffset = rangeOffset + 8 * int64_t(kBatch) * qBlocks;
          const int64_t orderOffset = costOffset + 4 * int64_t(kBatch) * qBlocks;
          const runtime::BlockMapCounters counters =
              runtime::blockMapCounters(gen->spec, kBatch, kHeads, n, n);
          ASSERT_EQ(counters.offset, orderOffset + 4 * int64_t(kBatch) * qBlocks);
          EXPECT_TRUE(std::all_of(host.begin() + counters.offset, host.end(),
                                  [](unsigned char c) { return c == 0; }))
              << m.name << " N=" << n << ": counters left non-zero by a launch";
          for (int b = 0; b < kBatch; ++b) {
            std::vector<int> row(ids.begin() + b * n, ids.begin() + (b + 1) * n);
            std::vector<int32_t> ranges(2 * qBlocks);
            std::memcpy(ranges.data(), host.data() + rangeOffset + 8 * int64_t(b) * qBlocks,
                        ranges.size() * 4);
            Counts c = checkPlane(host.data() + int64_t(b) * qBlocks * kBlocks, ranges.data(), row,
                                  m, n, bm, bn, sorted, std::string(m.name) == "document");
            std::vector<int32_t> costs(qBlocks), order(qBlocks);
            std::memcpy(costs.data(), host.data() + costOffset + 4 * int64_t(b) * qBlocks,
                        qBlocks * 4);
            std::memcpy(order.data(), host.data() + orderOffset + 4 * int64_t(b) * qBlocks,
                        qBlocks * 4);
            checkOrder(host.data() + int64_t(b) * qBlocks * kBlocks, costs.data(), order.data(),
                       qBlocks, kBlocks);
            std::printf("  %-16s D=%-3d %s N=%-5d %-8s b=%d tiles empty %lld partial %lld row keys "
                        "%lld full %lld (looser than exact: %lld)\n",
                        m.name, headDim, config.str().c_str(), n, sorted ? "sorted" : "unsorted", b, (long long)c.empty,
                        (long long)c.partial, (long long)c.rowKeys, (long long)c.full,
                        (long long)c.loose);
            ++planes;
          }
        }
      }
    }
  }
  EXPECT_GE(planes, 2 * 2 * 5 * 2 * kBatch);
}

} // namespace
} // namespace attnc
