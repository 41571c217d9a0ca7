//===- CubinCache.h - On-disk cache of compiled cubins ------------------*- C++ -*-===//
//
// NVRTC takes seconds per kernel, so cubins are cached on disk under a key that holds
// everything NVRTC's output depends on (source, arch, NVRTC version, options and the
// content of every header it may include): change any of them and the key changes, so a
// stale cubin is never loaded. The cache is shared by concurrent processes:
//  - an entry is written to a unique temp file in the cache directory, fsync'ed and
//    renamed into place, so a reader sees either nothing or a whole entry;
//  - processes compiling the same key serialise on a per-key lock file (flock), so only one
//    compiles and the others read its result; the wait has a timeout, after which a waiter
//    compiles on its own rather than hang behind a stuck process;
//  - an entry carries a magic, its key, its size and a SHA-256 of its payload; one that fails
//    any check is treated as a miss and overwritten, never trusted.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_CUBINCACHE_H
#define ATTNC_RUNTIME_CUBINCACHE_H

#include "attnc/Runtime/Error.h"
#include "attnc/Runtime/Nvrtc.h"

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnc::runtime {

/// Everything a cubin depends on. Every field goes into the key.
struct CacheKeyInputs {
  std::string source;
  std::string arch;
  std::string nvrtcVersion;
  std::vector<std::string> options;           ///< all of them, fixed ones included, in order
  std::map<std::string, std::string> headers; ///< name -> content, as NVRTC sees them
};

/// The key: 64 hex digits of a SHA-256 over length-prefixed fields.
std::string computeCacheKey(const CacheKeyInputs &inputs);

/// The key inputs of an NVRTC request (embedded headers and fixed options included).
Expected<CacheKeyInputs> cacheKeyInputsFor(const NvrtcRequest &request);

/// Counters for one CubinCache object (this process only).
struct CacheStats {
  uint64_t hits = 0;     ///< lookups answered from disk
  uint64_t misses = 0;   ///< lookups that found no usable entry
  uint64_t compiles = 0; ///< compile callbacks run by getOrCompile
  uint64_t corrupt = 0;  ///< entries rejected by a size/magic/key/checksum check
};

class CubinCache {
public:
  /// $ATTNC_CACHE_DIR, else $XDG_CACHE_HOME/attnc, else $HOME/.cache/attnc.
  static Expected<std::string> defaultDirectory();

  /// Opens (creating it if needed) the cache in `directory` ("" = defaultDirectory()).
  /// `lockTimeoutSeconds` bounds the wait for another process compiling the same key.
  static Expected<std::unique_ptr<CubinCache>> open(const std::string &directory = "",
                                                    double lockTimeoutSeconds = 600);

  const std::string &directory() const { return directory_; }
  /// The path of the entry for `key`.
  std::string entryPath(const std::string &key) const;

  /// The cubin stored under `key`, or nullopt when absent or corrupt.
  std::optional<std::vector<char>> lookup(const std::string &key);
  /// Stores `cubin` under `key` atomically (temp file, fsync, rename).
  Status store(const std::string &key, const std::vector<char> &cubin);

  using CompileFn = std::function<Expected<std::vector<char>>()>;
  /// Returns the cached cubin for `key`, or runs `compile` while holding the key's lock,
  /// stores its result and returns it. At most one process compiles a key at a time.
  Expected<std::vector<char>> getOrCompile(const std::string &key, const CompileFn &compile);

  /// Compiles `request` through the cache (the cubin only; PTX is not cached).
  Expected<std::vector<char>> compile(const NvrtcRequest &request);

  CacheStats stats() const;

private:
  std::optional<std::vector<char>> readEntry(const std::string &key);
  CubinCache(std::string directory, double lockTimeoutSeconds)
      : directory_(std::move(directory)), lockTimeoutSeconds_(lockTimeoutSeconds) {}

  std::string directory_;
  double lockTimeoutSeconds_;
  std::atomic<uint64_t> hits_{0}, misses_{0}, compiles_{0}, corrupt_{0};
  std::atomic<uint64_t> tempCounter_{0};
};

} // namespace attnc::runtime

#endif // ATTNC_RUNTIME_CUBINCACHE_H
