import COpenSSL
import Foundation
import StageSupport

/// SHA-256 of `bytes` (OpenSSL's libcrypto), as 64 lowercase hex digits:
/// what `sha256sum` prints for the file.
func sha256Hex(_ bytes: [UInt8]) throws -> String {
  guard let context = EVP_MD_CTX_new() else { throw StageError("cannot start a SHA-256 digest (out of memory?)") }
  defer { EVP_MD_CTX_free(context) }
  var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
  var length: UInt32 = 0
  guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1,
    bytes.withUnsafeBytes({ EVP_DigestUpdate(context, $0.baseAddress, $0.count) }) == 1,
    EVP_DigestFinal_ex(context, &digest, &length) == 1
  else { throw StageError("cannot compute a SHA-256 digest (libcrypto failed)") }
  return digest.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
}
