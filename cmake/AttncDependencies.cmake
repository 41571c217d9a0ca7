# Finds MLIR/LLVM 19, fmt, Boost.Program_options, SQLite, GoogleTest and CUDA, and turns
# MLIR's exported targets into fully static ones: each `LLVM` (the 130 MB dylib) entry in
# their INTERFACE_LINK_LIBRARIES becomes LLVMSupport, so a binary needs no LLVM shared
# library on the GPU machine. `attnc_static_binary(target)` adds static libstdc++/libgcc.

set(MLIR_DIR /usr/lib/llvm-19/lib/cmake/mlir CACHE PATH "MLIR CMake package")
find_package(MLIR REQUIRED CONFIG)
find_package(LLVM REQUIRED CONFIG HINTS ${MLIR_DIR}/../llvm)
if(NOT LLVM_VERSION_MAJOR EQUAL 19)
  message(FATAL_ERROR "attnc needs LLVM/MLIR 19, found ${LLVM_PACKAGE_VERSION} (run scripts/setup.sh)")
endif()
list(APPEND CMAKE_MODULE_PATH "${MLIR_CMAKE_DIR}" "${LLVM_CMAKE_DIR}")
include(TableGen)
include(AddLLVM)
include(AddMLIR)
set(LLVM_ENABLE_RTTI OFF)

if(NOT TARGET zstd::libzstd_shared)
  find_library(ATTNC_ZSTD_LIB NAMES zstd REQUIRED)
  add_library(zstd::libzstd_shared UNKNOWN IMPORTED)
  set_target_properties(zstd::libzstd_shared PROPERTIES IMPORTED_LOCATION ${ATTNC_ZSTD_LIB})
endif()
find_package(ZLIB REQUIRED)

foreach(tgt IN LISTS MLIR_EXPORTED_TARGETS)
  if(TARGET ${tgt})
    get_target_property(libs ${tgt} INTERFACE_LINK_LIBRARIES)
    if(libs)
      list(TRANSFORM libs REPLACE "^LLVM$" "LLVMSupport")
      set_target_properties(${tgt} PROPERTIES INTERFACE_LINK_LIBRARIES "${libs}")
    endif()
  endif()
endforeach()

# Prefer static archives for the small C/C++ dependencies.
find_library(ATTNC_SQLITE_STATIC NAMES libsqlite3.a REQUIRED)
find_library(ATTNC_BOOST_PO_STATIC NAMES libboost_program_options.a REQUIRED)
find_package(fmt REQUIRED)
find_package(Threads REQUIRED)
find_package(GTest REQUIRED)

set(CUDA_HOME "/usr/local/cuda" CACHE PATH "CUDA toolkit root")
find_path(ATTNC_CUDA_INCLUDE nvrtc.h HINTS ${CUDA_HOME}/include REQUIRED)
find_library(ATTNC_NVRTC_LIB nvrtc HINTS ${CUDA_HOME}/lib64 REQUIRED)
find_library(ATTNC_CUDA_DRIVER_LIB cuda HINTS ${CUDA_HOME}/lib64/stubs ${CUDA_HOME}/lib64 REQUIRED)

include_directories(SYSTEM ${LLVM_INCLUDE_DIRS} ${MLIR_INCLUDE_DIRS})
add_definitions(${LLVM_DEFINITIONS})

function(attnc_static_binary target)
  target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc)
endfunction()
