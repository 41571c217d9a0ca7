//===- Sha256Test.cpp - FIPS 180-4 test vectors ----------------------------------===//
#include "attnc/Runtime/Sha256.h"

#include <gtest/gtest.h>

using attnc::runtime::Sha256;

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(Sha256::toHex(Sha256::hash("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256::toHex(Sha256::hash("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256::toHex(Sha256::hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, IncrementalMatchesOneShotAcrossBlockBoundaries) {
  std::string text(1000000, 'a');
  Sha256 h;
  for (size_t pos = 0; pos < text.size(); pos += 997)
    h.update(std::string_view(text).substr(pos, 997));
  EXPECT_EQ(Sha256::toHex(h.finish()),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, FieldsAreLengthPrefixed) {
  Sha256 a, b;
  a.updateField("ab");
  a.updateField("c");
  b.updateField("a");
  b.updateField("bc");
  EXPECT_NE(a.finish(), b.finish());
}
