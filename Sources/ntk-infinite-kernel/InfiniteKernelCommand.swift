import ArgumentParser
import InfiniteKernelStage
import LinearSVM
import StageCLI

struct InfiniteKernelCommand: ThreadedCommand {
  static let configuration = CommandConfiguration(
    commandName: "ntk-infinite-kernel",
    abstract: "The SVM on the infinite-width tangent kernel of a step's layer: train and test 0-1 errors.",
    discussion: """
      K∞ is the limit of the layer's finite tangent kernel at random initialisation as every hidden width grows, \
      on the scale of the finite features (fan-in × Θ). Only the network's input dimension, hidden widths and the \
      step's layer enter. --solver libsvm: the exact K∞ with libsvm (refused above --kernel-memory-gib); linear: \
      the Nyström approximation from --landmarks training samples, a linear SVM on Φ = K∞(X, L)·K∞(L, L)^(−1/2) \
      (time and memory linear in m); auto: exact where libsvm's copy of K∞ fits, Nyström above. Beside the SVM, \
      kernel ridge regression with K∞ on the ±1 labels (krr_infinite, with its test MSE): exact while K∞ of the \
      training set is held in memory (256 MiB), on the Nyström features above.
      """)

  @Option(help: "The ground-truth file (ntk-truth).") var truth: String
  @Option(help: "The step's student network (ntk-init): its architecture.") var network: String
  @Option(help: "The layer: W1 … WL, u (W, V name W1, W2), or all.") var layer: String
  @Option(help: "Nyström: the landmark training samples k (at most m; Φ takes m·k·8 bytes).")
  var landmarks = InfiniteKernelBaseline.defaultLandmarks
  @Option(help: "Nyström: the landmarks are the first k of numpy's RandomState(seed).permutation(m).")
  var landmarkSeed = 0
  @Option(
    help: """
      Kernel ridge regression with K∞ (model krr_infinite): the ridge relative to the mean diagonal, \
      λ = r·tr(K∞)/m (≥ 0).
      """)
  var krrRidge = InfiniteKernelBaseline.defaultKRRRidge
  @OptionGroup var svm: SVMOptions
  @OptionGroup var output: OutputOptions
  @OptionGroup var logging: LogOptions
  @OptionGroup var threadOptions: ThreadOptions

  func validate() throws {
    guard landmarks > 0 else { throw ValidationError("--landmarks must be positive, got \(landmarks)") }
    guard landmarkSeed >= 0, landmarkSeed <= Int(UInt32.max) else {
      throw ValidationError("--landmark-seed must be between 0 and 2³² − 1, got \(landmarkSeed)")
    }
    guard krrRidge >= 0, krrRidge.isFinite else {
      throw ValidationError("--krr-ridge (KRR_RIDGE) must be a finite number ≥ 0, got \(krrRidge)")
    }
  }

  func run() throws {
    let stage = InfiniteKernelBaseline(
      truthPath: truth, networkPath: network, layer: layer, parameters: svm.parameters,
      kernelMemory: svm.kernelMemory, solver: svm.solver, linearParameters: svm.linearParameters,
      landmarks: landmarks, landmarkSeed: UInt32(landmarkSeed), krrRidge: krrRidge)
    try stage.run(output: output.output, log: logging.log(for: Self.self))
  }
}
