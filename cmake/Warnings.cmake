# Warnings for every target of ours; third-party headers come in as SYSTEM.
add_compile_options(
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wcast-align -Wnull-dereference -Wformat=2 -Wimplicit-fallthrough
  "$<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor;-Wold-style-cast;-Woverloaded-virtual>"
)
if(CAPSET_WERROR)
  add_compile_options(-Werror)
endif()
add_compile_options(-fvisibility=hidden -D_FILE_OFFSET_BITS=64)
