//===- BlockMapGpuTest.cpp - The run-time block map against brute force ---===//
//
// Launches data-dependent-mask kernels (the document mask, and one whose mask also holds
// a non-affine atom, so partial tiles are evaluated exactly) on random sorted and
// unsorted document ids with ragged N, reads the block map back and checks every tile
// against a brute-force classification on the CPU: never empty when a pair is allowed,
// never full when one is masked, row keys (no id test) only where every id matches and
// only for the mask that is id equality and a key bound, every non-empty tile inside the
// stored key range, and, for sorted ids below the diagonal, the exact class (on it, row
// keys wherever the ids match); a second launch that reuses the map (blockMapBuilt) writes
// the same output. Skips, with the reason, where there is no CUDA device.
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
    for (int headDim : {64, 256}) {
      // The candidate with the fewest keys per block: D256's has 16, fewer than a warp's lanes.
      std::vector<cuda::PrefillConfig> candidates = cuda::prefillCandidates(headDim);
      cuda::PrefillConfig config = *std::min_element(
          candidates.begin(), candidates.end(),
          [](const auto &a, const auto &b) { return a.blockN < b.blockN; });
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
          for (int b = 0; b < kBatch; ++b) {
            std::vector<int> row(ids.begin() + b * n, ids.begin() + (b + 1) * n);
            std::vector<int32_t> ranges(2 * qBlocks);
            std::memcpy(ranges.data(), host.data() + rangeOffset + 8 * int64_t(b) * qBlocks,
                        ranges.size() * 4);
            Counts c = checkPlane(host.data() + int64_t(b) * qBlocks * kBlocks, ranges.data(), row,
                                  m, n, bm, bn, sorted, std::string(m.name) == "document");
            std::printf("  %-16s D=%-3d N=%-5d %-8s b=%d tiles empty %lld partial %lld row keys "
                        "%lld full %lld (looser than exact: %lld)\n",
                        m.name, headDim, n, sorted ? "sorted" : "unsorted", b, (long long)c.empty,
                        (long long)c.partial, (long long)c.rowKeys, (long long)c.full,
                        (long long)c.loose);
            ++planes;
          }
        }
      }
    }
  }
  EXPECT_EQ(planes, 2 * 2 * 5 * 2 * kBatch);
}

} // namespace
} // namespace attnc
