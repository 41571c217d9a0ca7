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

const std::string kTokens[] = {"kernel", "dtype", "bf16",  "f16",
                               "param",  "input", "score", "mask",
                               "state",  "out",   "q",     "k",
                               "v",      "o",     "s",     "t",
                               "i",      "j",     "b",     "h",
                               "scale",  "S",     "n",     "N",
                               "M",      "D",     "B",     "H",
                               "K",      "V",     "x",     "exp",
                               "diag",   "outer", "where", "max",
                               "i32",    "f32",   "true",  "0",
                               "1",      "3.5",   "1e3",   "99999999999999999999",
                               "{",      "}",     "[",     "]",
                               "(",      ")",     ",",     ";",
                               ":",      "=",     "+",     "-",
                               "*",      "/",     "%",     "@",
                               "<",      "<=",    "==",    "!=",
                               "&&",     "||",    "!",     "\n",
                               " ",      "#",     "\t",    std::string("\0", 1),
                               "\xff",   "&",     "."};

/// The promises a checked AST makes to later layers (docs/dsl.md, "For later layers").
void checkContract(const Expr &e, const Kernel &k, bool diagAllowed, const std::string &where) {
  if (e.kind == Expr::Kind::Ref)
    ASSERT_NE(e.refKind, RefKind::Unresolved) << where << ": '" << e.name << "'";
  if (e.kind == Expr::Kind::Index) {
    bool row = k.family == Family::Linear && (e.name == "q" || e.name == "k" || e.name == "v");
    ASSERT_TRUE(row || k.findInput(e.name)) << where << ": indexed '" << e.name << "'";
  }
  if (e.kind == Expr::Kind::Call && e.name == "diag")
    ASSERT_TRUE(diagAllowed) << where << ": diag outside 'diag(x) * y'";
  for (size_t i = 0; i < e.operands.size(); ++i) {
    bool lhsOfMul = e.kind == Expr::Kind::Binary && e.binaryOp == BinaryOp::Mul && i == 0;
    checkContract(*e.operands[i], k, lhsOfMul, where);
  }
}

void checkContract(const Program &p, const std::string &where) {
  for (const Kernel &k : p.kernels) {
    ASSERT_TRUE(k.dtype && k.q && k.k && k.v) << where;
    bool linear = !k.states.empty() || k.out;
    ASSERT_EQ(k.family, linear ? Family::Linear : Family::Softmax) << where;
    if (k.score) {
      ASSERT_EQ(k.score->type, (ExprType{ScalarKind::Float, {}})) << where;
      checkContract(*k.score, k, false, where);
    }
    if (k.mask) {
      ASSERT_EQ(k.mask->type, (ExprType{ScalarKind::Bool, {}})) << where;
      checkContract(*k.mask, k, false, where);
    }
    for (const StateDecl &s : k.states) {
      ASSERT_EQ(s.update->type.shape.size(), s.dims.size()) << where;
      checkContract(*s.update, k, false, where);
    }
    if (k.out) {
      ASSERT_EQ(k.out->value->type.shape.size(), 1u) << where;
      checkContract(*k.out->value, k, false, where);
    }
  }
}

void checkOutcome(const std::string &text, const char *what, size_t iter) {
  auto r = runFrontend(text);
  if (r.program) {
    ASSERT_FALSE(r.diags->hasErrors()) << what << " #" << iter;
    checkContract(*r.program, std::string(what) + " #" + std::to_string(iter) + ":\n" + text);
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
  auto pick = [&](size_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng);
  };
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
  for (size_t iter = 0; iter < 5000; ++iter) {
    size_t len = std::uniform_int_distribution<size_t>(0, 300)(rng);
    std::string s(len, '\0');
    for (char &c : s)
      c = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
    checkOutcome(s, "random bytes", iter);
  }
}

TEST(Fuzz, RandomTokens) {
  std::mt19937 rng(777);
  for (size_t iter = 0; iter < 5000; ++iter) {
    size_t len = std::uniform_int_distribution<size_t>(0, 120)(rng);
    std::string s = iter % 2 ? "kernel f { dtype bf16\n" : "";
    for (size_t i = 0; i < len; ++i)
      s += std::string(
               kTokens[std::uniform_int_distribution<size_t>(0, std::size(kTokens) - 1)(rng)]) +
           " ";
    checkOutcome(s, "random tokens", iter);
  }
}

TEST(Fuzz, MutatedValidPrograms) {
  std::vector<std::string> seeds = corpus();
  std::mt19937 rng(4242);
  for (size_t iter = 0; iter < 20000; ++iter) {
    const std::string &seed = seeds[iter % seeds.size()];
    checkOutcome(mutate(seed, rng), "mutation", iter);
  }
}

/// Random type-directed expressions over the names a kernel declares. One choice in
/// twenty ignores the wanted type, so a share of programs fails somewhere; either way the
/// outcome must be clean and, on success, the AST must keep its contract.
class ExprGen {
public:
  enum Ty { Int, Float, Bool };
  ExprGen(std::mt19937 &rng, bool linear, bool inScore)
      : rng_(rng), linear_(linear), inScore_(inScore) {}

  std::string gen(Ty ty, int depth) {
    if (pick(20) == 0)
      ty = static_cast<Ty>(pick(3));
    if (depth <= 0 || pick(4) == 0)
      return leaf(ty);
    Ty num = pick(2) ? Int : Float;
    switch (ty) {
    case Int:
    case Float: {
      Ty sub = ty == Int ? Int : num;
      switch (pick(6)) {
      case 0:
        return "-" + gen(ty, depth - 1);
      case 1: {
        static const char *ops[] = {"+", "-", "*", "/"};
        std::string op = ty == Int && pick(3) == 0 ? "%" : ops[pick(4)];
        return "(" + gen(ty, depth - 1) + " " + op + " " + gen(sub, depth - 1) + ")";
      }
      case 2:
        return std::string(pick(2) ? "min(" : "max(") + gen(ty, depth - 1) + ", " +
               gen(sub, depth - 1) + ")";
      case 3:
        return "where(" + gen(Bool, depth - 1) + ", " + gen(ty, depth - 1) + ", " +
               gen(ty, depth - 1) + ")";
      case 4:
        if (ty == Int)
          return "abs(" + gen(Int, depth - 1) + ")";
        [[fallthrough]];
      default: {
        static const char *fns[] = {"exp",        "log",      "exp2", "tanh", "sigmoid",
                                    "logsigmoid", "softplus", "sqrt", "abs"};
        return std::string(fns[pick(std::size(fns))]) + "(" + gen(num, depth - 1) + ")";
      }
      }
    }
    case Bool:
      switch (pick(4)) {
      case 0:
        return "!" + gen(Bool, depth - 1);
      case 1:
        return "(" + gen(Bool, depth - 1) + (pick(2) ? " && " : " || ") + gen(Bool, depth - 1) +
               ")";
      default: {
        static const char *cmps[] = {"<", "<=", ">", ">=", "==", "!="};
        return "(" + gen(num, depth - 1) + " " + cmps[pick(6)] + " " + gen(num, depth - 1) + ")";
      }
      }
    }
    return leaf(ty);
  }

private:
  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  std::string leaf(Ty ty) {
    static const char *ints[] = {"i", "j", "b", "h", "N", "M", "w", "doc[b, i]", "doc[b, (j % N)]",
                                 "1", "7"};
    static const char *floats[] = {"c", "scale", "sl[h]", "2.5", "s"};
    static const char *linInts[] = {"t", "h", "b", "K", "T", "3"};
    static const char *linFloats[] = {"scale", "beta[t]", "beta[b, h, t]", "0.5"};
    if (ty == Bool)
      return pick(2) ? "true" : "false";
    if (linear_)
      return ty == Int ? linInts[pick(std::size(linInts))] : linFloats[pick(std::size(linFloats))];
    if (ty == Int)
      return ints[pick(std::size(ints))];
    return floats[pick(inScore_ ? std::size(floats) : std::size(floats) - 1)];
  }
  std::mt19937 &rng_;
  bool linear_, inScore_;
};

TEST(Fuzz, GeneratedExpressions) {
  std::mt19937 rng(99);
  unsigned accepted = 0;
  const unsigned total = 4000;
  for (size_t iter = 0; iter < total; ++iter) {
    std::string text;
    if (iter % 2) {
      ExprGen g(rng, /*linear=*/true, false);
      text = linearKernel(
          "  input g: f32[B, H, T, K]\n  input beta: f32[B, H, T]\n"
          "  state S[K, V] = " +
          g.gen(ExprGen::Float, 3) + " * diag(exp(g[t])) * S + outer(k[t], v[t]) * " +
          g.gen(ExprGen::Float, 3) + "\n  state n[K] = n * " + g.gen(ExprGen::Float, 3) +
          " + k[t]" + "\n  out o[t] = (q[t] * " + g.gen(ExprGen::Float, 3) +
          ") @ S / max(abs(q[t] @ n), " + g.gen(ExprGen::Float, 2) + ")");
    } else {
      ExprGen score(rng, false, /*inScore=*/true), mask(rng, false, false);
      text =
          softmaxKernel("  param w: i32 = 3\n  param c: f32 = 1.5\n  input sl: f32[Hq]\n"
                        "  input doc: i32[B, N]\n  score = " +
                        score.gen(ExprGen::Float, 4) + "\n  mask = " + mask.gen(ExprGen::Bool, 4));
    }
    checkOutcome(text, "generated", iter);
    accepted += runFrontend(text).ok();
  }
  // Useful only if many programs get all the way through, and some do not.
  EXPECT_GT(accepted, total / 5);
  EXPECT_LT(accepted, total);
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
  checkOutcome("kernel x { dtype bf16\n q[B,H,N,D]; k[B,H,M,D]; v[B,H,M,D]\n mask = "
               "-9223372036854775808 < i }",
               "INT64_MIN", 0);
  std::string manyKernels;
  for (int i = 0; i < 2000; ++i)
    manyKernels +=
        "kernel k" + std::to_string(i) + " { dtype bf16; q[B,H,N,D]; k[B,H,M,D]; v[B,H,M,D] }\n";
  checkOutcome(manyKernels, "many kernels", 0);
  std::string manyErrors;
  for (int i = 0; i < 5000; ++i)
    manyErrors += "kernel { } } ) $ \n";
  checkOutcome(manyErrors, "many errors", 0);
}

} // namespace
