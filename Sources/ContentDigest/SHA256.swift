import COpenSSL

/// A streaming SHA-256 (OpenSSL's EVP interface).
public final class SHA256 {
  private let context: OpaquePointer

  public init() {
    context = EVP_MD_CTX_new()
    EVP_DigestInit_ex(context, EVP_sha256(), nil)
  }

  deinit { EVP_MD_CTX_free(context) }

  public func update(_ bytes: UnsafeRawBufferPointer) {
    if let base = bytes.baseAddress { EVP_DigestUpdate(context, base, bytes.count) }
  }

  public func update(_ text: String) {
    var copy = text
    copy.withUTF8 { update(UnsafeRawBufferPointer($0)) }
  }

  /// The digest as 64 lowercase hexadecimal digits; the hasher is spent.
  public func finish() -> String {
    var digest = [UInt8](repeating: 0, count: 32)
    var length: UInt32 = 0
    EVP_DigestFinal_ex(context, &digest, &length)
    return digest.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
  }

  /// SHA-256 of a string's UTF-8 bytes, in hexadecimal.
  public static func hex(of text: String) -> String {
    let hasher = SHA256()
    hasher.update(text)
    return hasher.finish()
  }
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String {
    String(repeating: "0", count: max(0, width - count)) + self
  }
}
