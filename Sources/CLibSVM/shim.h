// libsvm (Debian: libsvm-dev 3.24; no pkg-config file).
#ifndef NTK_CLIBSVM_SHIM_H
#define NTK_CLIBSVM_SHIM_H
#include <libsvm/svm.h>

/// libsvm prints solver progress to stdout by default; results own stdout.
static void ntk_svm_discard_output(const char *message) { (void)message; }
static inline void ntk_svm_silence(void) { svm_set_print_string_function(ntk_svm_discard_output); }
/// The version of the linked library (e.g. 324), read once.
static inline int ntk_libsvm_version(void) { return libsvm_version; }
#endif
