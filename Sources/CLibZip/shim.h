// libzip (Debian: libzip-dev), for NumPy's .npz archives (zip files of .npy arrays).
#ifndef NTK_CLIBZIP_SHIM_H
#define NTK_CLIBZIP_SHIM_H
#include <zip.h>
#endif
