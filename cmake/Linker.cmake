# SPDX-License-Identifier: LGPL-2.1-or-later
# -DCAPSET_LLD=ON (the default for development and CI builds): link with lld where the compiler
# accepts -fuse-ld=lld. The test binaries carry ~90 MB of debug information; GNU ld takes
# ~12 s to link one of them here, lld under 1 s. The packages (packaging/) pass OFF and link
# with the distribution's default linker.
if(CAPSET_LLD)
  include(CheckLinkerFlag)
  check_linker_flag(CXX -fuse-ld=lld CAPSET_HAVE_LLD)
  if(CAPSET_HAVE_LLD)
    add_link_options(-fuse-ld=lld)
  endif()
endif()

# Each function and object in its own section, so that the deliverables that are loaded often
# (pam_capset.so into every su, login and sshd process; capsetd, resident) link only what they
# use of the core library (--gc-sections, in their CMakeLists): the core holds everything from
# the policy parser to the unit generator, and a unity build makes one object of it.
add_compile_options(-ffunction-sections -fdata-sections)
