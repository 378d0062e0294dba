# SPDX-License-Identifier: LGPL-2.1-or-later
# -DCAPSET_SANITIZE=ON: AddressSanitizer + UndefinedBehaviorSanitizer, halting on the first error.
# CAPSET_SANITIZER_RUNTIMES: the shared runtime libraries the build's objects need, for programs
# built without the sanitizers that load pam_capset.so (tests preload them).
set(CAPSET_SANITIZER_RUNTIMES "")
if(CAPSET_SANITIZE)
  set(_san -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_compile_options(${_san})
  add_link_options(${_san})
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    # GCC links its sanitizer runtimes as shared libraries; Clang links them statically into
    # executables only, which leaves pam_capset.so (linked with -z defs, loaded into programs
    # built without sanitizers) unresolvable. Use Clang's shared runtime everywhere, found
    # through an rpath: it is not in the loader's search path. UBSan's handlers are part of it.
    set(_runtimes libclang_rt.asan-x86_64.so)
  else()
    set(_runtimes libasan.so libubsan.so)
  endif()
  foreach(_rt ${_runtimes})
    execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=${_rt}
                    OUTPUT_VARIABLE _path OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(IS_ABSOLUTE "${_path}")
      get_filename_component(_path "${_path}" REALPATH)
      list(APPEND CAPSET_SANITIZER_RUNTIMES "${_path}")
    endif()
  endforeach()
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    if(NOT CAPSET_SANITIZER_RUNTIMES)
      message(FATAL_ERROR "CAPSET_SANITIZE: ${CMAKE_CXX_COMPILER} has no ${_runtimes}")
    endif()
    get_filename_component(_rt_dir "${CAPSET_SANITIZER_RUNTIMES}" DIRECTORY)
    add_link_options(-shared-libasan -Wl,-rpath,${_rt_dir})
  endif()
endif()
