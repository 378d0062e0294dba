# SPDX-License-Identifier: LGPL-2.1-or-later
# Warnings for every target of ours. -Wnull-dereference is left out: GCC 12 reports false
# positives inside libstdc++ (std::string, std::optional) once inlined.
add_compile_options(
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wcast-align -Wformat=2 -Wimplicit-fallthrough
  "$<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor;-Wold-style-cast;-Woverloaded-virtual>"
)
if(CAPSET_WERROR)
  add_compile_options(-Werror)
  # GCC 12 at -O3 (CMAKE_BUILD_TYPE=Release) reports -Wrestrict and -Wmaybe-uninitialized
  # inside libstdc++'s std::string after inlining (GCC bugs 105329, 105562); they stay
  # warnings so that a Release build does not fail on them.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options("$<$<COMPILE_LANGUAGE:CXX>:-Wno-error=restrict;-Wno-error=maybe-uninitialized>")
  endif()
endif()
add_compile_options(-fvisibility=hidden -D_FILE_OFFSET_BITS=64)
