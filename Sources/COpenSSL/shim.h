// OpenSSL's libcrypto (Debian: libssl-dev), for SHA-256 digests of imported source files.
#ifndef NTK_COPENSSL_SHIM_H
#define NTK_COPENSSL_SHIM_H
#include <openssl/evp.h>
#endif
