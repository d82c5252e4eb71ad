import Artifacts
import Foundation
import LegacyRandom
import LinearSVM
import NTKMath
import StageSupport

/// A baseline stage: the SVM on the infinite-width tangent kernel K∞ of the
/// step's layer(s) (InfiniteWidthNTK, on the scale of the finite features:
/// n_{l−1}·Θ_{W_l}, n_L·Θ_u, their sum for `all`), trained on the training set
/// with the same C and conventions as the finite features' SVM, and its train
/// and test 0-1 errors.
///
/// Only the step network's architecture (d, widths) and the step's layer
/// enter: K∞ is the kernel at random initialisation of infinitely wide
/// layers, whatever the layers learned in earlier steps.
///
/// Two paths, following `solver` (SolverChoice):
/// - **exact** (`libsvm`; `auto` where libsvm's copy of K∞, 16 bytes × m², fits
///   `kernelMemory`): libsvm on K∞ of the training set (ExactKernelSVM.swift);
///   `libsvm` refuses above the limit.
/// - **Nyström** (`linear`; `auto` above the limit): DualCoordinateDescent on
///   the Nyström features Φ = K∞(X, L)·K∞(L, L)^{−1/2} of k = `landmarks`
///   landmark training samples L (NystromSVM.swift): time and memory linear in
///   m. k > m is refused.
///
/// Beside the SVM, kernel ridge regression with the same K∞ on the ±1 labels
/// (model krr_infinite; KernelRidgeRegression, λ = `krrRidge`·tr(K∞)/m),
/// exact or on the Nyström features as `ridgeMethod` decides
/// (InfiniteKernelRidge.swift); its test MSE (f − y)² is recorded beside the
/// 0-1 errors. `run` picks the SVM's path and writes.
public struct InfiniteKernelBaseline: Sendable {
  public var truthPath: String
  public var networkPath: String
  public var layer: String
  public var parameters: SVMParameters
  /// libsvm's copy of K∞ (16 bytes an entry) must fit in this many bytes.
  public var kernelMemory: Int
  public var solver: SolverChoice
  public var linearParameters: DualCoordinateDescent.Parameters
  /// k, the Nyström landmarks.
  public var landmarks: Int
  /// The seed of the landmarks' draw (numpy's RandomState).
  public var landmarkSeed: UInt32
  /// r: the ridge of krr_infinite is λ = r·tr(K∞)/m.
  public var krrRidge: Double

  public static let defaultKRRRidge = KernelRidgeRegression.defaultRelativeRidge

  /// 500 landmarks: see the README's measurement at m = 20,000 (within a few
  /// tenths of a percent of the exact test error) and Φ's memory, 4 GB at m = 10⁶.
  public static let defaultLandmarks = 500

  public init(
    truthPath: String, networkPath: String, layer: String, parameters: SVMParameters, kernelMemory: Int,
    solver: SolverChoice = .auto, linearParameters: DualCoordinateDescent.Parameters? = nil,
    landmarks: Int = defaultLandmarks, landmarkSeed: UInt32 = 0, krrRidge: Double = defaultKRRRidge
  ) {
    self.truthPath = truthPath
    self.networkPath = networkPath
    self.layer = layer
    self.parameters = parameters
    self.kernelMemory = kernelMemory
    self.solver = solver
    self.linearParameters = linearParameters ?? .init(C: parameters.C)
    self.landmarks = landmarks
    self.landmarkSeed = landmarkSeed
    self.krrRidge = krrRidge
  }

  /// What the exact or Nyström path trained: the SVM for the artifact, its errors and krr_infinite.
  struct Trained {
    enum SVM {
      case exact(solution: SVMSolution, kernel: Matrix?, solvedFrom: String)
      case nystrom(InfiniteKernelArtifact.Nystrom)
    }
    var svm: SVM
    var result: ModelResult
    var ridgeRegression: InfiniteKernelArtifact.KernelRidge
  }

  /// The step's inputs: the truth, the network's layer(s) and their K∞.
  struct Inputs {
    var truth: TruthArtifact
    var network: ReLUNetwork
    var selection: Range<Int>
    var ntk: InfiniteWidthNTK
    /// The training samples.
    var m: Int
    /// The log's prefix: the step as the tables name it, with the layer (stepName).
    var label: String
  }

  public func run(output: String, log: StageLog) throws {
    let step = try StepNetwork(truthPath: truthPath, networkPath: networkPath, layer: layer)
    let (truth, network, selection, name) = (step.truth, step.network, step.selection, step.name)
    let inputs = Inputs(
      truth: truth, network: network, selection: selection, ntk: InfiniteWidthNTK(architectureOf: network),
      m: truth.sampleCounts[.train]!, label: stepName(label: layer, layer: name))
    let exact = solver.usesLibSVM(samples: inputs.m, kernelMemory: kernelMemory)
    let provenance = try Provenance(program: "ntk-infinite-kernel", inputFiles: [truthPath, networkPath])
    let trained = try exact ? exactKernelSVM(inputs, log: log) : nystromSVM(inputs, log: log)
    let formula = InfiniteWidthNTK.formula(
      name, fanIns: inputs.ntk.fanIns, selection: selection, layerNames: network.layerNames)
    switch trained.svm {
    case .exact(let solution, let kernel, let solvedFrom):
      try InfiniteKernelArtifact.write(
        to: output, provenance: provenance, layer: name, layerLabel: layer, formula: formula, solution: solution,
        kernel: kernel, parameters: parameters, solvedFrom: solvedFrom, result: trained.result,
        ridgeRegression: trained.ridgeRegression)
    case .nystrom(let nystrom):
      try InfiniteKernelArtifact.write(
        to: output, provenance: provenance, layer: name, layerLabel: layer, formula: formula, nystrom: nystrom,
        result: trained.result, ridgeRegression: trained.ridgeRegression)
    }
  }

  /// Runs a solve of the SVM, its failures as stage errors naming the file (bad labels as /labels/train's).
  func solveSVM<T>(_ solve: () throws -> T) throws -> T {
    do { return try solve() } catch SVMError.invalidLabels(let why) {
      throw StageError("\(truthPath): /labels/train: \(why)")
    } catch let error as SVMError {
      throw StageError("\(truthPath): \(error)")
    }
  }

  static let landmarkDraw =
    "the first k of numpy's RandomState(landmark_seed).permutation(m) over the m training samples, sorted ascending"

  /// The landmarks: the first k of numpy's `RandomState(seed).permutation(m)`, sorted ascending.
  public static func landmarkIndices(samples m: Int, count k: Int, seed: UInt32) -> [Int] {
    var generator = LegacyGenerator(seed: seed)
    return generator.permutation(m).prefix(k).sorted()
  }
}
