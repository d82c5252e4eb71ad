// xxHash (Debian: libxxhash-dev), for fast content digests (XXH3, 128 bits).
#ifndef NTK_CXXHASH_SHIM_H
#define NTK_CXXHASH_SHIM_H
#include <xxhash.h>
#endif
