import CXXHash

/// A streaming XXH3-128 hash (xxHash): a 128-bit non-cryptographic digest at
/// memory speed, for telling contents apart (not for resisting an attacker).
/// Python's `xxhash.xxh3_128` computes the same value.
public final class XXH3 {
  private let state: OpaquePointer

  public init() {
    state = XXH3_createState()
    XXH3_128bits_reset(state)
  }

  deinit { XXH3_freeState(state) }

  public func update(_ bytes: UnsafeRawBufferPointer) {
    if let base = bytes.baseAddress { XXH3_128bits_update(state, base, bytes.count) }
  }

  public func update(_ text: String) {
    var copy = text
    copy.withUTF8 { update(UnsafeRawBufferPointer($0)) }
  }

  /// The digest as 32 hexadecimal digits, in xxHash's canonical (big-endian) form.
  public func finish() -> String {
    let hash = XXH3_128bits_digest(state)
    return [hash.high64, hash.low64].map { word in
      let digits = String(word, radix: 16)
      return String(repeating: "0", count: 16 - digits.count) + digits
    }.joined()
  }
}
