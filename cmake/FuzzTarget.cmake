# SPDX-License-Identifier: LGPL-2.1-or-later
# capset_fuzz_target(NAME SOURCE LIBRARY...): one line per libFuzzer target.
#   - every build: fuzz_NAME_replay (tests/fuzz/fuzz_replay.cc) runs the seed corpus
#     tests/fuzz/corpus/NAME as the test fuzz.NAME_corpus;
#   - with -DCAPSET_FUZZ=ON (Clang): fuzz_NAME, the libFuzzer binary, and the test
#     fuzz.NAME_run, which fuzzes a copy of the corpus for CAPSET_FUZZ_SECONDS.
# Every target joins the custom target `fuzz_targets` (what CI builds in build-fuzz).
if(NOT TARGET fuzz_targets)
  add_custom_target(fuzz_targets)
endif()
function(capset_fuzz_target name source)
  set(_libs ${ARGN})
  set(_corpus ${PROJECT_SOURCE_DIR}/tests/fuzz/corpus/${name})
  set(_bin fuzz_${name})
  add_executable(${_bin}_replay ${source} ${PROJECT_SOURCE_DIR}/tests/fuzz/fuzz_replay.cc)
  target_link_libraries(${_bin}_replay PRIVATE ${_libs})
  # tests/ for the shared oracles, core/src for internal readers a target checks.
  target_include_directories(${_bin}_replay PRIVATE ${PROJECT_SOURCE_DIR}/tests
                             ${PROJECT_SOURCE_DIR}/core/src)
  add_test(NAME fuzz.${name}_corpus COMMAND ${_bin}_replay ${_corpus})
  set_tests_properties(fuzz.${name}_corpus PROPERTIES LABELS fuzz)
  add_dependencies(fuzz_targets ${_bin}_replay)
  if(CAPSET_FUZZ)
    add_executable(${_bin} ${source})
    target_link_libraries(${_bin} PRIVATE ${_libs})
    target_include_directories(${_bin} PRIVATE ${PROJECT_SOURCE_DIR}/tests
                               ${PROJECT_SOURCE_DIR}/core/src)
    target_link_options(${_bin} PRIVATE -fsanitize=fuzzer)
    add_dependencies(fuzz_targets ${_bin})
    # In the sanitizer build (-DCAPSET_SANITIZE=ON as well: CI fuzzes there), Clang's shared
    # ASan runtime must come first, and libFuzzer's libstdc++ comes before it: preload it.
    set(_env "")
    if(CAPSET_SANITIZE AND CAPSET_SANITIZER_RUNTIMES)
      list(GET CAPSET_SANITIZER_RUNTIMES 0 _asan)
      set(_env "env LD_PRELOAD='${_asan}'")
    endif()
    # Fuzzes a copy of the seed corpus (new inputs land there, not in the source tree).
    add_test(NAME fuzz.${name}_run
             COMMAND sh -c "rm -rf corpus-${name} && cp -r '${_corpus}' corpus-${name} && exec ${_env} '$<TARGET_FILE:${_bin}>' -max_total_time=${CAPSET_FUZZ_SECONDS} -max_len=70000 -close_fd_mask=2 -print_final_stats=1 corpus-${name}"
             WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
    # One at a time: a fuzzer at full speed beside the daemon's timing tests (a reply not
    # read in time) starved them in the sanitizer build's suite.
    set_tests_properties(fuzz.${name}_run PROPERTIES LABELS fuzz TIMEOUT 600 RUN_SERIAL TRUE)
  endif()
endfunction()
