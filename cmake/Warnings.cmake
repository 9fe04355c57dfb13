# Warnings for our own targets only (third-party headers are SYSTEM includes).
function(logferry_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow=local -Wnon-virtual-dtor
                                           -Wimplicit-fallthrough)
  # GCC 12 reports yaml-cpp's iterator proxies (it->first) as dangling pointers: a known false
  # positive (GCC bug 107532 family) in a header we do not own.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-dangling-pointer)
  endif()
  if(LOGFERRY_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
