//===- LexerTest.cpp - Tokens of the attnc DSL -----------------------------===//
//
// Token kinds, spellings, values and locations for every token class, comments, and the
// lexer's error paths: stray bytes, NULs, non-ASCII text, out-of-range numbers.
//
//===----------------------------------------------------------------------===//
#include "Lexer.h"

#include <gtest/gtest.h>

using namespace attnc::dsl;

namespace {

struct Lexed {
  std::vector<Token> tokens;
  std::vector<Diagnostic> diags;
};

Lexed lexString(const std::string &text) {
  SourceBuffer buffer("t.attn", text);
  DiagnosticEngine diags(buffer);
  Lexed l;
  l.tokens = lex(buffer, diags);
  l.diags = diags.diagnostics();
  return l;
}

std::vector<TokenKind> kinds(const std::vector<Token> &tokens) {
  std::vector<TokenKind> out;
  for (const Token &t : tokens)
    out.push_back(t.kind);
  return out;
}

TEST(Lexer, EmptyInputIsJustEof) {
  Lexed l = lexString("");
  ASSERT_EQ(l.tokens.size(), 1u);
  EXPECT_EQ(l.tokens[0].kind, TokenKind::Eof);
  EXPECT_TRUE(l.diags.empty());
}

TEST(Lexer, Punctuation) {
  Lexed l = lexString("{ } [ ] ( ) , ; : = + - * / % @ < <= > >= == != && || !");
  using K = TokenKind;
  std::vector<K> expected = {
      K::LBrace,    K::RBrace, K::LBracket, K::RBracket, K::LParen, K::RParen, K::Comma,
      K::Semicolon, K::Colon,  K::Assign,   K::Plus,     K::Minus,  K::Star,   K::Slash,
      K::Percent,   K::At,     K::Lt,       K::Le,       K::Gt,     K::Ge,     K::EqEq,
      K::NotEq,     K::AndAnd, K::OrOr,     K::Bang,     K::Eof};
  EXPECT_EQ(kinds(l.tokens), expected);
  EXPECT_TRUE(l.diags.empty());
}

TEST(Lexer, IdentifiersAndKeywordsAreIdents) {
  Lexed l = lexString("kernel foo_1 _x dtype bf16");
  ASSERT_EQ(l.tokens.size(), 6u);
  for (size_t i = 0; i < 5; ++i)
    EXPECT_EQ(l.tokens[i].kind, TokenKind::Ident);
  EXPECT_EQ(l.tokens[1].text, "foo_1");
  EXPECT_EQ(l.tokens[4].text, "bf16");
}

TEST(Lexer, Numbers) {
  Lexed l = lexString("0 42 1.5 2e3 .25 7.");
  ASSERT_EQ(l.tokens.size(), 7u);
  EXPECT_EQ(l.tokens[0].kind, TokenKind::Int);
  EXPECT_EQ(l.tokens[1].intValue, 42);
  EXPECT_EQ(l.tokens[2].kind, TokenKind::Float);
  EXPECT_DOUBLE_EQ(l.tokens[2].floatValue, 1.5);
  EXPECT_EQ(l.tokens[3].kind, TokenKind::Float);
  EXPECT_DOUBLE_EQ(l.tokens[3].floatValue, 2000.0);
  EXPECT_DOUBLE_EQ(l.tokens[4].floatValue, 0.25);
  EXPECT_DOUBLE_EQ(l.tokens[5].floatValue, 7.0);
  EXPECT_TRUE(l.diags.empty());
}

TEST(Lexer, LargestIntegerFitsAndNextOneIsOutOfRange) {
  Lexed ok = lexString("9223372036854775807");
  EXPECT_TRUE(ok.diags.empty());
  EXPECT_EQ(ok.tokens[0].intValue, INT64_MAX);
  Lexed bad = lexString("9223372036854775808");
  ASSERT_EQ(bad.diags.size(), 1u);
  EXPECT_EQ(bad.diags[0].message, "integer literal out of range");
  EXPECT_EQ(bad.tokens[0].intValue, 0);
  Lexed huge = lexString(std::string(5000, '9'));
  ASSERT_EQ(huge.diags.size(), 1u);
  EXPECT_EQ(huge.diags[0].message, "integer literal out of range");
}

TEST(Lexer, FloatOverflowAndBadExponent) {
  Lexed l = lexString("1e999 3e+");
  ASSERT_EQ(l.diags.size(), 2u);
  EXPECT_EQ(l.diags[0].message, "float literal out of range");
  EXPECT_EQ(l.diags[1].message, "malformed number: exponent has no digits");
}

TEST(Lexer, CommentsAndNewlines) {
  Lexed l = lexString("a # comment with \xff bytes\n// another\nb");
  using K = TokenKind;
  EXPECT_EQ(kinds(l.tokens), (std::vector<K>{K::Ident, K::Newline, K::Newline, K::Ident, K::Eof}));
  EXPECT_TRUE(l.diags.empty());
}

TEST(Lexer, Locations) {
  Lexed l = lexString("kernel x {\n\tdtype  bf16\n}");
  ASSERT_GE(l.tokens.size(), 6u);
  EXPECT_EQ(l.tokens[0].loc.line, 1u);
  EXPECT_EQ(l.tokens[0].loc.col, 1u);
  EXPECT_EQ(l.tokens[0].loc.length, 6u);
  EXPECT_EQ(l.tokens[1].loc.col, 8u);
  EXPECT_EQ(l.tokens[4].text, "dtype");
  EXPECT_EQ(l.tokens[4].loc.line, 2u);
  EXPECT_EQ(l.tokens[4].loc.col, 2u);
  EXPECT_EQ(l.tokens[5].loc.col, 9u);
}

TEST(Lexer, CrLfIsANewline) {
  Lexed l = lexString("a\r\nb");
  using K = TokenKind;
  EXPECT_EQ(kinds(l.tokens), (std::vector<K>{K::Ident, K::Newline, K::Ident, K::Eof}));
  EXPECT_TRUE(l.diags.empty());
}

TEST(Lexer, StrayBytesAreReportedAndSkipped) {
  Lexed l = lexString(std::string("a $ b ") + '\x01' + " c " + '\0' + " d & e");
  EXPECT_EQ(l.diags.size(), 4u);
  EXPECT_EQ(l.diags[0].message, "unexpected character '$'");
  EXPECT_EQ(l.diags[1].message, "unexpected control byte 0x01");
  EXPECT_EQ(l.diags[2].message, "unexpected NUL byte");
  EXPECT_EQ(l.diags[3].message, "unexpected character '&' (did you mean '&&'?)");
  size_t idents = 0;
  for (const Token &t : l.tokens)
    idents += t.kind == TokenKind::Ident;
  EXPECT_EQ(idents, 5u);
}

TEST(Lexer, NonAsciiRunIsOneError) {
  Lexed l = lexString("a \xc3\xa9\xff b");
  ASSERT_EQ(l.diags.size(), 1u);
  EXPECT_EQ(l.diags[0].loc.col, 3u);
  EXPECT_EQ(l.diags[0].loc.length, 3u);
  EXPECT_NE(l.diags[0].message.find("non-ASCII byte 0xC3"), std::string::npos);
}

} // namespace
