//===- Lexer.h - Tokens of the attnc DSL --------------------------*- C++ -*-===//
//
// Splits a `.attn` buffer into tokens for the recursive-descent parser. Keywords are not
// separate token kinds: `kernel`, `dtype`, `score`, ... are identifiers that the parser
// recognises by spelling where a statement starts, so they stay usable as ordinary names
// elsewhere. Newlines are tokens because they end statements. Bad bytes, malformed or
// out-of-range numbers are reported and skipped; lexing never fails outright.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DSL_LIB_LEXER_H
#define ATTNC_DSL_LIB_LEXER_H

#include "attnc/DSL/Diagnostics.h"

#include <string>
#include <vector>

namespace attnc::dsl {

enum class TokenKind {
  Eof,
  Newline,
  Ident,
  Int,
  Float,
  LBrace,
  RBrace,
  LBracket,
  RBracket,
  LParen,
  RParen,
  Comma,
  Semicolon,
  Colon,
  Assign,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  At,
  Lt,
  Le,
  Gt,
  Ge,
  EqEq,
  NotEq,
  AndAnd,
  OrOr,
  Bang,
};

/// Spelling of a token kind for "expected X" messages ("identifier", "'{'", ...).
const char *describe(TokenKind kind);

struct Token {
  TokenKind kind = TokenKind::Eof;
  std::string text; ///< the spelling (empty for Eof)
  SourceLoc loc;
  int64_t intValue = 0;    ///< Int tokens (0 after an out-of-range error)
  double floatValue = 0.0; ///< Float tokens
  bool is(TokenKind k) const { return kind == k; }
  bool isIdent(const char *spelling) const { return kind == TokenKind::Ident && text == spelling; }
};

/// Tokenizes the whole buffer. The result always ends with one Eof token.
std::vector<Token> lex(const SourceBuffer &buffer, DiagnosticEngine &diags);

} // namespace attnc::dsl

#endif // ATTNC_DSL_LIB_LEXER_H
