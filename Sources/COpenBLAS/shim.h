// OpenBLAS's CBLAS interface (Debian: libopenblas-dev, cblas.h via alternatives).
#ifndef NTK_COPENBLAS_SHIM_H
#define NTK_COPENBLAS_SHIM_H
#include <cblas.h>
#endif
