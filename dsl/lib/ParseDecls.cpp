//===- ParseDecls.cpp - Kernels and statements of .attn files -------------===//
//
// The statement half of the recursive-descent parser: the file is a list of kernels, a
// kernel a list of statements (dtype, q/k/v/o shapes, param, input, score, mask, state,
// out). After an error the parser skips to the next statement boundary (newline, `;` or
// the kernel's `}`) so one run reports several independent mistakes. Statements that may
// appear only once (dtype, q/k/v/o, score, mask, out) are checked here because the AST
// has room for only one of each.
//
//===----------------------------------------------------------------------===//
#include "Parser.h"

#include "attnc/DSL/Frontend.h"

namespace attnc::dsl {

std::string describeToken(const Token &t) {
  switch (t.kind) {
  case TokenKind::Eof:
  case TokenKind::Newline:
    return describe(t.kind);
  case TokenKind::Ident:
  case TokenKind::Int:
  case TokenKind::Float:
    return "'" + (t.text.size() > 40 ? t.text.substr(0, 40) + "..." : t.text) + "'";
  default:
    return describe(t.kind);
  }
}

//===----------------------------------------------------------------------===//
// File and kernel structure
//===----------------------------------------------------------------------===//

Program Parser::parseFile(const std::string &path) {
  Program program;
  program.path = path;
  skipNewlines();
  if (cur().is(TokenKind::Eof) && !diags_.hasErrors())
    diags_.error(SourceLoc{1, 1, 1}, "expected at least one 'kernel' in the file");
  while (!cur().is(TokenKind::Eof) && !diags_.reachedErrorLimit()) {
    if (cur().isIdent("kernel")) {
      parseKernel(program);
    } else {
      errorExpected("'kernel'", "");
      while (!cur().is(TokenKind::Eof) && !cur().isIdent("kernel"))
        consume();
    }
    skipNewlines();
  }
  // Stopping early at the error cap: say so (the engine drops this and notes the cap).
  if (diags_.reachedErrorLimit() && !cur().is(TokenKind::Eof))
    diags_.error(cur().loc, "parsing stopped");
  return program;
}

void Parser::parseKernel(Program &program) {
  consume(); // 'kernel'
  Kernel k;
  k.loc = cur().loc;
  if (cur().is(TokenKind::Ident)) {
    k.name = cur().text;
    consume();
  } else {
    errorExpected("a kernel name", " after 'kernel'");
    if (!cur().is(TokenKind::LBrace)) {
      while (!cur().is(TokenKind::Eof) && !cur().isIdent("kernel"))
        consume();
      return;
    }
  }
  skipNewlines();
  SourceLoc openLoc = cur().loc;
  if (!expect(TokenKind::LBrace, " after the kernel name")) {
    while (!cur().is(TokenKind::Eof) && !cur().isIdent("kernel"))
      consume();
    return;
  }
  for (;;) {
    while (cur().is(TokenKind::Newline) || cur().is(TokenKind::Semicolon))
      consume();
    if (diags_.reachedErrorLimit())
      break;
    if (cur().is(TokenKind::RBrace)) {
      consume();
      break;
    }
    bool nextKernel = cur().isIdent("kernel") && next().is(TokenKind::Ident);
    if (cur().is(TokenKind::Eof) || nextKernel) {
      diags_.error(cur().loc, "expected '}' to end kernel '" + k.name + "'");
      diags_.note(openLoc, "the kernel body starts here");
      break;
    }
    size_t statementStart = idx_;
    if (!parseStatement(k)) {
      skipStatement(statementStart);
      continue;
    }
    const Token &t = cur();
    if (!(t.is(TokenKind::Newline) || t.is(TokenKind::Semicolon) || t.is(TokenKind::RBrace) ||
          t.is(TokenKind::Eof))) {
      errorExpected("end of statement", "");
      skipStatement(statementStart);
    }
  }
  program.kernels.push_back(std::move(k));
}

/// Skips the rest of a broken statement. An error at the first token of a later line
/// (say, after an unclosed parenthesis) most likely starts the next statement, so
/// parsing resumes there, provided the broken statement consumed something.
void Parser::skipStatement(size_t statementStart) {
  groupDepth_ = 0;
  nesting_ = 0;
  if (idx_ > statementStart && tokens_[idx_ - 1].is(TokenKind::Newline))
    return;
  unsigned braces = 0;
  for (;;) {
    const Token &t = cur();
    if (t.is(TokenKind::Eof))
      return;
    if (braces == 0 && (t.is(TokenKind::Newline) || t.is(TokenKind::Semicolon))) {
      consume();
      return;
    }
    if (t.is(TokenKind::RBrace)) {
      if (braces == 0)
        return;
      --braces;
    } else if (t.is(TokenKind::LBrace)) {
      ++braces;
    }
    consume();
  }
}

bool Parser::duplicate(bool present, SourceLoc first, const std::string &what) {
  if (!present)
    return false;
  diags_.error(cur().loc, "duplicate " + what);
  diags_.note(first, "previous " + what + " is here");
  return true;
}

bool Parser::parseStatement(Kernel &k) {
  const Token &t = cur();
  if (!t.is(TokenKind::Ident)) {
    errorExpected("a statement", "");
    return false;
  }
  const std::string &w = t.text;
  if (w == "dtype") {
    if (duplicate(k.dtype.has_value(), k.dtypeLoc, "'dtype' statement"))
      return false;
    k.dtypeLoc = cur().loc;
    consume();
    if (!cur().is(TokenKind::Ident)) {
      errorExpected("a dtype (bf16 or f16)", " after 'dtype'");
      return false;
    }
    if (cur().text != "bf16" && cur().text != "f16") {
      diags_.error(cur().loc, "unsupported dtype '" + cur().text + "' (expected bf16 or f16)");
      return false;
    }
    k.dtype = cur().text == "bf16" ? ElementType::BF16 : ElementType::F16;
    k.dtypeLoc = spanFrom(k.dtypeLoc);
    consume();
    return true;
  }
  if ((w == "q" || w == "k" || w == "v" || w == "o") && next().is(TokenKind::LBracket))
    return parseTensor(k);
  if (w == "param")
    return parseParam(k);
  if (w == "input")
    return parseInput(k);
  if (w == "score")
    return parseSingleExpr(k.score, k.scoreLoc, "score");
  if (w == "mask")
    return parseSingleExpr(k.mask, k.maskLoc, "mask");
  if (w == "state")
    return parseState(k);
  if (w == "out")
    return parseOut(k);
  if (w == "q" || w == "k" || w == "v" || w == "o") {
    consume();
    errorExpected("'['", " after '" + w + "'");
    return false;
  }
  diags_.error(t.loc, "unknown statement '" + w +
                          "' (expected dtype, q, k, v, o, param, input, score, mask, state "
                          "or out)");
  return false;
}

bool Parser::parseTensor(Kernel &k) {
  TensorDecl decl;
  decl.name = cur().text;
  decl.loc = cur().loc;
  std::optional<TensorDecl> &slot = decl.name == "q"   ? k.q
                                    : decl.name == "k" ? k.k
                                    : decl.name == "v" ? k.v
                                                       : k.o;
  if (slot) {
    diags_.error(decl.loc, "duplicate declaration of '" + decl.name + "'");
    diags_.note(slot->loc, "'" + decl.name + "' was first declared here");
    return false;
  }
  consume();
  consume(); // '['
  if (!parseDims(decl.dims, "'" + decl.name + "'"))
    return false;
  slot = std::move(decl);
  return true;
}

bool Parser::parseDims(std::vector<Dim> &dims, const std::string &owner) {
  GroupScope group(groupDepth_);
  for (;;) {
    const Token &t = cur();
    Dim d;
    d.loc = t.loc;
    if (t.is(TokenKind::Ident)) {
      d.symbol = t.text;
    } else if (t.is(TokenKind::Int)) {
      d.value = t.intValue;
      if (t.intValue <= 0) {
        diags_.error(t.loc, "dimension of " + owner + " must be positive");
        return false;
      }
    } else {
      errorExpected("a dimension (a name or a positive integer)", " in the shape of " + owner);
      return false;
    }
    consume();
    dims.push_back(std::move(d));
    if (cur().is(TokenKind::Comma)) {
      consume();
      continue;
    }
    return expect(TokenKind::RBracket, " after the dimensions of " + owner);
  }
}

bool Parser::parseElementType(ElementType &type, bool scalarOnly) {
  const Token &t = cur();
  const char *expected = scalarOnly ? "i32 or f32" : "i32, f32, bf16 or f16";
  if (!t.is(TokenKind::Ident)) {
    errorExpected(std::string("a type (") + expected + ")", "");
    return false;
  }
  if (t.text == "i32")
    type = ElementType::I32;
  else if (t.text == "f32")
    type = ElementType::F32;
  else if (!scalarOnly && t.text == "bf16")
    type = ElementType::BF16;
  else if (!scalarOnly && t.text == "f16")
    type = ElementType::F16;
  else {
    diags_.error(t.loc, std::string(scalarOnly ? "param" : "input") + " type must be " + expected +
                            ", got '" + t.text + "'");
    return false;
  }
  consume();
  return true;
}

bool Parser::parseParam(Kernel &k) {
  consume(); // 'param'
  ParamDecl p;
  p.loc = cur().loc;
  if (!cur().is(TokenKind::Ident)) {
    errorExpected("a parameter name", " after 'param'");
    return false;
  }
  p.name = cur().text;
  consume();
  if (!expect(TokenKind::Colon, " after the parameter name") ||
      !parseElementType(p.type, /*scalarOnly=*/true))
    return false;
  if (cur().is(TokenKind::Assign)) {
    consume();
    SourceLoc start = cur().loc;
    bool negative = false;
    if (cur().is(TokenKind::Minus)) {
      negative = true;
      consume();
    }
    const Token &lit = cur();
    if (lit.is(TokenKind::Int)) {
      p.defaultValue = static_cast<double>(lit.intValue);
      p.defaultIsInteger = true;
    } else if (lit.is(TokenKind::Float)) {
      p.defaultValue = lit.floatValue;
    } else {
      errorExpected("a number", " as the default of param '" + p.name + "'");
      return false;
    }
    consume();
    if (negative)
      p.defaultValue = -*p.defaultValue;
    p.defaultLoc = spanFrom(start);
  }
  k.params.push_back(std::move(p));
  return true;
}

bool Parser::parseInput(Kernel &k) {
  consume(); // 'input'
  InputDecl in;
  in.loc = cur().loc;
  if (!cur().is(TokenKind::Ident)) {
    errorExpected("an input name", " after 'input'");
    return false;
  }
  in.name = cur().text;
  consume();
  if (!expect(TokenKind::Colon, " after the input name") ||
      !parseElementType(in.type, /*scalarOnly=*/false) ||
      !expect(TokenKind::LBracket, " after the type of input '" + in.name + "'") ||
      !parseDims(in.dims, "input '" + in.name + "'"))
    return false;
  k.inputs.push_back(std::move(in));
  return true;
}

bool Parser::parseSingleExpr(ExprPtr &slot, SourceLoc &slotLoc, const char *what) {
  if (duplicate(slot != nullptr, slotLoc, std::string("'") + what + "' statement"))
    return false;
  SourceLoc loc = cur().loc;
  consume();
  if (!expect(TokenKind::Assign, std::string(" after '") + what + "'"))
    return false;
  ExprPtr e = parseExpr();
  if (!e)
    return false;
  slot = std::move(e);
  slotLoc = loc;
  return true;
}

bool Parser::parseState(Kernel &k) {
  consume(); // 'state'
  StateDecl s;
  s.loc = cur().loc;
  if (!cur().is(TokenKind::Ident)) {
    errorExpected("a state name", " after 'state'");
    return false;
  }
  s.name = cur().text;
  consume();
  if (!expect(TokenKind::LBracket, " after the state name") ||
      !parseDims(s.dims, "state '" + s.name + "'") ||
      !expect(TokenKind::Assign, " after the shape of state '" + s.name + "'"))
    return false;
  s.update = parseExpr();
  if (!s.update)
    return false;
  k.states.push_back(std::move(s));
  return true;
}

bool Parser::parseOut(Kernel &k) {
  if (duplicate(k.out.has_value(), k.out ? k.out->loc : SourceLoc{}, "'out' statement"))
    return false;
  consume(); // 'out'
  OutputDecl o;
  o.loc = cur().loc;
  if (!cur().is(TokenKind::Ident)) {
    errorExpected("an output name", " after 'out'");
    return false;
  }
  o.name = cur().text;
  consume();
  if (!expect(TokenKind::LBracket, " after the output name"))
    return false;
  {
    GroupScope group(groupDepth_);
    if (!cur().is(TokenKind::Ident)) {
      errorExpected("the index variable 't'", " in 'out " + o.name + "[...]'");
      return false;
    }
    if (cur().text != "t") {
      diags_.error(cur().loc, "the output index must be 't', got '" + cur().text + "'");
      return false;
    }
    o.indexVar = cur().text;
    consume();
    if (!expect(TokenKind::RBracket, " after the output index"))
      return false;
  }
  if (!expect(TokenKind::Assign, " after 'out " + o.name + "[t]'"))
    return false;
  o.value = parseExpr();
  if (!o.value)
    return false;
  k.out = std::move(o);
  return true;
}

std::optional<Program> parseProgram(const SourceBuffer &buffer, DiagnosticEngine &diags) {
  Program program = Parser(buffer, diags).parseFile(buffer.path());
  if (diags.hasErrors())
    return std::nullopt;
  return program;
}

} // namespace attnc::dsl
