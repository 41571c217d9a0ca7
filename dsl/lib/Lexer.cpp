//===- Lexer.cpp - Tokenize .attn source -----------------------------------===//
//
// A hand-written scanner over the raw bytes of a buffer. It tracks 1-based line and byte
// columns for every token, skips `#` and `//` comments (which may hold any bytes), and
// turns every problem into a located diagnostic: stray or non-ASCII bytes (a run of them
// is one error), NUL bytes, integer literals that do not fit in 64 bits, floats that
// overflow, exponents without digits. Nothing here can crash or loop on hostile input.
//
//===----------------------------------------------------------------------===//
#include "Lexer.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string_view>

namespace attnc::dsl {

const char *describe(TokenKind kind) {
  switch (kind) {
  case TokenKind::Eof:
    return "end of file";
  case TokenKind::Newline:
    return "end of line";
  case TokenKind::Ident:
    return "identifier";
  case TokenKind::Int:
    return "integer literal";
  case TokenKind::Float:
    return "float literal";
  case TokenKind::LBrace:
    return "'{'";
  case TokenKind::RBrace:
    return "'}'";
  case TokenKind::LBracket:
    return "'['";
  case TokenKind::RBracket:
    return "']'";
  case TokenKind::LParen:
    return "'('";
  case TokenKind::RParen:
    return "')'";
  case TokenKind::Comma:
    return "','";
  case TokenKind::Semicolon:
    return "';'";
  case TokenKind::Colon:
    return "':'";
  case TokenKind::Assign:
    return "'='";
  case TokenKind::Plus:
    return "'+'";
  case TokenKind::Minus:
    return "'-'";
  case TokenKind::Star:
    return "'*'";
  case TokenKind::Slash:
    return "'/'";
  case TokenKind::Percent:
    return "'%'";
  case TokenKind::At:
    return "'@'";
  case TokenKind::Lt:
    return "'<'";
  case TokenKind::Le:
    return "'<='";
  case TokenKind::Gt:
    return "'>'";
  case TokenKind::Ge:
    return "'>='";
  case TokenKind::EqEq:
    return "'=='";
  case TokenKind::NotEq:
    return "'!='";
  case TokenKind::AndAnd:
    return "'&&'";
  case TokenKind::OrOr:
    return "'||'";
  case TokenKind::Bang:
    return "'!'";
  }
  return "token";
}

namespace {

bool isIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isIdentChar(char c) { return isIdentStart(c) || isDigit(c); }

/// Bytes that may appear outside comments without an error (ASCII printable + space/tab).
bool isStrayByte(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  if (c == '\n' || c == '\t' || c == '\r' || c == ' ')
    return false;
  if (u < 0x20 || u >= 0x7f)
    return true;
  return !(isIdentChar(c) ||
           std::string_view("{}[](),;:=+-*/%@<>!&|#.").find(c) != std::string_view::npos);
}

std::string describeByte(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  if (u == 0)
    return "NUL byte";
  char buf[32];
  if (u >= 0x80) {
    std::snprintf(buf, sizeof buf, "byte 0x%02X", u);
    return std::string("non-ASCII ") + buf + " (only comments may hold non-ASCII text)";
  }
  if (u < 0x20 || u == 0x7f) {
    std::snprintf(buf, sizeof buf, "control byte 0x%02X", u);
    return buf;
  }
  return std::string("character '") + c + "'";
}

class Lexer {
public:
  Lexer(const SourceBuffer &buffer, DiagnosticEngine &diags)
      : text_(buffer.text()), diags_(diags) {}

  std::vector<Token> run() {
    while (pos_ < text_.size())
      lexOne();
    Token eof;
    eof.kind = TokenKind::Eof;
    eof.loc = {line_, col_, 1};
    tokens_.push_back(eof);
    return std::move(tokens_);
  }

private:
  char peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  bool atEnd(size_t ahead = 0) const { return pos_ + ahead >= text_.size(); }

  void advance() {
    if (text_[pos_] == '\n') {
      ++line_;
      col_ = 1;
    } else {
      ++col_;
    }
    ++pos_;
  }

  void push(TokenKind kind, size_t begin, SourceLoc loc) {
    Token t;
    t.kind = kind;
    t.text = text_.substr(begin, pos_ - begin);
    loc.length = static_cast<uint32_t>(pos_ - begin);
    t.loc = loc;
    tokens_.push_back(std::move(t));
  }

  void lexOne();
  void lexNumber(size_t begin, SourceLoc loc);
  void lexStray(SourceLoc loc);
  void lexPunct(size_t begin, SourceLoc loc);

  const std::string &text_;
  DiagnosticEngine &diags_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  uint32_t line_ = 1, col_ = 1;
};

void Lexer::lexOne() {
  char c = peek();
  size_t begin = pos_;
  SourceLoc loc{line_, col_, 1};
  if (c == ' ' || c == '\t' || c == '\r') {
    advance();
    return;
  }
  if (c == '\n') {
    advance();
    push(TokenKind::Newline, begin, loc);
    return;
  }
  if (c == '#' || (c == '/' && peek(1) == '/')) {
    while (!atEnd() && peek() != '\n')
      advance();
    return;
  }
  if (isIdentStart(c)) {
    while (!atEnd() && isIdentChar(peek()))
      advance();
    push(TokenKind::Ident, begin, loc);
    return;
  }
  if (isDigit(c) || (c == '.' && isDigit(peek(1)))) {
    lexNumber(begin, loc);
    return;
  }
  if (isStrayByte(c) || c == '.') {
    lexStray(loc);
    return;
  }
  lexPunct(begin, loc);
}

void Lexer::lexNumber(size_t begin, SourceLoc loc) {
  bool isFloatLit = false;
  while (!atEnd() && isDigit(peek()))
    advance();
  if (peek() == '.' && !atEnd()) {
    isFloatLit = true;
    advance();
    while (!atEnd() && isDigit(peek()))
      advance();
  }
  if ((peek() == 'e' || peek() == 'E') && !atEnd()) {
    size_t digitsAt = (peek(1) == '+' || peek(1) == '-') ? 2 : 1;
    if (!isDigit(peek(digitsAt))) {
      advance();
      push(TokenKind::Float, begin, loc);
      diags_.error(tokens_.back().loc, "malformed number: exponent has no digits");
      return;
    }
    isFloatLit = true;
    for (size_t i = 0; i < digitsAt; ++i)
      advance();
    while (!atEnd() && isDigit(peek()))
      advance();
  }
  push(isFloatLit ? TokenKind::Float : TokenKind::Int, begin, loc);
  Token &t = tokens_.back();
  if (isFloatLit) {
    errno = 0;
    t.floatValue = std::strtod(t.text.c_str(), nullptr);
    if (!std::isfinite(t.floatValue)) {
      diags_.error(t.loc, "float literal out of range");
      t.floatValue = 0;
    }
    return;
  }
  int64_t value = 0;
  for (char d : t.text) {
    int digit = d - '0';
    if (value > (std::numeric_limits<int64_t>::max() - digit) / 10) {
      diags_.error(t.loc, "integer literal out of range");
      value = 0;
      break;
    }
    value = value * 10 + digit;
  }
  t.intValue = value;
}

void Lexer::lexStray(SourceLoc loc) {
  char first = peek();
  bool nonAscii = static_cast<unsigned char>(first) >= 0x80;
  // A run of non-ASCII bytes (one UTF-8 character, valid or not) is one error.
  advance();
  uint32_t length = 1;
  while (nonAscii && !atEnd() && static_cast<unsigned char>(peek()) >= 0x80) {
    advance();
    ++length;
  }
  loc.length = length;
  std::string what = describeByte(first);
  if (first == '.')
    what = "'.' (a float literal needs a digit after it)";
  diags_.error(loc, "unexpected " + what);
}

void Lexer::lexPunct(size_t begin, SourceLoc loc) {
  char c = peek();
  char n = peek(1);
  auto two = [&](TokenKind k) {
    advance();
    advance();
    push(k, begin, loc);
  };
  auto one = [&](TokenKind k) {
    advance();
    push(k, begin, loc);
  };
  switch (c) {
  case '{':
    return one(TokenKind::LBrace);
  case '}':
    return one(TokenKind::RBrace);
  case '[':
    return one(TokenKind::LBracket);
  case ']':
    return one(TokenKind::RBracket);
  case '(':
    return one(TokenKind::LParen);
  case ')':
    return one(TokenKind::RParen);
  case ',':
    return one(TokenKind::Comma);
  case ';':
    return one(TokenKind::Semicolon);
  case ':':
    return one(TokenKind::Colon);
  case '+':
    return one(TokenKind::Plus);
  case '-':
    return one(TokenKind::Minus);
  case '*':
    return one(TokenKind::Star);
  case '/':
    return one(TokenKind::Slash);
  case '%':
    return one(TokenKind::Percent);
  case '@':
    return one(TokenKind::At);
  case '<':
    return n == '=' ? two(TokenKind::Le) : one(TokenKind::Lt);
  case '>':
    return n == '=' ? two(TokenKind::Ge) : one(TokenKind::Gt);
  case '=':
    return n == '=' ? two(TokenKind::EqEq) : one(TokenKind::Assign);
  case '!':
    return n == '=' ? two(TokenKind::NotEq) : one(TokenKind::Bang);
  case '&':
    if (n == '&')
      return two(TokenKind::AndAnd);
    advance();
    diags_.error(loc, "unexpected character '&' (did you mean '&&'?)");
    return;
  case '|':
    if (n == '|')
      return two(TokenKind::OrOr);
    advance();
    diags_.error(loc, "unexpected character '|' (did you mean '||'?)");
    return;
  default:
    advance();
    diags_.error(loc, "unexpected " + describeByte(c));
    return;
  }
}

} // namespace

std::vector<Token> lex(const SourceBuffer &buffer, DiagnosticEngine &diags) {
  return Lexer(buffer, diags).run();
}

} // namespace attnc::dsl
