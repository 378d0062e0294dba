# SPDX-License-Identifier: LGPL-2.1-or-later
# -DCAPSET_FUZZ=ON (Clang only): a build for libFuzzer. Every object gets coverage
# instrumentation, AddressSanitizer and UndefinedBehaviorSanitizer, so that the fuzzer sees
# the paths inside the libraries it drives, not only the target's own file; tests/ adds the
# fuzz targets (built with `cmake --build DIR --target varlink_fuzz`).
if(CAPSET_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "CAPSET_FUZZ needs Clang (libFuzzer)")
  endif()
  set(_fuzz -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
            -fno-omit-frame-pointer)
  add_compile_options(${_fuzz})
  add_link_options(-fsanitize=address,undefined)
endif()
