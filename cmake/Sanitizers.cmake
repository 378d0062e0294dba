# -DCAPSET_SANITIZE=ON: AddressSanitizer + UndefinedBehaviorSanitizer, halting on the first error.
if(CAPSET_SANITIZE)
  set(_san -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_compile_options(${_san})
  add_link_options(${_san})
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    # GCC links its sanitizer runtimes as shared libraries; Clang links them statically into
    # executables only, which leaves pam_capset.so (linked with -z defs, loaded into programs
    # built without sanitizers) unresolvable. Use Clang's shared runtime everywhere, found
    # through an rpath: it is not in the loader's search path.
    execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=libclang_rt.asan-x86_64.so
                    OUTPUT_VARIABLE CAPSET_CLANG_ASAN_RUNTIME OUTPUT_STRIP_TRAILING_WHITESPACE)
    get_filename_component(_rt_dir "${CAPSET_CLANG_ASAN_RUNTIME}" DIRECTORY)
    add_link_options(-shared-libasan -Wl,-rpath,${_rt_dir})
  endif()
endif()
