//===- CacheTest.cpp - The on-disk cubin cache ----------------------------------===//
//
// Keys, hits and misses, corruption handling, and eight forked processes racing to
// compile the same key (one compiles, all get a valid cubin, nobody sees a torn file).
//
//===----------------------------------------------------------------------===//
#include "TestUtil.h"

#include "attnc/Runtime/CubinCache.h"
#include "attnc/Runtime/Sha256.h"

#include <atomic>
#include <chrono>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <set>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace attnc::runtime;
using attnc::runtime::testing::isElf;
using attnc::runtime::testing::smallKernelSource;
using attnc::runtime::testing::TempDir;

namespace {

CacheKeyInputs baseInputs() {
  CacheKeyInputs in;
  in.source = "extern \"C\" __global__ void k() {}";
  in.arch = "sm_90a";
  in.nvrtcVersion = "13.0";
  in.options = {"-std=c++17", "-default-device"};
  in.headers = {{"attnc/KernelParams.h", "struct A {};"}, {"attnc/Prefill.cuh", "// v1"}};
  return in;
}

std::string fakeKey(char c) { return std::string(64, c); }

std::vector<char> fakeCubin(size_t size, char seed) {
  std::vector<char> bytes(size);
  bytes[0] = 0x7f, bytes[1] = 'E', bytes[2] = 'L', bytes[3] = 'F';
  for (size_t i = 4; i < size; ++i)
    bytes[i] = char(seed + i * 31);
  return bytes;
}

std::vector<std::string> listDir(const std::string &path) {
  std::vector<std::string> names;
  if (DIR *dir = opendir(path.c_str())) {
    while (dirent *e = readdir(dir))
      if (std::string(e->d_name) != "." && std::string(e->d_name) != "..")
        names.push_back(e->d_name);
    closedir(dir);
  }
  return names;
}

std::unique_ptr<CubinCache> openCache(const std::string &dir, double timeout = 600) {
  Expected<std::unique_ptr<CubinCache>> cache = CubinCache::open(dir, timeout);
  EXPECT_TRUE(cache) << (cache ? "" : cache.error().message);
  return cache ? cache.takeValue() : nullptr;
}

} // namespace

TEST(CacheKey, ChangesWithEachComponent) {
  const std::string base = computeCacheKey(baseInputs());
  EXPECT_EQ(base.size(), 64u);
  EXPECT_EQ(base, computeCacheKey(baseInputs())); // deterministic
  std::vector<std::pair<const char *, std::function<void(CacheKeyInputs &)>>> mutations = {
      {"source", [](CacheKeyInputs &in) { in.source += " "; }},
      {"arch", [](CacheKeyInputs &in) { in.arch = "sm_80"; }},
      {"nvrtc version", [](CacheKeyInputs &in) { in.nvrtcVersion = "13.1"; }},
      {"added option", [](CacheKeyInputs &in) { in.options.push_back("--use_fast_math"); }},
      {"option order", [](CacheKeyInputs &in) { std::swap(in.options[0], in.options[1]); }},
      {"header content", [](CacheKeyInputs &in) { in.headers["attnc/Prefill.cuh"] = "// v2"; }},
      {"header name",
       [](CacheKeyInputs &in) {
         in.headers["attnc/Other.cuh"] = in.headers["attnc/Prefill.cuh"];
         in.headers.erase("attnc/Prefill.cuh");
       }},
      {"added header", [](CacheKeyInputs &in) { in.headers["attnc/New.cuh"] = ""; }},
      {"field boundary",
       [](CacheKeyInputs &in) {
         in.source += in.arch.substr(0, 1);
         in.arch = in.arch.substr(1);
       }},
  };
  std::set<std::string> seen = {base};
  for (auto &[what, mutate] : mutations) {
    CacheKeyInputs in = baseInputs();
    mutate(in);
    std::string key = computeCacheKey(in);
    EXPECT_NE(key, base) << "key ignores the " << what;
    EXPECT_TRUE(seen.insert(key).second) << what;
  }
}

TEST(CacheKey, RequestKeyHoldsEmbeddedHeadersAndFixedOptions) {
  NvrtcRequest request;
  request.source = smallKernelSource();
  request.arch = "sm_80";
  request.options = {"-lineinfo"};
  Expected<CacheKeyInputs> in = cacheKeyInputsFor(request);
  ASSERT_TRUE(in) << in.error().message;
  EXPECT_TRUE(in->headers.count("attnc/KernelParams.h"));
  EXPECT_EQ(in->nvrtcVersion, Nvrtc::versionString());
  EXPECT_EQ(in->options.back(), "-lineinfo");
  EXPECT_EQ(in->options.front(), "-arch=sm_80");
  NvrtcRequest other = request;
  other.extraHeaders = {{"attnc/KernelParams.h", "// replaced"}};
  Expected<CacheKeyInputs> in2 = cacheKeyInputsFor(other);
  ASSERT_TRUE(in2);
  EXPECT_NE(computeCacheKey(*in), computeCacheKey(*in2));
}

TEST(CubinCache, DefaultDirectoryFollowsEnvironment) {
  std::string saved[3];
  const char *vars[3] = {"ATTNC_CACHE_DIR", "XDG_CACHE_HOME", "HOME"};
  bool had[3];
  for (int i = 0; i < 3; ++i)
    if ((had[i] = std::getenv(vars[i]) != nullptr))
      saved[i] = std::getenv(vars[i]);
  setenv("ATTNC_CACHE_DIR", "/x/attnc-cache", 1);
  setenv("XDG_CACHE_HOME", "/x/xdg", 1);
  setenv("HOME", "/x/home", 1);
  EXPECT_EQ(*CubinCache::defaultDirectory(), "/x/attnc-cache");
  unsetenv("ATTNC_CACHE_DIR");
  EXPECT_EQ(*CubinCache::defaultDirectory(), "/x/xdg/attnc");
  unsetenv("XDG_CACHE_HOME");
  EXPECT_EQ(*CubinCache::defaultDirectory(), "/x/home/.cache/attnc");
  for (int i = 0; i < 3; ++i)
    had[i] ? (void)setenv(vars[i], saved[i].c_str(), 1) : (void)unsetenv(vars[i]);
}

TEST(CubinCache, OpenCreatesNestedDirectory) {
  TempDir tmp;
  auto cache = openCache(tmp.path() + "/a/b/c/");
  ASSERT_TRUE(cache);
  EXPECT_EQ(cache->directory(), tmp.path() + "/a/b/c");
  struct stat st;
  EXPECT_EQ(stat(cache->directory().c_str(), &st), 0);
}

TEST(CubinCache, StoreThenLookupRoundTripsAndLeavesNoTempFiles) {
  TempDir tmp;
  auto cache = openCache(tmp.path());
  ASSERT_TRUE(cache);
  EXPECT_FALSE(cache->lookup(fakeKey('a')));
  std::vector<char> cubin = fakeCubin(5000, 3);
  ASSERT_TRUE(cache->store(fakeKey('a'), cubin));
  auto back = cache->lookup(fakeKey('a'));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, cubin);
  EXPECT_EQ(cache->stats().hits, 1u);
  EXPECT_EQ(cache->stats().misses, 1u);
  EXPECT_EQ(listDir(tmp.path()), std::vector<std::string>{fakeKey('a') + ".cubin"});
}

TEST(CubinCache, HitAfterMissCountsNoNewCompile) {
  TempDir tmp;
  auto cache = openCache(tmp.path());
  ASSERT_TRUE(cache);
  NvrtcRequest request;
  request.source = smallKernelSource();
  request.arch = "sm_80";
  Expected<std::vector<char>> first = cache->compile(request);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(isElf(*first));
  EXPECT_EQ(cache->stats().compiles, 1u);
  EXPECT_EQ(cache->stats().misses, 1u);

  Expected<std::vector<char>> second = cache->compile(request);
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, *first);
  EXPECT_EQ(cache->stats().compiles, 1u);
  EXPECT_EQ(cache->stats().hits, 1u);

  // A new cache object (as in a new process) hits too.
  auto again = openCache(tmp.path());
  ASSERT_TRUE(again);
  Expected<std::vector<char>> third = again->compile(request);
  ASSERT_TRUE(third);
  EXPECT_EQ(*third, *first);
  EXPECT_EQ(again->stats().compiles, 0u);
  EXPECT_EQ(again->stats().hits, 1u);

  // Any change to the request is a different entry.
  request.options = {"-lineinfo"};
  ASSERT_TRUE(cache->compile(request));
  EXPECT_EQ(cache->stats().compiles, 2u);
}

TEST(CubinCache, CompileErrorsAreNotCached) {
  TempDir tmp;
  auto cache = openCache(tmp.path());
  ASSERT_TRUE(cache);
  NvrtcRequest request;
  request.source = "this is not CUDA";
  request.arch = "sm_80";
  for (int i = 0; i < 2; ++i) {
    Expected<std::vector<char>> out = cache->compile(request);
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error().code, ErrorCode::CompileError);
  }
  EXPECT_EQ(cache->stats().compiles, 2u);
}

TEST(CubinCache, CorruptEntriesAreRecompiled) {
  TempDir tmp;
  auto cache = openCache(tmp.path());
  ASSERT_TRUE(cache);
  const std::string key = fakeKey('c');
  const std::vector<char> good = fakeCubin(4096, 9);
  const std::string path = cache->entryPath(key);
  std::vector<std::pair<const char *, std::function<void()>>> damages = {
      {"truncated", [&] { ASSERT_EQ(truncate(path.c_str(), 2000), 0); }},
      {"empty", [&] { ASSERT_EQ(truncate(path.c_str(), 0), 0); }},
      {"flipped payload byte",
       [&] {
         std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
         f.seekp(-10, std::ios::end);
         f.put('!');
       }},
      {"bad magic",
       [&] {
         std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
         f.put('X');
       }},
      {"huge size field",
       [&] {
         std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
         f.seekp(8);
         f.write("\xff\xff\xff\xff\xff\xff\xff\x7f", 8);
       }},
      {"appended garbage", [&] { std::ofstream(path, std::ios::app) << "tail"; }},
  };
  uint64_t compiles = 0;
  for (auto &[what, damage] : damages) {
    ASSERT_TRUE(cache->store(key, good));
    damage();
    uint64_t corruptBefore = cache->stats().corrupt;
    EXPECT_FALSE(cache->lookup(key)) << what;
    EXPECT_EQ(cache->stats().corrupt, corruptBefore + 1) << what;
    Expected<std::vector<char>> out =
        cache->getOrCompile(key, [&]() -> Expected<std::vector<char>> { return good; });
    ASSERT_TRUE(out) << what;
    EXPECT_EQ(*out, good) << what;
    EXPECT_EQ(cache->stats().compiles, ++compiles) << what;
    auto healed = cache->lookup(key);
    ASSERT_TRUE(healed) << what << ": the recompiled entry was not written back";
    EXPECT_EQ(*healed, good);
  }
}

TEST(CubinCache, EntryFiledUnderAnotherKeyIsRejected) {
  TempDir tmp;
  auto cache = openCache(tmp.path());
  ASSERT_TRUE(cache);
  ASSERT_TRUE(cache->store(fakeKey('d'), fakeCubin(100, 1)));
  ASSERT_EQ(rename(cache->entryPath(fakeKey('d')).c_str(), cache->entryPath(fakeKey('e')).c_str()),
            0);
  EXPECT_FALSE(cache->lookup(fakeKey('e')));
  EXPECT_EQ(cache->stats().corrupt, 1u);
}

TEST(CubinCache, LockTimeoutCompilesInsteadOfHanging) {
  TempDir tmp;
  auto cache = openCache(tmp.path(), /*timeout=*/0.3);
  ASSERT_TRUE(cache);
  const std::string key = fakeKey('f');
  int fd = open((tmp.path() + "/" + key + ".lock").c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(flock(fd, LOCK_EX), 0); // a "stuck" holder (other open file description)
  auto start = std::chrono::steady_clock::now();
  Expected<std::vector<char>> out =
      cache->getOrCompile(key, []() -> Expected<std::vector<char>> { return fakeCubin(64, 2); });
  double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  close(fd);
  ASSERT_TRUE(out);
  EXPECT_GE(waited, 0.25);
  EXPECT_LT(waited, 5.0);
  EXPECT_EQ(cache->stats().compiles, 1u);
  EXPECT_TRUE(cache->lookup(key));
}

namespace {
struct ChildReport {
  uint64_t compiles, hits, corrupt;
  int validCubin;
  int sameAsOthers; // filled by the parent
  char digest[65];
};
} // namespace

TEST(CubinCache, ConcurrentProcessesCompileOnce) {
  TempDir tmp;
  NvrtcRequest request;
  request.source = smallKernelSource();
  request.source += "// concurrency test " + tmp.path() + "\n"; // a key no one has cached
  request.arch = "sm_90a";
  constexpr int kChildren = 8;
  int pipes[kChildren][2];
  pid_t pids[kChildren];
  for (int i = 0; i < kChildren; ++i) {
    ASSERT_EQ(pipe(pipes[i]), 0);
    pids[i] = fork();
    ASSERT_GE(pids[i], 0);
    if (pids[i] == 0) {
      ChildReport report{};
      Expected<std::unique_ptr<CubinCache>> cache = CubinCache::open(tmp.path());
      if (cache) {
        Expected<CacheKeyInputs> in = cacheKeyInputsFor(request);
        std::string key = in ? computeCacheKey(*in) : std::string(64, '0');
        Expected<std::vector<char>> out =
            (*cache)->getOrCompile(key, [&]() -> Expected<std::vector<char>> {
              // Widen the race window: the others must wait on the lock, not recompile.
              std::this_thread::sleep_for(std::chrono::milliseconds(300));
              Expected<NvrtcOutput> o = Nvrtc::compile(request);
              if (!o)
                return o.takeError();
              return o->cubin;
            });
        report.validCubin = out && isElf(*out);
        CacheStats s = (*cache)->stats();
        report.compiles = s.compiles;
        report.hits = s.hits;
        report.corrupt = s.corrupt;
        if (out) {
          std::string hex = Sha256::toHex(Sha256::hash(std::string_view(out->data(), out->size())));
          std::memcpy(report.digest, hex.c_str(), 65);
        }
      }
      (void)!write(pipes[i][1], &report, sizeof(report));
      _exit(0);
    }
    close(pipes[i][1]);
  }
  // Meanwhile, read the entry as fast as possible: it must be absent or whole, never torn.
  auto reader = openCache(tmp.path());
  ASSERT_TRUE(reader);
  Expected<CacheKeyInputs> in = cacheKeyInputsFor(request);
  ASSERT_TRUE(in);
  std::string key = computeCacheKey(*in);
  int readsSeeingEntry = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (readsSeeingEntry < 20 && std::chrono::steady_clock::now() < deadline) {
    if (auto entry = reader->lookup(key)) {
      EXPECT_TRUE(isElf(*entry));
      ++readsSeeingEntry;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  EXPECT_EQ(reader->stats().corrupt, 0u) << "a reader saw a torn cache entry";

  uint64_t compiles = 0;
  std::string digest;
  for (int i = 0; i < kChildren; ++i) {
    ChildReport report{};
    ASSERT_EQ(read(pipes[i][0], &report, sizeof(report)), ssize_t(sizeof(report)));
    close(pipes[i][0]);
    int status = 0;
    waitpid(pids[i], &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_TRUE(report.validCubin) << "child " << i;
    EXPECT_EQ(report.corrupt, 0u) << "child " << i;
    EXPECT_EQ(report.compiles + report.hits, 1u) << "child " << i;
    compiles += report.compiles;
    if (digest.empty())
      digest = report.digest;
    EXPECT_EQ(digest, report.digest) << "child " << i << " got a different cubin";
  }
  EXPECT_EQ(compiles, 1u) << "the key was compiled more than once";
  EXPECT_GT(readsSeeingEntry, 0);
  for (const std::string &name : listDir(tmp.path()))
    EXPECT_EQ(name.find(".tmp."), std::string::npos) << "leftover temp file " << name;
}

TEST(CubinCache, ConcurrentThreadsCompileOnce) {
  TempDir tmp;
  auto cache = openCache(tmp.path());
  ASSERT_TRUE(cache);
  std::atomic<int> running{0}, maxRunning{0};
  std::vector<std::thread> threads;
  std::vector<int> ok(6, 0);
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&, t] {
      Expected<std::vector<char>> out =
          cache->getOrCompile(fakeKey('t'), [&]() -> Expected<std::vector<char>> {
            int now = ++running;
            maxRunning = std::max(maxRunning.load(), now);
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            --running;
            return fakeCubin(2048, 5);
          });
      ok[t] = out && *out == fakeCubin(2048, 5);
    });
  for (std::thread &th : threads)
    th.join();
  for (int t = 0; t < 6; ++t)
    EXPECT_TRUE(ok[t]) << "thread " << t;
  EXPECT_EQ(cache->stats().compiles, 1u);
  EXPECT_EQ(cache->stats().hits, 5u);
  EXPECT_EQ(maxRunning.load(), 1);
}
