# -DCAPSET_SANITIZE=ON: AddressSanitizer + UndefinedBehaviorSanitizer, halting on the first error.
if(CAPSET_SANITIZE)
  set(_san -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_compile_options(${_san})
  add_link_options(${_san})
endif()
