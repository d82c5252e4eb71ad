import CLibSVM
import NTKMath

/// A linear C-SVC, solved by libsvm (the solver inside scikit-learn's `SVC`):
///
///     min_w,b  ½‖w‖² + C Σ_i max(0, 1 − y_i (w·x_i + b)),   y_i ∈ {−1, +1},
///
/// with scikit-learn's meaning of the result: decision(x) = w·x + b, and a
/// positive decision means +1. On feature rows with libsvm's linear kernel, or
/// on a precomputed kernel; time and memory quadratic in the samples
/// (DualCoordinateDescent solves the same problem in linear time).
public enum LibSVM {
  /// Trains on the rows of `features` (n × p) with labels ±1, with libsvm's
  /// linear kernel; w = Σ_i y_i α_i x_i is the caller's to form from the solution.
  public static func train(
    features: Matrix, labels: [Double], parameters: SVMParameters, iterations: ((Int) -> Void)? = nil
  ) throws -> SVMSolution {
    precondition(features.rows == labels.count)
    let nonzeros = features.values.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
    return try solve(
      labels: labels, parameters: parameters, kernelType: Int32(LINEAR), nodeCount: nonzeros, iterations: iterations
    ) {
      i, nodes in
      for j in 0..<features.columns where features[i, j] != 0 {
        nodes.append(svm_node(index: Int32(j + 1), value: features[i, j]))
      }
    }
  }

  /// Trains from a precomputed kernel matrix K (n × n, K[i][j] = ⟨x_i, x_j⟩).
  public static func train(
    kernel: Matrix, labels: [Double], parameters: SVMParameters, iterations: ((Int) -> Void)? = nil
  ) throws -> SVMSolution {
    precondition(kernel.rows == labels.count && kernel.columns == labels.count)
    return try train(kernelRows: { kernel.rows($0) }, labels: labels, parameters: parameters, iterations: iterations)
  }

  /// Trains from a kernel given by blocks of rows, `kernelRows(range)` being
  /// K[range, :]: libsvm holds the n × n kernel (16 bytes an entry), and its
  /// iterations then look entries up instead of computing dot products.
  public static func train(
    kernelRows: (Range<Int>) -> Matrix, labels: [Double], parameters: SVMParameters,
    iterations: ((Int) -> Void)? = nil
  ) throws -> SVMSolution {
    let n = labels.count
    // Blocks of at most 16 MiB: below glibc's mmap threshold, so they reuse memory.
    let blockRows = max(1, (16 << 20) / max(8 * n, 1))
    var block = Matrix(rows: 0, columns: n)
    var blockStart = 0
    return try solve(
      labels: labels, parameters: parameters, kernelType: Int32(PRECOMPUTED), nodeCount: n * (n + 1),
      iterations: iterations
    ) {
      i, nodes in
      if i >= blockStart + block.rows {
        blockStart = i
        block = kernelRows(i..<min(i + blockRows, n))
        precondition(block.columns == n, "kernel rows of \(block.columns) columns for \(n) samples")
      }
      nodes.append(svm_node(index: 0, value: Double(i + 1)))
      for j in 0..<n { nodes.append(svm_node(index: Int32(j + 1), value: block[i - blockStart, j])) }
    }
  }

  /// Builds libsvm's problem — `appendNodes(i, nodes)` writes sample i, at
  /// most `nodeCount` nodes in all — and solves it; `iterations` is told the
  /// solver's iterations every thousand.
  private static func solve(
    labels: [Double], parameters: SVMParameters, kernelType: Int32, nodeCount: Int,
    iterations: ((Int) -> Void)?, appendNodes: (Int, NodeBuffer) -> Void
  ) throws -> SVMSolution {
    try parameters.validate(labels: labels)
    // libsvm prints to stdout, which results own: its "." every 1000 iterations becomes progress.
    libsvmDots = 0
    libsvmIterations = iterations
    defer { libsvmIterations = nil }
    svm_set_print_string_function { message in
      guard let message, let observe = libsvmIterations else { return }
      libsvmDots += message[0] == 0x2E && message[1] == 0 ? 1 : 0
      observe(libsvmDots * 1000)
    }
    let nodes = NodeBuffer(capacity: nodeCount + labels.count)
    var rows: [UnsafeMutablePointer<svm_node>?] = []
    for i in labels.indices {
      rows.append(nodes.base + nodes.count)
      appendNodes(i, nodes)
      nodes.append(svm_node(index: -1, value: 0))
    }
    // scikit-learn hands libsvm its classes sorted (−1 first). For ±1 labels
    // libsvm puts +1 first, so it gets the negated labels: the original −1
    // becomes its first class, and the solver sees scikit-learn's problem.
    var negated = labels.map { -$0 }
    var param = svm_parameter()
    param.svm_type = Int32(C_SVC)
    param.kernel_type = kernelType
    param.cache_size = parameters.cacheMegabytes
    param.eps = parameters.tolerance
    param.C = parameters.C
    param.shrinking = 1
    param.probability = 0
    param.nr_weight = 0

    return try withExtendedLifetime(nodes) {
      try rows.withUnsafeMutableBufferPointer { rowBuffer in
        try negated.withUnsafeMutableBufferPointer { y in
          var problem = svm_problem(l: Int32(labels.count), y: y.baseAddress, x: rowBuffer.baseAddress)
          if let message = svm_check_parameter(&problem, &param) {
            throw SVMError.invalidParameters("libsvm rejects the parameters: \(String(cString: message))")
          }
          var model: UnsafeMutablePointer<svm_model>? = svm_train(&problem, &param)
          guard let trained = model else { throw SVMError.invalidParameters("libsvm failed to train") }
          defer { svm_free_and_destroy_model(&model) }
          return solution(of: trained.pointee)
        }
      }
    }
  }

  private static func solution(of model: svm_model) -> SVMSolution {
    let count = Int(model.l)
    // libsvm's decision is Σ sv_coef·K − ρ, positive for its first class (−1);
    // scikit-learn flips both signs for a binary problem.
    let svCoefficients = (0..<count).map { -model.sv_coef[0]![$0] }
    let indices = (0..<count).map { Int(model.sv_indices[$0]) - 1 }
    let counts = [Int(model.nSV[0]), Int(model.nSV[1])]
    return SVMSolution(
      supportIndices: indices, dualCoefficients: svCoefficients, supportCounts: counts, intercept: model.rho[0])
  }
}

// The observer of libsvm's progress while it trains (libsvm's print function is global, as this is).
nonisolated(unsafe) private var libsvmIterations: ((Int) -> Void)?
nonisolated(unsafe) private var libsvmDots = 0

/// The version of the libsvm library linked at run time, e.g. "3.24".
public var libsvmVersion: String { "\(ntk_libsvm_version() / 100).\(ntk_libsvm_version() % 100)" }
