// libsvm (Debian: libsvm-dev 3.24; no pkg-config file).
#ifndef NTK_CLIBSVM_SHIM_H
#define NTK_CLIBSVM_SHIM_H
#include <libsvm/svm.h>

/// The version of the linked library (e.g. 324), read once.
static inline int ntk_libsvm_version(void) { return libsvm_version; }
#endif
