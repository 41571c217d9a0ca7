//===- FuzzTest.cpp - Deterministic robustness fuzzing of the front end ----===//
//
// Feeds the front end random byte strings, random token soup and mutations of valid
// programs (the examples and the docs' snippets), from a fixed seed so failures
// reproduce. The property: it never crashes or hangs, and it either succeeds with no
// error or reports at least one error (and then returns no program). The printer and
// the diagnostic renderer run on every outcome too.
//
//===----------------------------------------------------------------------===//
#include "TestHelpers.h"

#include <gtest/gtest.h>

#include <dirent.h>
#include <random>

using namespace attnc::dsl;
using namespace attnc::dsl::test;

namespace {

const char *kSeeds[] = {
    R"(kernel a {
  dtype bf16
  q[B, Hq, N, D]; k[B, Hkv, M, D]; v[B, Hkv, M, D]
  param window: i32 = 1024
  input slopes: f32[Hq]
  input doc: i32[B, N]
  score = s - slopes[h] * (i - j) + softcap * tanh(s / 50.0)
  mask  = j <= i && i - j < window || doc[b, i] == 3 % 2
})",
    R"(kernel gla {
  dtype f16
  q[B, H, T, K]; k[B, H, T, K]; v[B, H, T, V]
  input g: f32[B, H, T, K]
  input beta: f32[B, H, T]
  state S[K, V] = diag(exp(g[t])) * S - beta[t] * outer(k[t], k[t] @ S) + outer(k[t], v[t])
  state n[K] = n + k[t]
  out   o[t] = (scale * q[t]) @ S / max(abs(q[t] @ n), 1.0)
})",
};

const std::string kTokens[] = {
    "kernel", "dtype", "bf16", "f16", "param", "input", "score", "mask", "state", "out",
    "q", "k", "v", "o", "s", "t", "i", "j", "b", "h", "scale", "S", "n", "N", "M", "D",
    "B", "H", "K", "V", "x", "exp", "diag", "outer", "where", "max", "i32", "f32", "true",
    "0", "1", "3.5", "1e3", "99999999999999999999", "{", "}", "[", "]", "(", ")", ",",
    ";", ":", "=", "+", "-", "*", "/", "%", "@", "<", "<=", "==", "!=", "&&", "||", "!",
    "\n", " ", "#", "\t", std::string("\0", 1), "\xff", "&", "."};

void checkOutcome(const std::string &text, const char *what, size_t iter) {
  auto r = runFrontend(text);
  if (r.program) {
    ASSERT_FALSE(r.diags->hasErrors()) << what << " #" << iter;
    std::ostringstream os;
    printProgram(*r.program, os);
    ASSERT_FALSE(os.str().empty());
  } else {
    ASSERT_GE(r.diags->errorCount(), 1u) << what << " #" << iter << ":\n" << text;
    ASSERT_FALSE(r.rendered.empty());
  }
}

std::vector<std::string> corpus() {
  std::vector<std::string> seeds(std::begin(kSeeds), std::end(kSeeds));
  if (DIR *dir = opendir(ATTNC_EXAMPLES_DIR)) {
    while (dirent *e = readdir(dir)) {
      std::string name = e->d_name;
      if (name.size() > 5 && name.substr(name.size() - 5) == ".attn")
        seeds.push_back(readFile(std::string(ATTNC_EXAMPLES_DIR) + "/" + name));
    }
    closedir(dir);
  }
  std::sort(seeds.begin() + 2, seeds.end());
  return seeds;
}

std::string mutate(std::string s, std::mt19937 &rng) {
  auto pick = [&](size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  int edits = 1 + static_cast<int>(pick(4));
  for (int e = 0; e < edits; ++e) {
    size_t pos = pick(s.size() + 1);
    switch (pick(7)) {
    case 0: // flip a byte
      if (!s.empty())
        s[pick(s.size())] = static_cast<char>(pick(256));
      break;
    case 1: // delete a range
      if (!s.empty())
        s.erase(pick(s.size()), 1 + pick(16));
      break;
    case 2: // insert a token
      s.insert(pos, std::string(kTokens[pick(std::size(kTokens))]) + " ");
      break;
    case 3: // duplicate a range
      if (!s.empty()) {
        size_t from = pick(s.size());
        s.insert(pos, s.substr(from, 1 + pick(40)));
      }
      break;
    case 4: // truncate
      s.resize(pick(s.size() + 1));
      break;
    case 5: // replace an identifier-ish byte with another letter
      if (!s.empty())
        s[pick(s.size())] = "qkvstijbhSNMDKVxyz"[pick(18)];
      break;
    default: // swap two ranges' first bytes
      if (s.size() > 1)
        std::swap(s[pick(s.size())], s[pick(s.size())]);
      break;
    }
  }
  return s;
}

TEST(Fuzz, RandomBytes) {
  std::mt19937 rng(12345);
  for (size_t iter = 0; iter < 3000; ++iter) {
    size_t len = std::uniform_int_distribution<size_t>(0, 300)(rng);
    std::string s(len, '\0');
    for (char &c : s)
      c = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
    checkOutcome(s, "random bytes", iter);
  }
}

TEST(Fuzz, RandomTokens) {
  std::mt19937 rng(777);
  for (size_t iter = 0; iter < 3000; ++iter) {
    size_t len = std::uniform_int_distribution<size_t>(0, 120)(rng);
    std::string s = iter % 2 ? "kernel f { dtype bf16\n" : "";
    for (size_t i = 0; i < len; ++i)
      s += std::string(kTokens[std::uniform_int_distribution<size_t>(0, std::size(kTokens) - 1)(rng)]) + " ";
    checkOutcome(s, "random tokens", iter);
  }
}

TEST(Fuzz, MutatedValidPrograms) {
  std::vector<std::string> seeds = corpus();
  std::mt19937 rng(4242);
  for (size_t iter = 0; iter < 6000; ++iter) {
    const std::string &seed = seeds[iter % seeds.size()];
    checkOutcome(mutate(seed, rng), "mutation", iter);
  }
}

TEST(Fuzz, PathologicalInputs) {
  checkOutcome("", "empty", 0);
  checkOutcome(std::string(100000, '\0'), "NULs", 0);
  checkOutcome(std::string(100000, '\n'), "newlines", 0);
  checkOutcome(std::string(100000, '('), "parens", 0);
  checkOutcome(std::string(100000, '{'), "braces", 0);
  checkOutcome(std::string(100000, '}'), "closing braces", 0);
  checkOutcome(std::string(100000, '\xc3'), "invalid UTF-8", 0);
  checkOutcome(std::string(200000, 'a'), "one huge identifier", 0);
  checkOutcome(std::string(200000, '7'), "one huge number", 0);
  checkOutcome("kernel", "keyword only", 0);
  checkOutcome("kernel x {", "open kernel", 0);
  checkOutcome("kernel x { mask = (((", "open parens", 0);
  checkOutcome("kernel x { dtype bf16\n q[B,H,N,D]; k[B,H,M,D]; v[B,H,M,D]\n mask = -9223372036854775808 < i }",
               "INT64_MIN", 0);
  std::string manyKernels;
  for (int i = 0; i < 2000; ++i)
    manyKernels += "kernel k" + std::to_string(i) + " { dtype bf16; q[B,H,N,D]; k[B,H,M,D]; v[B,H,M,D] }\n";
  checkOutcome(manyKernels, "many kernels", 0);
  std::string manyErrors;
  for (int i = 0; i < 5000; ++i)
    manyErrors += "kernel { } } ) $ \n";
  checkOutcome(manyErrors, "many errors", 0);
}

} // namespace
