// libcsv (Debian: libcsv-dev 3.0; no pkg-config file): an RFC 4180 CSV parser with quoting.
#ifndef NTK_CLIBCSV_SHIM_H
#define NTK_CLIBCSV_SHIM_H
#include <csv.h>
#endif
