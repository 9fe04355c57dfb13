# Warnings for our own targets only (third-party headers are SYSTEM includes).
function(logferry_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wnon-virtual-dtor -Wimplicit-fallthrough)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wshadow=local
      # GCC 12 reports yaml-cpp's iterator proxies (it->first) as dangling pointers: a known
      # false positive in a header we do not own.
      -Wno-dangling-pointer)
  else()
    target_compile_options(${target} PRIVATE -Wshadow-uncaptured-local)
  endif()
  if(LOGFERRY_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
