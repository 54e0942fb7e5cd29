/* Force-included into every C++ file of the bundled liblsl 1.13 (lsl-sys 0.1.1).
 *
 * Its bundled boost.thread tests `#if PTHREAD_STACK_MIN > 0`, which no longer compiles on
 * glibc >= 2.34, where PTHREAD_STACK_MIN expands to a sysconf() call. Pin it to the
 * historical constant so the preprocessor sees a number. See docs/dependencies.md. */
#include <limits.h>
#undef PTHREAD_STACK_MIN
#define PTHREAD_STACK_MIN 16384
