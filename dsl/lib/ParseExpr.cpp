//===- ParseExpr.cpp - Expressions of .attn files ---------------------------===//
//
// The expression half of the recursive-descent parser: one function per precedence
// level (|| && comparison +- */%@ unary postfix primary), newline continuation after a
// binary operator and inside brackets, and two limits that keep every later recursive
// walk safe on adversarial input: nesting depth of the recursion itself, and the height
// of the built tree (a long `a + b + ...` chain is a left-deep tree).
//
//===----------------------------------------------------------------------===//
#include "Parser.h"

#include <algorithm>

namespace attnc::dsl {

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

bool Parser::enterNesting() {
  if (nesting_ <= kMaxNesting)
    return true;
  diags_.error(cur().loc, "expression nested too deeply");
  return false;
}

/// Records the height of a finished node; fails if the tree grew too tall.
ExprPtr Parser::finish(ExprPtr e) {
  uint32_t h = 1;
  for (const ExprPtr &op : e->operands) {
    auto it = heights_.find(op.get());
    h = std::max(h, (it == heights_.end() ? 1u : it->second) + 1);
  }
  if (h > kMaxHeight) {
    diags_.error(e->loc, "expression nested too deeply");
    return nullptr;
  }
  heights_[e.get()] = h;
  return e;
}

ExprPtr Parser::makeBinary(BinaryOp op, SourceLoc opLoc, ExprPtr lhs, ExprPtr rhs) {
  auto e = std::make_unique<Expr>(Expr::Kind::Binary, spanFrom(lhs->loc));
  e->binaryOp = op;
  e->opLoc = opLoc;
  e->operands.push_back(std::move(lhs));
  e->operands.push_back(std::move(rhs));
  return finish(std::move(e));
}

ExprPtr Parser::parseExpr() { return parseOr(); }

ExprPtr Parser::parseOr() {
  ExprPtr lhs = parseAnd();
  while (lhs && cur().is(TokenKind::OrOr)) {
    SourceLoc opLoc = cur().loc;
    consume();
    skipNewlines();
    ExprPtr rhs = parseAnd();
    if (!rhs)
      return nullptr;
    lhs = makeBinary(BinaryOp::Or, opLoc, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

ExprPtr Parser::parseAnd() {
  ExprPtr lhs = parseCmp();
  while (lhs && cur().is(TokenKind::AndAnd)) {
    SourceLoc opLoc = cur().loc;
    consume();
    skipNewlines();
    ExprPtr rhs = parseCmp();
    if (!rhs)
      return nullptr;
    lhs = makeBinary(BinaryOp::And, opLoc, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

static std::optional<BinaryOp> comparisonOp(TokenKind k) {
  switch (k) {
  case TokenKind::Lt:
    return BinaryOp::Lt;
  case TokenKind::Le:
    return BinaryOp::Le;
  case TokenKind::Gt:
    return BinaryOp::Gt;
  case TokenKind::Ge:
    return BinaryOp::Ge;
  case TokenKind::EqEq:
    return BinaryOp::Eq;
  case TokenKind::NotEq:
    return BinaryOp::Ne;
  default:
    return std::nullopt;
  }
}

ExprPtr Parser::parseCmp() {
  ExprPtr lhs = parseAdd();
  if (!lhs)
    return nullptr;
  std::optional<BinaryOp> op = comparisonOp(cur().kind);
  if (!op)
    return lhs;
  SourceLoc opLoc = cur().loc;
  consume();
  skipNewlines();
  ExprPtr rhs = parseAdd();
  if (!rhs)
    return nullptr;
  if (comparisonOp(cur().kind)) {
    diags_.error(cur().loc, "comparisons cannot be chained; combine them with '&&'");
    return nullptr;
  }
  return makeBinary(*op, opLoc, std::move(lhs), std::move(rhs));
}

ExprPtr Parser::parseAdd() {
  ExprPtr lhs = parseMul();
  while (lhs && (cur().is(TokenKind::Plus) || cur().is(TokenKind::Minus))) {
    BinaryOp op = cur().is(TokenKind::Plus) ? BinaryOp::Add : BinaryOp::Sub;
    SourceLoc opLoc = cur().loc;
    consume();
    skipNewlines();
    ExprPtr rhs = parseMul();
    if (!rhs)
      return nullptr;
    lhs = makeBinary(op, opLoc, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

ExprPtr Parser::parseMul() {
  ExprPtr lhs = parseUnary();
  for (;;) {
    if (!lhs)
      return nullptr;
    BinaryOp op;
    switch (cur().kind) {
    case TokenKind::Star:
      op = BinaryOp::Mul;
      break;
    case TokenKind::Slash:
      op = BinaryOp::Div;
      break;
    case TokenKind::Percent:
      op = BinaryOp::Mod;
      break;
    case TokenKind::At:
      op = BinaryOp::MatMul;
      break;
    default:
      return lhs;
    }
    SourceLoc opLoc = cur().loc;
    consume();
    skipNewlines();
    ExprPtr rhs = parseUnary();
    if (!rhs)
      return nullptr;
    lhs = makeBinary(op, opLoc, std::move(lhs), std::move(rhs));
  }
}

ExprPtr Parser::parseUnary() {
  NestingScope scope(nesting_);
  if (!enterNesting())
    return nullptr;
  if (cur().is(TokenKind::Minus) || cur().is(TokenKind::Bang)) {
    SourceLoc opLoc = cur().loc;
    UnaryOp op = cur().is(TokenKind::Minus) ? UnaryOp::Neg : UnaryOp::Not;
    consume();
    ExprPtr operand = parseUnary();
    if (!operand)
      return nullptr;
    auto e = std::make_unique<Expr>(Expr::Kind::Unary, spanFrom(opLoc));
    e->unaryOp = op;
    e->opLoc = opLoc;
    e->operands.push_back(std::move(operand));
    return finish(std::move(e));
  }
  return parsePostfix();
}

ExprPtr Parser::parsePostfix() {
  bool named = cur().is(TokenKind::Ident) && !next().is(TokenKind::LParen);
  ExprPtr base = parsePrimary();
  if (!base || !cur().is(TokenKind::LBracket))
    return base;
  if (!named || base->kind != Expr::Kind::Ref) {
    diags_.error(cur().loc, "only a named input (or q, k, v) can be indexed");
    return nullptr;
  }
  SourceLoc openLoc = cur().loc;
  consume();
  auto e = std::make_unique<Expr>(Expr::Kind::Index, base->loc);
  e->name = base->name;
  e->opLoc = base->loc;
  if (!parseOperands(*e, TokenKind::RBracket, " after the indices", openLoc))
    return nullptr;
  if (e->operands.empty()) {
    diags_.error(spanFrom(openLoc), "'" + e->name + "[]' needs at least one index");
    return nullptr;
  }
  e->loc = spanFrom(e->loc);
  return finish(std::move(e));
}

/// Parses `expr (',' expr)*` up to `close` (the opener is already consumed).
bool Parser::parseOperands(Expr &e, TokenKind close, const char *context, SourceLoc openLoc) {
  GroupScope group(groupDepth_);
  if (cur().is(close)) {
    consume();
    return true;
  }
  for (;;) {
    ExprPtr arg = parseExpr();
    if (!arg)
      return false;
    e.operands.push_back(std::move(arg));
    if (cur().is(TokenKind::Comma)) {
      consume();
      continue;
    }
    if (cur().is(close)) {
      consume();
      return true;
    }
    errorExpected(std::string(describe(close)) + " or ','", context);
    diags_.note(openLoc,
                std::string("to match this ") +
                    describe(close == TokenKind::RParen ? TokenKind::LParen : TokenKind::LBracket));
    return false;
  }
}

ExprPtr Parser::parsePrimary() {
  NestingScope scope(nesting_);
  if (!enterNesting())
    return nullptr;
  const Token &t = cur();
  SourceLoc loc = t.loc;
  switch (t.kind) {
  case TokenKind::Int: {
    auto e = std::make_unique<Expr>(Expr::Kind::IntLit, loc);
    e->intValue = t.intValue;
    consume();
    return finish(std::move(e));
  }
  case TokenKind::Float: {
    auto e = std::make_unique<Expr>(Expr::Kind::FloatLit, loc);
    e->floatValue = t.floatValue;
    consume();
    return finish(std::move(e));
  }
  case TokenKind::Ident: {
    if (t.text == "true" || t.text == "false") {
      auto e = std::make_unique<Expr>(Expr::Kind::BoolLit, loc);
      e->boolValue = t.text == "true";
      consume();
      return finish(std::move(e));
    }
    std::string name = t.text;
    consume();
    if (!cur().is(TokenKind::LParen)) {
      auto e = std::make_unique<Expr>(Expr::Kind::Ref, loc);
      e->name = std::move(name);
      return finish(std::move(e));
    }
    SourceLoc openLoc = cur().loc;
    consume();
    auto e = std::make_unique<Expr>(Expr::Kind::Call, loc);
    e->name = std::move(name);
    e->opLoc = loc;
    if (!parseOperands(*e, TokenKind::RParen, " after the arguments", openLoc))
      return nullptr;
    e->loc = spanFrom(loc);
    return finish(std::move(e));
  }
  case TokenKind::LParen: {
    consume();
    ExprPtr inner;
    {
      GroupScope group(groupDepth_);
      inner = parseExpr();
      if (!inner)
        return nullptr;
      if (!cur().is(TokenKind::RParen)) {
        errorExpected("')'", "");
        diags_.note(loc, "to match this '('");
        return nullptr;
      }
    }
    consume();
    return inner;
  }
  default:
    errorExpected("an expression", "");
    return nullptr;
  }
}

} // namespace attnc::dsl
