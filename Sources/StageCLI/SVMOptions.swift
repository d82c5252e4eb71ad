import ArgumentParser
import LinearSVM

/// The SVM's options, shared by every stage that trains one.
public struct SVMOptions: ParsableArguments {
  @Option(name: .customLong("C"), help: "The penalty C > 0.") var penalty = 1.0
  @Option(help: "The solver's stopping tolerance.") var tolerance = 1e-3
  @Option(help: "libsvm's kernel cache in MB (scikit-learn's cache_size); it changes the time, not the solution.")
  var cacheMb = 200.0
  @Option(help: "Train from a precomputed kernel when libsvm's copy (16 bytes × m²) fits in this many GiB.")
  var kernelMemoryGib = 8.0

  public init() {}

  public var parameters: SVMParameters { SVMParameters(C: penalty, tolerance: tolerance, cacheMegabytes: cacheMb) }
  /// --kernel-memory-gib in bytes.
  public var kernelMemory: Int { Int(kernelMemoryGib * Double(1 << 30)) }

  public func validate() throws {
    if let (name, value) = parameters.firstInvalid {
      let option = ["C": "--C", "tolerance": "--tolerance", "cache size": "--cache-mb"][name]!
      throw ValidationError("\(option) must be a positive number, got \(value)")
    }
    guard kernelMemoryGib >= 0, kernelMemoryGib.isFinite else {
      throw ValidationError("--kernel-memory-gib must be a number ≥ 0, got \(kernelMemoryGib)")
    }
  }
}
