//===- Diagnostics.cpp - Collect and render located DSL diagnostics -------===//
//
// Stores errors and notes in the order they were raised and renders them like a C
// compiler: `file:line:col: error: message`, the source line, and a caret run (`^~~~`)
// under the offending text. Rendering must survive anything a fuzzer can put in a file:
// control bytes and NULs are shown as spaces, very long lines are cut to a window around
// the caret, and locations past the end of a line are clamped.
//
//===----------------------------------------------------------------------===//
#include "attnc/DSL/Diagnostics.h"

#include <algorithm>

namespace attnc::dsl {

namespace {
/// Longest stretch of a source line shown before and after the caret.
constexpr size_t kContextBefore = 100;
constexpr size_t kContextAfter = 100;
} // namespace

SourceBuffer::SourceBuffer(std::string path, std::string text)
    : path_(std::move(path)), text_(std::move(text)) {
  lineStarts_.push_back(0);
  for (size_t i = 0; i < text_.size(); ++i)
    if (text_[i] == '\n')
      lineStarts_.push_back(i + 1);
}

std::string SourceBuffer::line(uint32_t lineNo) const {
  if (lineNo == 0 || lineNo > lineStarts_.size())
    return {};
  size_t begin = lineStarts_[lineNo - 1];
  size_t end = lineNo < lineStarts_.size() ? lineStarts_[lineNo] - 1 : text_.size();
  if (end > begin && text_[end - 1] == '\r')
    --end;
  return text_.substr(begin, end - begin);
}

void DiagnosticEngine::error(SourceLoc loc, std::string message) {
  if (errorCount_ >= kMaxErrors) {
    // The first dropped error leaves one unlocated line saying so.
    if (!dropping_)
      diags_.push_back(
          {Severity::Error, SourceLoc{0, 0, 0}, "too many errors emitted, stopping now"});
    dropping_ = true;
    return;
  }
  diags_.push_back({Severity::Error, loc, std::move(message)});
  ++errorCount_;
}

void DiagnosticEngine::note(SourceLoc loc, std::string message) {
  if (dropping_)
    return;
  diags_.push_back({Severity::Note, loc, std::move(message)});
}

/// Prints `text` with control bytes replaced so the caret line stays aligned.
static void printSourceLine(std::ostream &os, const std::string &text) {
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    os << ((u < 0x20 && c != '\t') || u == 0x7f ? ' ' : c);
  }
  os << '\n';
}

static void printLocated(std::ostream &os, const SourceBuffer &buffer, const Diagnostic &d) {
  std::string line = buffer.line(d.loc.line);
  size_t col = std::min<size_t>(d.loc.col == 0 ? 0 : d.loc.col - 1, line.size());
  size_t len = std::max<size_t>(1, d.loc.length);
  len = std::min(len, std::max<size_t>(1, line.size() - col));

  // Cut very long lines to a window around the caret.
  size_t begin = col > kContextBefore ? col - kContextBefore : 0;
  size_t end = std::min(line.size(), col + std::max(len, kContextAfter));
  std::string prefix = begin > 0 ? "..." : "";
  std::string shown = prefix + line.substr(begin, end - begin);
  printSourceLine(os, shown);

  std::string caret(prefix.size(), ' ');
  for (size_t i = begin; i < col; ++i)
    caret += line[i] == '\t' ? '\t' : ' ';
  caret += '^';
  caret.append(std::min(len, end - col + 1) - 1, '~');
  os << caret << '\n';
}

void DiagnosticEngine::print(std::ostream &os) const {
  for (const Diagnostic &d : diags_) {
    os << buffer_.path();
    if (d.loc.isValid())
      os << ':' << d.loc.line << ':' << d.loc.col;
    os << (d.severity == Severity::Error ? ": error: " : ": note: ") << d.message << '\n';
    if (d.loc.isValid())
      printLocated(os, buffer_, d);
  }
}

} // namespace attnc::dsl
