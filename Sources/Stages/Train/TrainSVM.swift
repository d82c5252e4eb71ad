import Artifacts
import Foundation
import LinearSVM
import NTKMath
import StageSupport

/// Stage 4: a linear SVM on the training features.
///
/// Three paths solve the same C-SVC (SolverChoice):
/// - libsvm on the precomputed tangent kernel K = G Gᵀ (BLAS products; from
///   the factors for factored features), when libsvm's copy of K (16 bytes an
///   entry) fits in `kernelMemory` — kept in the artifact up to 256 MiB,
///   otherwise computed in blocks of rows;
/// - libsvm's linear kernel on the dense rows, when K does not fit and libsvm
///   is asked for;
/// - DualCoordinateDescent on the rows, dense or factored, linear in m: the
///   default (`auto`) where K does not fit.
/// Either way w = Σ c_i g_i, and the artifact records P, D and their gap.
public struct TrainSVM: Sendable {
  public var featuresPath: String
  public var parameters: SVMParameters
  public var kernelMemory: Int
  public var solver: SolverChoice
  public var linearParameters: DualCoordinateDescent.Parameters

  public init(
    featuresPath: String, parameters: SVMParameters, kernelMemory: Int = SolverChoice.defaultKernelMemory,
    solver: SolverChoice = .auto,
    linearParameters: DualCoordinateDescent.Parameters? = nil
  ) {
    self.featuresPath = featuresPath
    self.parameters = parameters
    self.kernelMemory = kernelMemory
    self.solver = solver
    self.linearParameters = linearParameters ?? .init(C: parameters.C)
  }

  public func run(output: String, log: StageLog) throws {
    let features = try FeaturesArtifact(path: featuresPath)
    let y = try features.labels(.train)
    do {  // before any work: the parameters and the labels (training checks them again)
      try parameters.validate(labels: y)
    } catch SVMError.invalidLabels(let why) {
      throw StageError("\(featuresPath): /labels/train: \(why)")
    }
    let provenance = try Provenance(program: "ntk-train", inputFiles: [featuresPath])
    let rows = try features.rows(.train)
    let n = y.count
    let label = stepName(label: features.layerLabel, layer: features.layer)
    log("\(label): training on \(n) samples × \(features.featureCount) features (\(features.storage))")
    let started = Date()
    var training: SVMArtifact.Training
    var kernel: Matrix? = nil
    let weights: [Double]
    do {
      if !solver.usesLibSVM(samples: n, kernelMemory: kernelMemory) {
        let result = try DualCoordinateDescent.solve(
          rows: rows, labels: y, parameters: linearParameters, log: log, label: label)
        weights = result.weights
        training = .linear(result, parameters: linearParameters, storage: features.storage.rawValue)
      } else {
        let progress = Progress(log, "\(label): kernel rows", total: n, unit: "rows")
        let solution: SVMSolution
        var solvedFrom = "the precomputed tangent kernel K = G Gᵀ"
        if case .dense(let x) = rows, !SolverChoice.kernelFits(samples: n, kernelMemory: kernelMemory) {
          solution = try LibSVM.train(
            features: x, labels: y, parameters: parameters, iterations: progress.libsvmIterations)
          solvedFrom = "the feature rows, with libsvm's linear kernel"
        } else if SVMArtifact.keepsKernel(samples: n) {
          kernel = rows.gram()
          solution = try LibSVM.train(
            kernel: kernel!, labels: y, parameters: parameters, iterations: progress.libsvmIterations)
        } else {
          solution = try LibSVM.train(
            kernelRows: { block in
              defer { progress.advance(by: block.count) }
              return rows.gram(rows: block)
            }, labels: y, parameters: parameters, iterations: progress.libsvmIterations)
          solvedFrom += ", computed in blocks of rows (above \(SVMArtifact.storedKernelLimit >> 20) MiB: not stored)"
        }
        weights = rows.combination(of: solution.supportIndices, coefficients: solution.dualCoefficients)
        training = .libsvm(
          solution, solvedFrom: solvedFrom, parameters: parameters,
          objectives: SVMObjectives(rows: rows, labels: y, weights: weights, solution: solution, C: parameters.C))
      }
    } catch let error as SVMError {
      throw StageError("\(featuresPath): \(error)")
    }
    training.seconds = Date().timeIntervalSince(started)
    log(
      "\(label): \(training.solution.supportIndices.count) support vectors of \(n) samples in "
        + "\(String(format: "%.2f", training.seconds)) s, \(training.solvedFrom)")
    try SVMArtifact.write(
      to: output, provenance: provenance, layer: features.layer, blocks: features.blocks, training: training,
      weights: weights, kernel: kernel)
  }
}
