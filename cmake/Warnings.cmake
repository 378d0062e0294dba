# Warnings for every target of ours. -Wnull-dereference is left out: GCC 12 reports false
# positives inside libstdc++ (std::string, std::optional) once inlined.
add_compile_options(
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wcast-align -Wformat=2 -Wimplicit-fallthrough
  "$<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor;-Wold-style-cast;-Woverloaded-virtual>"
)
if(CAPSET_WERROR)
  add_compile_options(-Werror)
endif()
add_compile_options(-fvisibility=hidden -D_FILE_OFFSET_BITS=64)
