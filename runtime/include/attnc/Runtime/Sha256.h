//===- Sha256.h - A self-contained SHA-256 ------------------------------*- C++ -*-===//
//
// Cache keys and cache-entry checksums need a strong hash and attnc links no crypto
// library, so this is FIPS 180-4 SHA-256 in ~100 lines, checked against its test vectors.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_SHA256_H
#define ATTNC_RUNTIME_SHA256_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace attnc::runtime {

/// Incremental SHA-256.
class Sha256 {
public:
  using Digest = std::array<uint8_t, 32>;

  Sha256();
  void update(const void *data, size_t size);
  void update(std::string_view text) { update(text.data(), text.size()); }
  /// Feeds `text` prefixed by its length, so ("ab","c") and ("a","bc") hash differently.
  void updateField(std::string_view text);
  /// Finishes; the object must not be updated afterwards.
  Digest finish();

  static Digest hash(std::string_view text);
  static std::string toHex(const Digest &digest);

private:
  void compress(const uint8_t *block);
  uint32_t state_[8];
  uint8_t buffer_[64];
  size_t buffered_ = 0;
  uint64_t totalBytes_ = 0;
};

} // namespace attnc::runtime

#endif // ATTNC_RUNTIME_SHA256_H
