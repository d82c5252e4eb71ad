import ArgumentParser
import LinearSVM

extension SolverChoice: ExpressibleByArgument {}

/// The SVM's options, shared by every stage that trains one.
public struct SVMOptions: ParsableArguments {
  @Option(name: .customLong("C"), help: "The penalty C > 0.") var penalty = 1.0
  @Option(
    help: """
      libsvm, linear (dual coordinate descent, linear in m) or auto: libsvm where its copy of the kernel fits \
      --kernel-memory-gib, linear above.
      """)
  public var solver = SolverChoice.auto
  @Option(help: "libsvm's stopping tolerance on the KKT violation (scikit-learn's tol).") var tolerance = 1e-3
  @Option(help: "libsvm's kernel cache in MB (scikit-learn's cache_size); it changes the time, not the solution.")
  var cacheMb = 200.0
  @Option(help: "libsvm trains from a precomputed kernel when its copy (16 bytes × m²) fits in this many GiB.")
  var kernelMemoryGib = Self.defaultKernelMemoryGib
  @Option(help: "The linear solver stops when the relative duality gap (P − D)/P is at most this.")
  var gapTolerance = DualCoordinateDescent.Parameters.defaultTolerance
  @Option(help: "The linear solver fails, writing nothing, if it has not converged after this many passes.")
  var maxPasses = DualCoordinateDescent.Parameters.defaultMaxPasses

  public init() {}

  public var parameters: SVMParameters { SVMParameters(C: penalty, tolerance: tolerance, cacheMegabytes: cacheMb) }
  /// --kernel-memory-gib in bytes.
  public var kernelMemory: Int { Self.bytes(gib: kernelMemoryGib) }
  /// --kernel-memory-gib's default, SolverChoice.defaultKernelMemory in GiB (8).
  public static let defaultKernelMemoryGib = Double(SolverChoice.defaultKernelMemory) / Double(1 << 30)

  /// A number of GiB in bytes.
  public static func bytes(gib: Double) -> Int { Int(gib * Double(1 << 30)) }
  /// The linear solver's parameters.
  public var linearParameters: DualCoordinateDescent.Parameters {
    .init(C: penalty, tolerance: gapTolerance, maxPasses: maxPasses)
  }

  public func validate() throws {
    if let (name, value) = parameters.firstInvalid {
      let option = ["C": "--C", "tolerance": "--tolerance", "cache size": "--cache-mb"][name]!
      throw ValidationError("\(option) must be a positive number, got \(value)")
    }
    guard kernelMemoryGib >= 0, kernelMemoryGib.isFinite else {
      throw ValidationError("--kernel-memory-gib must be a number ≥ 0, got \(kernelMemoryGib)")
    }
    guard gapTolerance > 0, gapTolerance.isFinite else {
      throw ValidationError("--gap-tolerance must be a positive number, got \(gapTolerance)")
    }
    guard maxPasses > 0 else { throw ValidationError("--max-passes must be positive, got \(maxPasses)") }
  }
}
