//===- LayeredDb.cpp - Exact, nearest-bucket, same-arch, default lookup ----===//
//
// Candidates are the winners of the query's shape class in every layer; each is ranked by
// (tier, bucket distance, layer), tier 0 being this device and tier 1 another device of
// the same arch. An exact key is the tier-0 candidate at distance 0, so the user layer's
// exact record beats a shipped one, and any exact record beats any neighbour.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/LayeredDb.h"

#include <cstdio>
#include <sstream>
#include <tuple>

namespace attnc::tuner {

using runtime::Expected;

const char *lookupSourceName(LookupSource source) {
  switch (source) {
  case LookupSource::Exact:
    return "exact";
  case LookupSource::NearestBucket:
    return "nearest-bucket";
  case LookupSource::SameArch:
    return "same-arch";
  case LookupSource::ArchDefault:
    return "arch-default";
  }
  return "arch-default";
}

Expected<std::unique_ptr<LayeredDb>> LayeredDb::open(const std::string &userPath,
                                                     const std::vector<std::string> &shipped) {
  auto db = std::make_unique<LayeredDb>();
  if (!userPath.empty()) {
    Expected<std::unique_ptr<TuningDb>> user = TuningDb::open(userPath);
    if (!user)
      return user.takeError();
    db->user_ = user.takeValue();
  }
  for (const std::string &path : shipped) {
    Expected<std::unique_ptr<TuningDb>> layer =
        TuningDb::open(path, {TuningDb::Mode::ReadOnly, 5000});
    if (!layer)
      return layer.takeError();
    db->shipped_.push_back(layer.takeValue());
  }
  return db;
}

std::vector<const TuningDb *> LayeredDb::layers() const {
  std::vector<const TuningDb *> out;
  if (user_)
    out.push_back(user_.get());
  for (const auto &db : shipped_)
    out.push_back(db.get());
  return out;
}

namespace {

std::string layerName(const TuningDb &db) {
  return (db.readOnly() ? "shipped db " : "user db ") + db.path();
}

std::string sizes(const ProblemKey &k) {
  return "B=" + std::to_string(k.batchBucket) + " N=" + std::to_string(k.seqQBucket) +
         " M=" + std::to_string(k.seqKBucket);
}

std::string describe(const LookupResult &r, const ProblemKey &query, const std::string &device) {
  const TrialRecord &t = *r.record;
  char timing[64], distance[32];
  std::snprintf(timing, sizeof timing, "%.4g ms", t.medianMs);
  std::snprintf(distance, sizeof distance, "%.2f", r.distance);
  std::ostringstream os;
  switch (r.source) {
  case LookupSource::Exact:
    os << "exact match in " << r.dbPath << " (" << t.problem.str() << ")";
    break;
  case LookupSource::NearestBucket:
    os << "nearest bucket " << sizes(t.problem) << " for " << sizes(query) << " (distance "
       << distance << ") in " << r.dbPath;
    break;
  case LookupSource::SameArch:
    os << "same arch " << archOfFingerprint(device) << ", other device '" << t.device
       << "', bucket " << sizes(t.problem) << " for " << sizes(query) << " (distance " << distance
       << ") in " << r.dbPath;
    break;
  case LookupSource::ArchDefault:
    break;
  }
  os << ": config " << t.config << ", median " << timing << " over " << t.samples
     << " samples, tuned " << t.createdAt;
  return os.str();
}

} // namespace

Expected<LookupResult> LayeredDb::lookup(const std::string &device, const std::string &kernel,
                                         const ProblemKey &problem,
                                         const std::string &archDefault) const {
  const std::string arch = archOfFingerprint(device);
  std::optional<std::tuple<int, double, size_t>> bestRank;
  LookupResult best;
  std::vector<const TuningDb *> all = layers();
  for (size_t layer = 0; layer < all.size(); ++layer) {
    Expected<std::vector<TrialRecord>> winners = all[layer]->winnersInShapeClass(kernel, problem);
    if (!winners)
      return winners.takeError();
    for (TrialRecord &t : *winners) {
      int tier = t.device == device                                     ? 0
                 : !arch.empty() && archOfFingerprint(t.device) == arch ? 1
                                                                        : 2;
      if (tier == 2)
        continue;
      auto rank = std::make_tuple(tier, problem.distance(t.problem), layer);
      if (bestRank && !(rank < *bestRank))
        continue;
      bestRank = rank;
      best.distance = std::get<1>(rank);
      best.source = tier == 1              ? LookupSource::SameArch
                    : t.problem == problem ? LookupSource::Exact
                                           : LookupSource::NearestBucket;
      best.config = t.config;
      best.cubinKey = t.cubinKey;
      best.dbPath = layerName(*all[layer]);
      best.record = std::move(t);
    }
  }
  if (!bestRank) {
    best.source = LookupSource::ArchDefault;
    best.config = archDefault;
    best.provenance = "per-arch default for " + (arch.empty() ? std::string("this device") : arch) +
                      ": no tuned record of kernel " + kernel.substr(0, 12) + " for " +
                      problem.shapeClass() + " on this device or arch in " +
                      std::to_string(all.size()) + " database(s)";
    return best;
  }
  best.provenance = describe(best, problem, device);
  return best;
}

} // namespace attnc::tuner
