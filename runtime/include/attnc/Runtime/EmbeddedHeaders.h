//===- EmbeddedHeaders.h - templates/ compiled into the binary ----------*- C++ -*-===//
//
// Every header under templates/ is embedded at build time (runtime/cmake/EmbedFiles.cmake)
// and handed to NVRTC as an in-memory header, so a deployed binary never reads kernel
// templates from the file system and a cubin's cache key can hash exactly what NVRTC saw.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_EMBEDDEDHEADERS_H
#define ATTNC_RUNTIME_EMBEDDEDHEADERS_H

#include <map>
#include <string>
#include <string_view>

namespace attnc::runtime {

/// Include path ("attnc/KernelParams.h") -> file content, for every embedded template.
const std::map<std::string, std::string_view> &embeddedHeaders();

} // namespace attnc::runtime

#endif // ATTNC_RUNTIME_EMBEDDEDHEADERS_H
