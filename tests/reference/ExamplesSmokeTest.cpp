//===- ExamplesSmokeTest.cpp - Every example parses and evaluates ----------===//
//
// Walks examples/*.attn (so a new example is covered without touching this file), binds
// each kernel to small odd sizes with inputs generated from its declarations, and runs
// the reference: the output must have the family's shape and be finite and not all zero.
//
//===----------------------------------------------------------------------===//
#include "TestSupport.h"

#include "attnc/Reference/Reference.h"

#include <filesystem>

using namespace attnc;
using namespace attnc::reference;
using namespace attnc::reference::test;

namespace {

/// Sizes for every symbol the examples use; literal dims are taken as written.
int64_t sizeOf(const dsl::Dim &d) {
  if (d.isLiteral())
    return d.value;
  static const std::map<std::string, int64_t> sizes = {{"B", 2},  {"Hq", 4}, {"Hkv", 2}, {"H", 2},
                                                       {"N", 21}, {"M", 19}, {"T", 13},  {"D", 8},
                                                       {"Dv", 8}, {"K", 5},  {"V", 3}};
  auto it = sizes.find(d.symbol);
  return it != sizes.end() ? it->second : 7;
}

HostTensor forDecl(const std::vector<dsl::Dim> &dims, bool isInt, uint64_t seed) {
  std::vector<int64_t> shape;
  for (const dsl::Dim &d : dims)
    shape.push_back(sizeOf(d));
  // i32 inputs are ids; f32 inputs (slopes, gates, beta) stay in (0, 0.5) so every
  // example's gates and decays are well defined.
  return isInt ? randomInts(shape, seed, 0, 2) : randomUniform(shape, seed, 0.0, 0.5);
}

} // namespace

TEST(ExamplesSmoke, EveryExampleParsesAndEvaluates) {
  std::vector<std::filesystem::path> files;
  for (const auto &entry :
       std::filesystem::directory_iterator(std::string(ATTNC_SOURCE_DIR) + "/examples"))
    if (entry.path().extension() == ".attn")
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  EXPECT_GE(files.size(), 20u);
  for (const auto &file : files) {
    SCOPED_TRACE(file.string());
    Parsed p = parseExample(file.stem().string());
    ASSERT_TRUE(p);
    for (const dsl::Kernel &k : p.program->kernels) {
      Inputs in;
      in.q = forDecl(k.q->dims, false, 1);
      in.k = forDecl(k.k->dims, false, 2);
      in.v = forDecl(k.v->dims, false, 3);
      for (const dsl::InputDecl &decl : k.inputs)
        in.extra[decl.name] = forDecl(decl.dims, decl.type == dsl::ElementType::I32, 4);
      Bindings b;
      b.params = {};
      for (const dsl::ParamDecl &param : k.params) // keep windows/chunks inside 21 tokens
        if (param.name == "radius")
          b.params[param.name] = 1;
        else if (param.name != "softcap" && param.name != "scale" &&
                 param.type == dsl::ElementType::I32)
          b.params[param.name] = 3;
      HostTensor o;
      ASSERT_NO_THROW(o = referenceForward(k, in, b));
      ASSERT_EQ(o.rank(), 4);
      EXPECT_EQ(o.shape[0], in.q.shape[0]);
      EXPECT_EQ(o.shape[1], in.q.shape[1]);
      EXPECT_EQ(o.shape[2], in.q.shape[2]);
      EXPECT_EQ(o.shape[3], in.v.shape[3]);
      double norm = 0;
      for (double x : o.data) {
        ASSERT_TRUE(std::isfinite(x));
        norm += x * x;
      }
      EXPECT_GT(norm, 0.0);
    }
  }
}

namespace {

/// Evaluates every node under `e` and checks its value's kind and shape against the type
/// Sema gave it, so the checker and the reference cannot drift apart silently.
void checkTypes(const dsl::Expr &e, const Evaluator &ev, const ResolvedBindings &rb) {
  Value v = ev.eval(e);
  std::vector<int64_t> want;
  for (const std::string &sym : e.type.shape) {
    auto it = rb.dims.find(sym);
    want.push_back(it != rb.dims.end() ? it->second : std::stoll(sym));
  }
  EXPECT_EQ(v.kind, e.type.scalar) << e.loc.line << ":" << e.loc.col << " " << e.type.str();
  EXPECT_EQ(v.shape, want) << e.loc.line << ":" << e.loc.col << " " << e.type.str();
  for (const dsl::ExprPtr &op : e.operands)
    checkTypes(*op, ev, rb);
}

} // namespace

TEST(ExamplesSmoke, EvaluatedValuesHaveTheTypesSemaInferred) {
  for (const auto &entry :
       std::filesystem::directory_iterator(std::string(ATTNC_SOURCE_DIR) + "/examples")) {
    if (entry.path().extension() != ".attn")
      continue;
    SCOPED_TRACE(entry.path().string());
    Parsed p = parseExample(entry.path().stem().string());
    ASSERT_TRUE(p);
    const dsl::Kernel &k = p.kernel();
    Inputs in;
    in.q = forDecl(k.q->dims, false, 1);
    in.k = forDecl(k.k->dims, false, 2);
    in.v = forDecl(k.v->dims, false, 3);
    for (const dsl::InputDecl &decl : k.inputs)
      in.extra[decl.name] = forDecl(decl.dims, decl.type == dsl::ElementType::I32, 4);
    ResolvedBindings rb = resolveBindings(k, in, {});
    Evaluator ev(k, rb, in);
    std::vector<Value> states;
    for (const dsl::StateDecl &s : k.states) {
      std::vector<int64_t> shape;
      for (const dsl::Dim &d : s.dims)
        shape.push_back(d.isLiteral() ? d.value : rb.dims.at(d.symbol));
      states.push_back(Value::zeros(shape));
      for (double &x : states.back().data)
        x = 0.25;
    }
    for (size_t n = 0; n < states.size(); ++n)
      ev.setState(k.states[n].name, &states[n]);
    if (rb.family == dsl::Family::Linear) {
      ev.setLinearPosition(1, 1, 2);
      for (const dsl::StateDecl &s : k.states)
        checkTypes(*s.update, ev, rb);
      checkTypes(*k.out->value, ev, rb);
    } else {
      ev.setSoftmaxPosition(1, 1, std::min<int64_t>(3, rb.queryLen - 1), 2, 0.5);
      if (k.score)
        checkTypes(*k.score, ev, rb);
      if (k.mask)
        checkTypes(*k.mask, ev, rb);
    }
  }
}
