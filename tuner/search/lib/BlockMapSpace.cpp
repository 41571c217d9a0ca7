//===- BlockMapSpace.cpp - Granularity of a data-dependent mask's block map -===//
//
// A data-dependent mask (document ids, explicit block-sparse layouts) is summarised
// before the attention kernel runs by a block map: one entry per gm query rows by gn key
// rows saying whether that block is empty, partial or full. The attention kernel reads
// one entry per tile, so each granule must cover whole prefill tiles; finer granules skip
// more work but cost a larger map and more work to build it.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/Spaces.h"

#include <string>

namespace attnc::tuner {

SearchSpace blockMapSpace(int blockM, int blockN) {
  SearchSpace space("blockmap");
  space.addDimension("gm", {16, 32, 64, 128, 256, 512})
      .addDimension("gn", {16, 32, 64, 128, 256, 512});
  space.addConstraint(
      [blockM, blockN](const Candidate &c, const DeviceLimits &) -> std::optional<std::string> {
        if (c.get("gm") % blockM != 0)
          return "gm " + std::to_string(c.get("gm")) + " is not whole query tiles of " +
                 std::to_string(blockM);
        if (c.get("gn") % blockN != 0)
          return "gn " + std::to_string(c.get("gn")) + " is not whole key tiles of " +
                 std::to_string(blockN);
        return std::nullopt;
      });
  return space;
}

} // namespace attnc::tuner
