//===- Diagnostics.h - Located error reporting for the DSL --------*- C++ -*-===//
//
// Collects errors and notes raised while lexing, parsing and checking a `.attn` file and
// renders them the way compilers do: `file:line:col: error: message`, then the source
// line and a caret run under the offending text. The front end never throws or aborts on
// bad input; it reports here and returns failure.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DSL_DIAGNOSTICS_H
#define ATTNC_DSL_DIAGNOSTICS_H

#include "attnc/DSL/AST.h"

#include <ostream>
#include <string>
#include <vector>

namespace attnc::dsl {

/// The text of one source file with a line index for rendering carets.
class SourceBuffer {
public:
  SourceBuffer(std::string path, std::string text);
  const std::string &path() const { return path_; }
  const std::string &text() const { return text_; }
  /// The line (1-based) without its newline; empty if out of range.
  std::string line(uint32_t lineNo) const;

private:
  std::string path_;
  std::string text_;
  std::vector<size_t> lineStarts_;
};

enum class Severity { Error, Note };

struct Diagnostic {
  Severity severity;
  SourceLoc loc;
  std::string message;
};

class DiagnosticEngine {
public:
  /// After this many errors further ones (and their notes) are dropped; the first dropped
  /// one adds an unlocated "too many errors emitted, stopping now".
  static constexpr unsigned kMaxErrors = 20;

  explicit DiagnosticEngine(const SourceBuffer &buffer) : buffer_(buffer) {}
  void error(SourceLoc loc, std::string message);
  void note(SourceLoc loc, std::string message);
  bool hasErrors() const { return errorCount_ > 0; }
  unsigned errorCount() const { return errorCount_; }
  /// True once kMaxErrors errors were reported; callers may stop early.
  bool reachedErrorLimit() const { return errorCount_ >= kMaxErrors; }
  const std::vector<Diagnostic> &diagnostics() const { return diags_; }
  /// Renders every diagnostic with its source line and caret.
  void print(std::ostream &os) const;
  const SourceBuffer &buffer() const { return buffer_; }

private:
  const SourceBuffer &buffer_;
  std::vector<Diagnostic> diags_;
  unsigned errorCount_ = 0;
  bool dropping_ = false; ///< errors are being dropped, and so are their notes
};

} // namespace attnc::dsl

#endif // ATTNC_DSL_DIAGNOSTICS_H
