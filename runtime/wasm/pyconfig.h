/* pyconfig.h for wasm32-emscripten side modules.
 *
 * Debian's pyconfig.h is a multiarch dispatcher that #errors on wasm, and
 * its i386 variant has the wrong long double size. Pyodide's CPython is
 * wasm32 with a 64-bit time_t; only the sizes the stable-ABI headers read
 * matter here, and the compiler knows most of them. */
#ifndef PYRUN_WASM32_PYCONFIG_H
#define PYRUN_WASM32_PYCONFIG_H

#ifndef __wasm32__
#error "this pyconfig.h is for wasm32 builds only"
#endif

#define SIZEOF_DOUBLE 8
#define SIZEOF_FLOAT 4
#define SIZEOF_FPOS_T 8
#define SIZEOF_INT __SIZEOF_INT__
#define SIZEOF_LONG __SIZEOF_LONG__
#define SIZEOF_LONG_DOUBLE 16
#define SIZEOF_LONG_LONG __SIZEOF_LONG_LONG__
#define SIZEOF_OFF_T 8
#define SIZEOF_PID_T 4
#define SIZEOF_PTHREAD_T 4
#define SIZEOF_PTHREAD_KEY_T 4
#define SIZEOF_SHORT __SIZEOF_SHORT__
#define SIZEOF_SIZE_T __SIZEOF_SIZE_T__
#define SIZEOF_TIME_T 8
#define SIZEOF_UINTPTR_T __SIZEOF_POINTER__
#define SIZEOF_VOID_P __SIZEOF_POINTER__
#define SIZEOF_WCHAR_T __SIZEOF_WCHAR_T__
#define SIZEOF__BOOL 1
#define ALIGNOF_LONG __SIZEOF_LONG__
#define ALIGNOF_SIZE_T __SIZEOF_SIZE_T__

#define HAVE_STDARG_PROTOTYPES 1
#define HAVE_STDINT_H 1
#define HAVE_INTTYPES_H 1
#define HAVE_UNISTD_H 1
#define HAVE_WCHAR_H 1
#define HAVE_SSIZE_T 1
#define WITH_DOC_STRINGS 1
#define WITH_PYMALLOC 1

#endif
