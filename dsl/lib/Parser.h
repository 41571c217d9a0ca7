//===- Parser.h - Recursive-descent parser state ------------------*- C++ -*-===//
//
// The parser class shared by ParseDecls.cpp (file, kernel and statement structure) and
// ParseExpr.cpp (expressions with their nesting limits). Internal to AttnDSL; the public
// entry point is `parseProgram` in Frontend.h.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DSL_LIB_PARSER_H
#define ATTNC_DSL_LIB_PARSER_H

#include "Lexer.h"

#include "attnc/DSL/AST.h"

#include <unordered_map>

namespace attnc::dsl {

/// "'foo'", "'+'", "end of line": how a token is named in "expected X, got Y".
std::string describeToken(const Token &t);

/// Builds a Program from a buffer's tokens, reporting into a DiagnosticEngine.
class Parser {
public:
  /// Deepest nesting of parentheses, calls, brackets and unary operators.
  static constexpr unsigned kMaxNesting = 200;
  /// Tallest expression tree (long operator chains are left-deep trees).
  static constexpr uint32_t kMaxHeight = 1000;

  Parser(const SourceBuffer &buffer, DiagnosticEngine &diags)
      : tokens_(lex(buffer, diags)), diags_(diags) {}

  Program parseFile(const std::string &path);

private:
  // Token access. Inside brackets and parentheses newlines are insignificant.
  const Token &cur() {
    if (groupDepth_ > 0)
      while (tokens_[idx_].is(TokenKind::Newline))
        ++idx_;
    return tokens_[idx_];
  }
  const Token &next() {
    cur();
    size_t n = idx_ + 1 < tokens_.size() ? idx_ + 1 : idx_;
    return tokens_[n];
  }
  void consume() {
    const Token &t = cur();
    lastEnd_ = t.loc;
    if (!t.is(TokenKind::Eof))
      ++idx_;
  }
  void skipNewlines() {
    while (cur().is(TokenKind::Newline))
      consume();
  }
  bool expect(TokenKind kind, const std::string &context) {
    if (cur().is(kind)) {
      consume();
      return true;
    }
    errorExpected(describe(kind), context);
    return false;
  }
  void errorExpected(const std::string &what, const std::string &context) {
    diags_.error(cur().loc, "expected " + what + context + ", got " + describeToken(cur()));
  }
  /// A location from `start` to the end of the last consumed token.
  SourceLoc spanFrom(SourceLoc start) const {
    SourceLoc l = start;
    if (lastEnd_.line == start.line && lastEnd_.col >= start.col)
      l.length = lastEnd_.col + lastEnd_.length - start.col;
    else
      l.length = 0xFFFF; // to the end of the line; the renderer clamps
    return l;
  }

  // Statements.
  void parseKernel(Program &program);
  bool parseStatement(Kernel &k);
  bool parseTensor(Kernel &k);
  bool parseParam(Kernel &k);
  bool parseInput(Kernel &k);
  bool parseState(Kernel &k);
  bool parseOut(Kernel &k);
  bool parseSingleExpr(ExprPtr &slot, SourceLoc &slotLoc, const char *what);
  bool parseDims(std::vector<Dim> &dims, const std::string &owner);
  bool parseElementType(ElementType &type, bool scalarOnly);
  void skipStatement(size_t statementStart);
  bool duplicate(bool present, SourceLoc first, const std::string &what);

  // Expressions.
  ExprPtr parseExpr();
  ExprPtr parseOr();
  ExprPtr parseAnd();
  ExprPtr parseCmp();
  ExprPtr parseAdd();
  ExprPtr parseMul();
  ExprPtr parseUnary();
  ExprPtr parsePostfix();
  ExprPtr parsePrimary();
  bool parseOperands(Expr &e, TokenKind close, const char *context, SourceLoc openLoc);
  ExprPtr makeBinary(BinaryOp op, SourceLoc opLoc, ExprPtr lhs, ExprPtr rhs);
  ExprPtr finish(ExprPtr e);
  bool enterNesting();

  /// Counts one level of recursion for the lifetime of a parse function.
  struct NestingScope {
    explicit NestingScope(unsigned &n) : n_(n) { ++n_; }
    ~NestingScope() { --n_; }
    unsigned &n_;
  };

  /// Makes newlines insignificant while parsing inside brackets or parentheses.
  struct GroupScope {
    explicit GroupScope(unsigned &g) : g_(g) { ++g_; }
    ~GroupScope() { --g_; }
    unsigned &g_;
  };

  std::vector<Token> tokens_;
  DiagnosticEngine &diags_;
  size_t idx_ = 0;
  unsigned groupDepth_ = 0;
  unsigned nesting_ = 0;
  SourceLoc lastEnd_;
  std::unordered_map<const Expr *, uint32_t> heights_;
};

} // namespace attnc::dsl

#endif // ATTNC_DSL_LIB_PARSER_H
