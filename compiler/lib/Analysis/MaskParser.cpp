//===- MaskParser.cpp - Mask expressions in DSL syntax -> MaskModel -------===//
//
// A small recursive-descent parser for the integer/boolean subset of the DSL that masks
// use (i, j, symbols, literals, + - * / %, comparisons, && || !, abs/min/max/where), plus
// `runtime('why')` for an opaque condition. It reads back the bounds attn-analyze-masks
// stores on the op (MaskModel::str() prints this syntax) and lets tests state masks the
// way a user writes them. Each node goes through the same MaskBuilder algebra as the pass.
//
//===----------------------------------------------------------------------===//
#include "attnc/Analysis/MaskBuilder.h"

#include <cctype>

namespace attnc::analysis {

namespace {

struct Value {
  bool isBool = false;
  Cond cond;
  IntValue num;
};

class Parser {
public:
  explicit Parser(const std::string &text) : s_(text) {}

  std::optional<Cond> parseMask(std::string *error) {
    std::optional<Value> v = parseOr();
    skipSpace();
    if (v && pos_ != s_.size())
      fail("unexpected '" + s_.substr(pos_, 8) + "'");
    if (v && !v->isBool)
      fail("a mask must be a bool expression");
    if (!error_.empty()) {
      if (error)
        *error = error_ + " at column " + std::to_string(errPos_ + 1);
      return std::nullopt;
    }
    return v->cond;
  }

private:
  void skipSpace() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_])))
      ++pos_;
  }
  bool accept(const char *tok) {
    skipSpace();
    size_t n = std::char_traits<char>::length(tok);
    if (s_.compare(pos_, n, tok) != 0)
      return false;
    // `<` must not eat the first half of `<=`, `=` not of `==`, `|` of `||` etc.
    if (n == 1 && pos_ + 1 < s_.size() && s_[pos_ + 1] == '=' &&
        (tok[0] == '<' || tok[0] == '>' || tok[0] == '!' || tok[0] == '='))
      return false;
    pos_ += n;
    return true;
  }
  std::nullopt_t fail(const std::string &msg) {
    if (error_.empty()) {
      error_ = msg;
      errPos_ = pos_;
    }
    return std::nullopt;
  }
  std::optional<Value> needBool(std::optional<Value> v) {
    if (v && !v->isBool)
      return fail("expected a bool operand");
    return v;
  }
  std::optional<Value> needInt(std::optional<Value> v) {
    if (v && v->isBool)
      return fail("expected an int operand");
    return v;
  }
  static Value boolValue(Cond c) { return Value{true, std::move(c), {}}; }
  static Value intValue(IntValue v) { return Value{false, {}, std::move(v)}; }

  std::optional<Value> parseOr() {
    auto lhs = parseAnd();
    while (lhs && accept("||")) {
      auto rhs = needBool(parseAnd());
      if (!needBool(lhs) || !rhs)
        return std::nullopt;
      lhs = boolValue(condOr(lhs->cond, rhs->cond));
    }
    return lhs;
  }
  std::optional<Value> parseAnd() {
    auto lhs = parseCmp();
    while (lhs && accept("&&")) {
      auto rhs = needBool(parseCmp());
      if (!needBool(lhs) || !rhs)
        return std::nullopt;
      lhs = boolValue(condAnd(lhs->cond, rhs->cond));
    }
    return lhs;
  }
  std::optional<Value> parseCmp() {
    auto lhs = parseAdd();
    if (!lhs)
      return lhs;
    static const std::pair<const char *, CmpPred> ops[] = {{"==", CmpPred::Eq}, {"!=", CmpPred::Ne},
                                                           {"<=", CmpPred::Le}, {">=", CmpPred::Ge},
                                                           {"<", CmpPred::Lt},  {">", CmpPred::Gt}};
    for (const auto &[tok, pred] : ops) {
      if (!accept(tok))
        continue;
      auto rhs = needInt(parseAdd());
      if (!needInt(lhs) || !rhs)
        return std::nullopt;
      return boolValue(compare(pred, lhs->num, rhs->num));
    }
    return lhs;
  }
  std::optional<Value> parseAdd() {
    auto lhs = parseMul();
    while (lhs) {
      bool plus = accept("+");
      if (!plus && !accept("-"))
        break;
      auto rhs = needInt(parseMul());
      if (!needInt(lhs) || !rhs)
        return std::nullopt;
      lhs = intValue(plus ? intAdd(lhs->num, rhs->num) : intSub(lhs->num, rhs->num));
    }
    return lhs;
  }
  std::optional<Value> parseMul() {
    auto lhs = parseUnary();
    while (lhs) {
      char op = accept("*") ? '*' : accept("/") ? '/' : accept("%") ? '%' : 0;
      if (!op)
        break;
      auto rhs = needInt(parseUnary());
      if (!needInt(lhs) || !rhs)
        return std::nullopt;
      lhs = intValue(op == '*'   ? intMul(lhs->num, rhs->num)
                     : op == '/' ? intFloorDiv(lhs->num, rhs->num)
                                 : intFloorMod(lhs->num, rhs->num));
    }
    return lhs;
  }
  std::optional<Value> parseUnary() {
    if (accept("-")) {
      auto v = needInt(parseUnary());
      return v ? std::optional<Value>(intValue(intNeg(v->num))) : std::nullopt;
    }
    if (accept("!")) {
      auto v = needBool(parseUnary());
      return v ? std::optional<Value>(boolValue(condNot(v->cond))) : std::nullopt;
    }
    return parsePrimary();
  }
  std::optional<Value> parsePrimary() {
    skipSpace();
    if (accept("(")) {
      auto v = parseOr();
      if (v && !accept(")"))
        return fail("expected ')'");
      return v;
    }
    if (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
      int64_t value = 0;
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_])))
        value = value * 10 + (s_[pos_++] - '0');
      return intValue(IntValue::constant(value));
    }
    std::string name;
    while (pos_ < s_.size() &&
           (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_'))
      name += s_[pos_++];
    if (name.empty())
      return fail("expected an expression");
    if (accept("("))
      return parseCall(name);
    if (name == "true" || name == "false")
      return boolValue(name == "true" ? Cond::truth() : Cond::falsity());
    if (name == "i")
      return intValue(IntValue::i());
    if (name == "j")
      return intValue(IntValue::j());
    return intValue(IntValue::symbol(name));
  }
  std::optional<Value> parseCall(const std::string &name) {
    if (name == "runtime") {
      skipSpace();
      char quote = pos_ < s_.size() ? s_[pos_] : 0;
      if (quote != '\'' && quote != '"')
        return fail("expected a quoted reason");
      size_t end = s_.find(quote, pos_ + 1);
      if (end == std::string::npos)
        return fail("unterminated string");
      std::string why = s_.substr(pos_ + 1, end - pos_ - 1);
      pos_ = end + 1;
      if (!accept(")"))
        return fail("expected ')'");
      return boolValue(Cond::runtime(why));
    }
    std::vector<Value> args;
    do {
      auto v = parseOr();
      if (!v)
        return std::nullopt;
      args.push_back(std::move(*v));
    } while (accept(","));
    if (!accept(")"))
      return fail("expected ')'");
    auto ints = [&](size_t n) {
      if (args.size() != n)
        return false;
      for (const Value &a : args)
        if (a.isBool)
          return false;
      return true;
    };
    if (name == "abs" && ints(1))
      return intValue(intAbs(args[0].num));
    if (name == "min" && ints(2))
      return intValue(intMin(args[0].num, args[1].num));
    if (name == "max" && ints(2))
      return intValue(intMax(args[0].num, args[1].num));
    if (name == "where" && args.size() == 3 && args[0].isBool) {
      if (args[1].isBool && args[2].isBool)
        return boolValue(condSelect(args[0].cond, args[1].cond, args[2].cond));
      if (!args[1].isBool && !args[2].isBool)
        return intValue(intSelect(args[0].cond, args[1].num, args[2].num));
    }
    return fail("unsupported call '" + name + "'");
  }

  const std::string &s_;
  size_t pos_ = 0;
  std::string error_;
  size_t errPos_ = 0;
};

} // namespace

std::optional<MaskModel> MaskModel::parse(const std::string &text, std::string *error) {
  Parser p(text);
  std::optional<Cond> c = p.parseMask(error);
  if (!c)
    return std::nullopt;
  return toModel(*c);
}

} // namespace attnc::analysis
