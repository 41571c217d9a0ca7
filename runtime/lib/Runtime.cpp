//===- Runtime.cpp - Device selection, primary context, compile-and-load ---------===//
#include "attnc/Runtime/Runtime.h"

namespace attnc::runtime {

DeviceBuffer &DeviceBuffer::operator=(DeviceBuffer &&other) noexcept {
  if (this != &other) {
    if (ptr_)
      driver_->cuMemFree(ptr_);
    driver_ = other.driver_;
    ptr_ = other.ptr_;
    size_ = other.size_;
    other.ptr_ = 0;
    other.size_ = 0;
  }
  return *this;
}

DeviceBuffer::~DeviceBuffer() {
  if (ptr_)
    driver_->cuMemFree(ptr_);
}

Status DeviceBuffer::upload(const void *host, size_t bytes) {
  if (bytes > size_)
    return makeError(ErrorCode::InvalidArgument, "upload of " + std::to_string(bytes) +
                                                     " bytes into a buffer of " +
                                                     std::to_string(size_));
  return driver_->check(driver_->cuMemcpyHtoD(ptr_, host, bytes), "cuMemcpyHtoD");
}

Status DeviceBuffer::download(void *host, size_t bytes) const {
  if (bytes > size_)
    return makeError(ErrorCode::InvalidArgument, "download of " + std::to_string(bytes) +
                                                     " bytes from a buffer of " +
                                                     std::to_string(size_));
  return driver_->check(driver_->cuMemcpyDtoH(host, ptr_, bytes), "cuMemcpyDtoH");
}

Status DeviceBuffer::fill(uint8_t value) {
  return driver_->check(driver_->cuMemsetD8(ptr_, value, size_), "cuMemsetD8");
}

Expected<std::unique_ptr<Runtime>> Runtime::create(int deviceOrdinal, const std::string &cacheDir) {
  Expected<const CudaDriver *> driver = CudaDriver::get();
  if (!driver)
    return driver.takeError();
  std::unique_ptr<Runtime> rt(new Runtime());
  rt->driver_ = *driver;
  const CudaDriver &d = **driver;
  Expected<DeviceInfo> info = queryDevice(d, deviceOrdinal);
  if (!info)
    return info.takeError();
  rt->device_ = info.takeValue();
  if (Status st = d.check(d.cuDeviceGet(&rt->deviceHandle_, deviceOrdinal), "cuDeviceGet"); !st)
    return st.takeError();
  if (Status st = d.check(d.cuDevicePrimaryCtxRetain(&rt->context_, rt->deviceHandle_),
                          "cuDevicePrimaryCtxRetain");
      !st)
    return st.takeError();
  if (Status st = rt->makeCurrent(); !st)
    return st.takeError();
  Expected<std::unique_ptr<CubinCache>> cache = CubinCache::open(cacheDir);
  if (!cache)
    return cache.takeError();
  rt->cache_ = cache.takeValue();
  return rt;
}

Runtime::~Runtime() {
  if (context_)
    driver_->cuDevicePrimaryCtxRelease(deviceHandle_);
}

Status Runtime::makeCurrent() const {
  return driver_->check(driver_->cuCtxSetCurrent(context_), "cuCtxSetCurrent");
}

Expected<std::unique_ptr<Kernel>> Runtime::compile(const std::string &source,
                                                   const KernelSpec &spec,
                                                   const std::vector<std::string> &options) {
  if (Status st = spec.verify(); !st)
    return st.takeError();
  NvrtcRequest request;
  request.source = source;
  request.programName = spec.entryName + ".cu";
  request.arch = device_.arch();
  request.options = options;
  Expected<std::vector<char>> cubin = cache_->compile(request);
  if (!cubin)
    return cubin.takeError();
  return load(*cubin, spec);
}

Expected<std::unique_ptr<Kernel>> Runtime::load(const std::vector<char> &cubin,
                                                const KernelSpec &spec) {
  return Kernel::load(*driver_, context_, device_, cubin, spec);
}

Expected<DeviceBuffer> Runtime::allocate(size_t bytes) {
  if (Status st = makeCurrent(); !st)
    return st.takeError();
  DeviceBuffer buffer;
  buffer.driver_ = driver_;
  if (Status st =
          driver_->check(driver_->cuMemAlloc(&buffer.ptr_, bytes ? bytes : 1), "cuMemAlloc");
      !st)
    return st.takeError();
  buffer.size_ = bytes;
  return buffer;
}

Status Runtime::synchronize() const {
  if (Status st = makeCurrent(); !st)
    return st;
  return driver_->check(driver_->cuCtxSynchronize(), "cuCtxSynchronize");
}

} // namespace attnc::runtime
