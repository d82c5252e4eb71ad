/// Which solver trains a C-SVC.
public enum SolverChoice: String, CaseIterable, Sendable {
  /// libsvm (scikit-learn's `SVC`) on the precomputed m × m kernel, or on the
  /// rows with its linear kernel when the kernel's copy does not fit: time and
  /// memory quadratic in m.
  case libsvm
  /// DualCoordinateDescent: the same problem, linear in m.
  case linear
  /// libsvm where its copy of the kernel fits the kernel memory, otherwise linear.
  case auto

  /// The kernel memory of --kernel-memory-gib's default, 8 GiB: libsvm up to m = 23,170.
  public static let defaultKernelMemory = 8 << 30

  /// Whether libsvm trains `samples` samples when its copy of the kernel
  /// (16 bytes an entry) may take `kernelMemory` bytes.
  public func usesLibSVM(samples m: Int, kernelMemory: Int) -> Bool {
    switch self {
    case .libsvm: return true
    case .linear: return false
    case .auto: return Self.kernelFits(samples: m, kernelMemory: kernelMemory)
    }
  }

  /// libsvm's copy of an m × m kernel, 16 bytes an entry, fits `kernelMemory`.
  public static func kernelFits(samples m: Int, kernelMemory: Int) -> Bool {
    m <= 1 << 20 && m * m * 16 <= kernelMemory
  }
}
