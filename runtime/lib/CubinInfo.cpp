//===- CubinInfo.cpp - Minimal ELF64 walk over a cubin's .nv.info ---------------===//
//
// Layout used (little-endian ELF64): section headers at e_shoff; ".text.<f>" has sh_info =
// (registers << 24) | the function's symbol index; the global ".nv.info" section is a list of
// records {u8 format, u8 attribute, value}, where format 4 (EIFMT_SVAL) carries a u16 size and that
// many bytes ({u32 symbol index, u32 value} for the per-function attributes read here) and
// formats 2/3 (EIFMT_BVAL/HVAL) a u16 value. Every read is bounds-checked: a damaged cubin
// gives an error, never a crash.
//
//===----------------------------------------------------------------------===//
#include "attnc/Runtime/CubinInfo.h"

#include <cstdint>
#include <cstring>

namespace attnc::runtime {

namespace {

constexpr uint8_t kFormatNoValue = 1, kFormatByte = 2, kFormatHalf = 3, kFormatSized = 4;
constexpr uint8_t kAttrFrameSize = 0x11, kAttrMinStackSize = 0x12, kAttrRegCount = 0x2f;

struct Section {
  std::string name;
  uint64_t offset, size;
  uint32_t info;
};

template <typename T> bool readAt(const std::vector<char> &b, uint64_t at, T &out) {
  if (at > b.size() || b.size() - at < sizeof(T))
    return false;
  std::memcpy(&out, b.data() + at, sizeof(T));
  return true;
}

Error bad(const std::string &what) {
  return makeError(ErrorCode::InvalidArgument, "not a readable cubin: " + what);
}

Expected<std::vector<Section>> readSections(const std::vector<char> &b) {
  if (b.size() < 64 ||
      std::memcmp(b.data(),
                  "\x7f"
                  "ELF",
                  4) != 0 ||
      b[4] != 2)
    return bad("no ELF64 header");
  uint64_t shoff = 0;
  uint16_t shentsize = 0, shnum = 0, shstrndx = 0;
  readAt(b, 0x28, shoff);
  readAt(b, 0x3A, shentsize);
  readAt(b, 0x3C, shnum);
  readAt(b, 0x3E, shstrndx);
  if (shentsize < 64 || shstrndx >= shnum)
    return bad("bad section header table");
  std::vector<Section> sections(shnum);
  std::vector<uint32_t> nameOffsets(shnum);
  for (uint16_t i = 0; i < shnum; ++i) {
    uint64_t h = shoff + uint64_t(i) * shentsize;
    Section &s = sections[i];
    if (!readAt(b, h, nameOffsets[i]) || !readAt(b, h + 0x18, s.offset) ||
        !readAt(b, h + 0x20, s.size) || !readAt(b, h + 0x2C, s.info))
      return bad("section header " + std::to_string(i) + " out of bounds");
  }
  const Section &strtab = sections[shstrndx];
  for (uint16_t i = 0; i < shnum; ++i) {
    uint64_t at = strtab.offset + nameOffsets[i];
    if (at >= b.size())
      return bad("section name out of bounds");
    size_t len = strnlen(b.data() + at, b.size() - at);
    sections[i].name.assign(b.data() + at, len);
  }
  return sections;
}

} // namespace

Expected<CubinFunctionInfo> readCubinFunctionInfo(const std::vector<char> &cubin,
                                                  const std::string &function) {
  Expected<std::vector<Section>> sections = readSections(cubin);
  if (!sections)
    return sections.takeError();
  const Section *text = nullptr, *info = nullptr;
  for (const Section &s : *sections) {
    if (s.name == ".text." + function)
      text = &s;
    else if (s.name == ".nv.info")
      info = &s;
  }
  if (!text)
    return makeError(ErrorCode::InvalidArgument, "the cubin has no function '" + function + "'");
  CubinFunctionInfo result;
  result.codeBytes = int(text->size);
  // sh_info of .text.<f>: the symbol index in the low 24 bits; older arches also put the
  // register count in the top 8 (sm_90 leaves them 0 and relies on EIATTR_REGCOUNT).
  const uint32_t symbol = text->info & 0xffffffu;
  result.registers = int(text->info >> 24);
  if (!info)
    return result;
  for (uint64_t at = info->offset, end = info->offset + info->size; at + 2 <= end;) {
    uint8_t format = uint8_t(cubin[at]), attr = uint8_t(cubin[at + 1]);
    at += 2;
    if (format == kFormatNoValue)
      continue;
    uint16_t value = 0;
    if (!readAt(cubin, at, value))
      return bad(".nv.info record out of bounds");
    at += 2;
    if (format == kFormatByte || format == kFormatHalf)
      continue;
    if (format != kFormatSized)
      return bad("unknown .nv.info record format " + std::to_string(format));
    uint32_t sym = 0, v = 0;
    if (value == 8 && readAt(cubin, at, sym) && readAt(cubin, at + 4, v) && sym == symbol) {
      if (attr == kAttrRegCount)
        result.registers = int(v);
      else if (attr == kAttrFrameSize)
        result.frameBytes = int(v);
      else if (attr == kAttrMinStackSize)
        result.minStackBytes = int(v);
    }
    at += value;
  }
  return result;
}

} // namespace attnc::runtime
