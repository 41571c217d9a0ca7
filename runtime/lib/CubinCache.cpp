//===- CubinCache.cpp - Atomic, locked, checksummed cubin files ------------------===//
//
// Entry layout (little-endian): "ATTNCCB1" | u64 payload size | 64 hex chars of the key |
// 32-byte SHA-256 of the payload | payload. Lock files (<key>.lock) are left in place:
// unlinking a lock file others may hold open would let two processes "hold" it at once.
//
//===----------------------------------------------------------------------===//
#include "attnc/Runtime/CubinCache.h"

#include "attnc/Runtime/EmbeddedHeaders.h"
#include "attnc/Runtime/Sha256.h"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace attnc::runtime {

namespace {

constexpr char kMagic[8] = {'A', 'T', 'T', 'N', 'C', 'C', 'B', '1'};
constexpr size_t kKeyChars = 64;
constexpr size_t kHeaderBytes = sizeof(kMagic) + 8 + kKeyChars + 32;
constexpr uint64_t kMaxEntryBytes = uint64_t(1) << 30; // a sanity bound, not a quota

/// mkdir -p.
Status makeDirectories(const std::string &path) {
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/')
      continue;
    std::string prefix = path.substr(0, pos);
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST)
      return systemError(errno, "cannot create cache directory " + prefix);
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return makeError(ErrorCode::IoError, "cache path " + path + " is not a directory");
  return Status::success();
}

bool readAll(int fd, std::vector<char> &out) {
  struct stat st;
  if (::fstat(fd, &st) != 0)
    return false;
  out.resize(size_t(st.st_size));
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += size_t(n);
  }
  return true;
}

bool writeAll(int fd, const char *data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    data += n;
    size -= size_t(n);
  }
  return true;
}

/// Holds an exclusive flock on a key's lock file until destroyed.
class KeyLock {
public:
  KeyLock(const std::string &path, double timeoutSeconds) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0)
      return;
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::duration<double>(timeoutSeconds);
    while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      if ((errno != EWOULDBLOCK && errno != EINTR) ||
          std::chrono::steady_clock::now() >= deadline) {
        ::close(fd_);
        fd_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  ~KeyLock() {
    if (fd_ >= 0) {
      ::flock(fd_, LOCK_UN);
      ::close(fd_);
    }
  }
  KeyLock(const KeyLock &) = delete;
  KeyLock &operator=(const KeyLock &) = delete;

private:
  int fd_ = -1;
};

void putU64(std::string &out, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    out += char(uint8_t(v >> (8 * i)));
}

uint64_t getU64(const char *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v |= uint64_t(uint8_t(p[i])) << (8 * i);
  return v;
}

} // namespace

std::string computeCacheKey(const CacheKeyInputs &inputs) {
  Sha256 h;
  h.updateField("attnc-cubin-cache-v1");
  h.updateField(inputs.source);
  h.updateField(inputs.arch);
  h.updateField(inputs.nvrtcVersion);
  h.updateField(std::to_string(inputs.options.size()));
  for (const std::string &opt : inputs.options)
    h.updateField(opt);
  h.updateField(std::to_string(inputs.headers.size()));
  for (const auto &[name, content] : inputs.headers) {
    h.updateField(name);
    h.updateField(content);
  }
  return Sha256::toHex(h.finish());
}

Expected<CacheKeyInputs> cacheKeyInputsFor(const NvrtcRequest &request) {
  Expected<std::vector<std::string>> fixed = Nvrtc::fixedOptions(request.arch);
  if (!fixed)
    return fixed.takeError();
  CacheKeyInputs inputs;
  inputs.source = request.source;
  inputs.arch = request.arch;
  inputs.nvrtcVersion = Nvrtc::versionString();
  inputs.options = fixed.takeValue();
  inputs.options.insert(inputs.options.end(), request.options.begin(), request.options.end());
  for (const auto &[name, content] : embeddedHeaders())
    inputs.headers[name] = std::string(content);
  for (const auto &[name, content] : request.extraHeaders)
    inputs.headers[name] = content;
  return inputs;
}

Expected<std::string> CubinCache::defaultDirectory() {
  if (const char *dir = std::getenv("ATTNC_CACHE_DIR"); dir && *dir)
    return std::string(dir);
  if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::string(xdg) + "/attnc";
  if (const char *home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.cache/attnc";
  return makeError(ErrorCode::IoError, "no cache directory: set ATTNC_CACHE_DIR "
                                       "(neither XDG_CACHE_HOME nor HOME is set)");
}

Expected<std::unique_ptr<CubinCache>> CubinCache::open(const std::string &directory,
                                                       double lockTimeoutSeconds) {
  std::string dir = directory;
  if (dir.empty()) {
    Expected<std::string> def = defaultDirectory();
    if (!def)
      return def.takeError();
    dir = *def;
  }
  while (dir.size() > 1 && dir.back() == '/')
    dir.pop_back();
  if (Status st = makeDirectories(dir); !st)
    return st.takeError();
  return std::unique_ptr<CubinCache>(new CubinCache(dir, lockTimeoutSeconds));
}

std::string CubinCache::entryPath(const std::string &key) const {
  return directory_ + "/" + key + ".cubin";
}

std::optional<std::vector<char>> CubinCache::readEntry(const std::string &key) {
  int fd = ::open(entryPath(key).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return std::nullopt;
  std::vector<char> bytes;
  bool read = readAll(fd, bytes);
  ::close(fd);
  bool valid = read && bytes.size() >= kHeaderBytes &&
               std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) == 0;
  uint64_t size = valid ? getU64(bytes.data() + sizeof(kMagic)) : 0;
  valid = valid && size <= kMaxEntryBytes && bytes.size() == kHeaderBytes + size &&
          key.size() == kKeyChars && std::memcmp(bytes.data() + 16, key.data(), kKeyChars) == 0;
  if (valid) {
    Sha256 h;
    h.update(bytes.data() + kHeaderBytes, size);
    Sha256::Digest digest = h.finish();
    valid = std::memcmp(bytes.data() + 16 + kKeyChars, digest.data(), digest.size()) == 0;
  }
  if (!valid) {
    ++corrupt_;
    return std::nullopt;
  }
  return std::vector<char>(bytes.begin() + kHeaderBytes, bytes.end());
}

std::optional<std::vector<char>> CubinCache::lookup(const std::string &key) {
  std::optional<std::vector<char>> entry = readEntry(key);
  ++(entry ? hits_ : misses_);
  return entry;
}

Status CubinCache::store(const std::string &key, const std::vector<char> &cubin) {
  if (key.size() != kKeyChars)
    return makeError(ErrorCode::Internal, "cache key must be 64 hex digits, got '" + key + "'");
  std::string header(kMagic, sizeof(kMagic));
  putU64(header, cubin.size());
  header += key;
  Sha256 h;
  h.update(cubin.data(), cubin.size());
  Sha256::Digest digest = h.finish();
  header.append(reinterpret_cast<const char *>(digest.data()), digest.size());

  std::string temp = directory_ + "/." + key + ".tmp." + std::to_string(::getpid()) + "." +
                     std::to_string(tempCounter_++);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    return systemError(errno, "cannot create cache file " + temp);
  bool ok = writeAll(fd, header.data(), header.size()) &&
            writeAll(fd, cubin.data(), cubin.size()) && ::fsync(fd) == 0;
  int err = errno;
  ok = (::close(fd) == 0) && ok;
  if (!ok || ::rename(temp.c_str(), entryPath(key).c_str()) != 0) {
    err = ok ? errno : err;
    ::unlink(temp.c_str());
    return systemError(err, "cannot write cache entry " + entryPath(key));
  }
  return Status::success();
}

Expected<std::vector<char>> CubinCache::getOrCompile(const std::string &key,
                                                     const CompileFn &compile) {
  if (auto hit = readEntry(key)) {
    ++hits_;
    return std::move(*hit);
  }
  KeyLock lock(directory_ + "/" + key + ".lock", lockTimeoutSeconds_);
  // Another process may have compiled it while we waited for the lock.
  if (auto hit = readEntry(key)) {
    ++hits_;
    return std::move(*hit);
  }
  ++misses_;
  ++compiles_;
  Expected<std::vector<char>> cubin = compile();
  if (!cubin)
    return cubin;
  // A cache that cannot be written must not fail the compile: the cubin is still good.
  (void)store(key, *cubin);
  return cubin;
}

Expected<std::vector<char>> CubinCache::compile(const NvrtcRequest &request) {
  Expected<CacheKeyInputs> inputs = cacheKeyInputsFor(request);
  if (!inputs)
    return inputs.takeError();
  return getOrCompile(computeCacheKey(*inputs), [&]() -> Expected<std::vector<char>> {
    NvrtcRequest cubinOnly = request;
    cubinOnly.wantPtx = false;
    Expected<NvrtcOutput> out = Nvrtc::compile(cubinOnly);
    if (!out)
      return out.takeError();
    return std::move(out->cubin);
  });
}

CacheStats CubinCache::stats() const {
  CacheStats s;
  s.hits = hits_;
  s.misses = misses_;
  s.compiles = compiles_;
  s.corrupt = corrupt_;
  return s;
}

} // namespace attnc::runtime
