//===- EmbeddedHeaders.cpp - The registry over the generated blob table ----------===//
#include "attnc/Runtime/EmbeddedHeaders.h"

#include <cstddef>

namespace attnc::runtime::detail {
struct EmbeddedBlob {
  const char *name;
  const char *data;
  std::size_t size;
};
extern const EmbeddedBlob kEmbeddedBlobs[];
extern const std::size_t kNumEmbeddedBlobs;
} // namespace attnc::runtime::detail

namespace attnc::runtime {

const std::map<std::string, std::string_view> &embeddedHeaders() {
  static const std::map<std::string, std::string_view> registry = [] {
    std::map<std::string, std::string_view> files;
    for (std::size_t i = 0; i < detail::kNumEmbeddedBlobs; ++i)
      files.emplace(
          detail::kEmbeddedBlobs[i].name,
          std::string_view(detail::kEmbeddedBlobs[i].data, detail::kEmbeddedBlobs[i].size));
    return files;
  }();
  return registry;
}

} // namespace attnc::runtime
