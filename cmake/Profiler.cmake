# SPDX-License-Identifier: LGPL-2.1-or-later
# capctl profile's eBPF program: compiled once at build time with clang for the BPF target
# (CO-RE: vmlinux.h is dumped from the build machine's kernel BTF by bpftool; the object runs
# on any kernel with BTF), and embedded into capctl as a bpftool skeleton.
#   CAPSET_PROFILER=AUTO (default): built when libbpf, bpftool, clang and
#   /sys/kernel/btf/vmlinux are all there; ON: required; OFF: not built (capctl profile then
#   says so).
set(CAPSET_PROFILER AUTO CACHE STRING "Build capctl profile's eBPF tracer (AUTO, ON, OFF)")
set(CAPSET_PROFILER_BUILT OFF)
if(NOT CAPSET_PROFILER STREQUAL "OFF")
  pkg_check_modules(LIBBPF IMPORTED_TARGET libbpf>=1.0)
  find_program(BPFTOOL bpftool PATHS /usr/sbin /sbin)
  find_program(BPF_CLANG clang)
  set(CAPSET_VMLINUX_BTF /sys/kernel/btf/vmlinux CACHE FILEPATH "The kernel BTF to build against")
  set(_missing "")
  if(NOT LIBBPF_FOUND)
    list(APPEND _missing "libbpf (libbpf-dev)")
  endif()
  if(NOT BPFTOOL)
    list(APPEND _missing "bpftool")
  endif()
  if(NOT BPF_CLANG)
    list(APPEND _missing "clang")
  endif()
  if(NOT EXISTS ${CAPSET_VMLINUX_BTF})
    list(APPEND _missing "${CAPSET_VMLINUX_BTF}")
  endif()
  if(_missing)
    if(CAPSET_PROFILER STREQUAL "ON")
      message(FATAL_ERROR "CAPSET_PROFILER=ON, but missing: ${_missing}")
    endif()
    message(STATUS "capctl profile: not built (missing: ${_missing})")
  else()
    set(CAPSET_PROFILER_BUILT ON)
  endif()
endif()

# capset_bpf_skeleton(TARGET NAME SOURCE): NAME.skel.h in the build tree from SOURCE.
function(capset_bpf_skeleton target name source)
  set(_dir ${CMAKE_CURRENT_BINARY_DIR}/bpf)
  file(MAKE_DIRECTORY ${_dir})
  add_custom_command(
    OUTPUT ${_dir}/vmlinux.h
    COMMAND ${BPFTOOL} btf dump file ${CAPSET_VMLINUX_BTF} format c > ${_dir}/vmlinux.h.tmp
    COMMAND ${CMAKE_COMMAND} -E rename ${_dir}/vmlinux.h.tmp ${_dir}/vmlinux.h
    COMMENT "Dumping the kernel's BTF types (vmlinux.h)" VERBATIM)
  string(TOLOWER "${CMAKE_SYSTEM_PROCESSOR}" _arch)
  if(_arch MATCHES "x86_64|amd64")
    set(_bpf_arch x86)
  elseif(_arch MATCHES "aarch64|arm64")
    set(_bpf_arch arm64)
  else()
    set(_bpf_arch ${_arch})
  endif()
  add_custom_command(
    OUTPUT ${_dir}/${name}.bpf.o
    COMMAND ${BPF_CLANG} -g -O2 -target bpf -D__TARGET_ARCH_${_bpf_arch} -I${_dir}
            -idirafter /usr/include -Wall -Werror -c ${source} -o ${_dir}/${name}.bpf.o
    DEPENDS ${source} ${_dir}/vmlinux.h
    COMMENT "Compiling the eBPF program ${name}" VERBATIM)
  add_custom_command(
    OUTPUT ${_dir}/${name}.skel.h
    COMMAND ${BPFTOOL} gen skeleton ${_dir}/${name}.bpf.o name ${name} > ${_dir}/${name}.skel.h.tmp
    COMMAND ${CMAKE_COMMAND} -E rename ${_dir}/${name}.skel.h.tmp ${_dir}/${name}.skel.h
    DEPENDS ${_dir}/${name}.bpf.o
    COMMENT "Generating the skeleton ${name}.skel.h" VERBATIM)
  add_custom_target(${target}_skeleton DEPENDS ${_dir}/${name}.skel.h)
  add_dependencies(${target} ${target}_skeleton)
  # A generated header, compiled as a system one: its C casts are bpftool's, not ours.
  target_include_directories(${target} SYSTEM PRIVATE ${_dir})
endfunction()
