//===- DiagnosticsTest.cpp - Rendering of located diagnostics --------------===//
//
// The text `DiagnosticEngine::print` produces: location prefix, source line, caret run,
// notes, tabs, CRLF line ends, carets past the end of a line, control bytes, long lines,
// diagnostics without a location, and the error cap.
//
//===----------------------------------------------------------------------===//
#include "attnc/DSL/Diagnostics.h"

#include <gtest/gtest.h>

#include <sstream>

using namespace attnc::dsl;

namespace {

std::string render(const SourceBuffer &buffer, const DiagnosticEngine &diags) {
  std::ostringstream os;
  diags.print(os);
  return os.str();
}

TEST(Diagnostics, SourceBufferLines) {
  SourceBuffer b("f.attn", "one\r\ntwo\n\nfour");
  EXPECT_EQ(b.line(1), "one");
  EXPECT_EQ(b.line(2), "two");
  EXPECT_EQ(b.line(3), "");
  EXPECT_EQ(b.line(4), "four");
  EXPECT_EQ(b.line(0), "");
  EXPECT_EQ(b.line(5), "");
}

TEST(Diagnostics, ErrorWithCaretRunAndNote) {
  SourceBuffer b("f.attn", "  mask = foo < i\n  param foo: i32\n");
  DiagnosticEngine d(b);
  d.error({1, 10, 3}, "unknown name 'foo'");
  d.note({2, 9, 3}, "did you mean this?");
  EXPECT_EQ(render(b, d), "f.attn:1:10: error: unknown name 'foo'\n"
                          "  mask = foo < i\n"
                          "         ^~~\n"
                          "f.attn:2:9: note: did you mean this?\n"
                          "  param foo: i32\n"
                          "        ^~~\n");
  EXPECT_EQ(d.errorCount(), 1u);
}

TEST(Diagnostics, TabsKeepTheCaretAligned) {
  SourceBuffer b("f.attn", "\tmask = x\n");
  DiagnosticEngine d(b);
  d.error({1, 9, 1}, "e");
  EXPECT_EQ(render(b, d), "f.attn:1:9: error: e\n\tmask = x\n\t       ^\n");
}

TEST(Diagnostics, CaretIsClampedToTheLine) {
  SourceBuffer b("f.attn", "abc\n");
  DiagnosticEngine d(b);
  d.error({1, 2, 500}, "long");
  d.error({1, 40, 1}, "past the end");
  d.error({9, 1, 1}, "past the last line");
  EXPECT_EQ(render(b, d), "f.attn:1:2: error: long\nabc\n ^~\n"
                          "f.attn:1:40: error: past the end\nabc\n   ^\n"
                          "f.attn:9:1: error: past the last line\n\n^\n");
}

TEST(Diagnostics, ControlBytesAreBlanked) {
  SourceBuffer b("f.attn", std::string("a\0b\x01"
                                       "c",
                                       5));
  DiagnosticEngine d(b);
  d.error({1, 2, 1}, "nul");
  EXPECT_EQ(render(b, d), "f.attn:1:2: error: nul\na b c\n ^\n");
}

TEST(Diagnostics, LongLinesShowAWindow) {
  std::string line(5000, 'x');
  SourceBuffer b("f.attn", line);
  DiagnosticEngine d(b);
  d.error({1, 3000, 1}, "here");
  std::string out = render(b, d);
  EXPECT_LT(out.size(), 500u);
  std::istringstream in(out);
  std::string header, source, caret;
  std::getline(in, header);
  std::getline(in, source);
  std::getline(in, caret);
  EXPECT_EQ(source.substr(0, 3), "...");
  EXPECT_EQ(caret.find('^'), 103u); // "..." plus 100 bytes of context
}

TEST(Diagnostics, UnlocatedDiagnostic) {
  SourceBuffer b("f.attn", "");
  DiagnosticEngine d(b);
  d.error({}, "no location");
  EXPECT_EQ(render(b, d), "f.attn: error: no location\n");
}

TEST(Diagnostics, CapAtTwentyErrorsDropsTheirNotes) {
  SourceBuffer b("f.attn", "x\n");
  DiagnosticEngine d(b);
  for (int i = 0; i < 50; ++i) {
    d.error({1, 1, 1}, "e" + std::to_string(i));
    d.note({1, 1, 1}, "n" + std::to_string(i));
  }
  EXPECT_EQ(d.errorCount(), DiagnosticEngine::kMaxErrors);
  EXPECT_TRUE(d.reachedErrorLimit());
  // 20 error+note pairs, then one line for everything dropped.
  const auto &all = d.diagnostics();
  ASSERT_EQ(all.size(), 2u * 20 + 1);
  EXPECT_EQ(all[all.size() - 3].message, "e19");
  EXPECT_EQ(all[all.size() - 2].message, "n19");
  EXPECT_EQ(all.back().message, "too many errors emitted, stopping now");
  EXPECT_EQ(all.back().severity, Severity::Error);
}

} // namespace
