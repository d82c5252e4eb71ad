import ArgumentParser
import InfiniteKernelStage
import LinearSVM
import StageCLI

struct InfiniteKernelCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ntk-infinite-kernel",
    abstract: "The SVM on the infinite-width tangent kernel of a step's layer: train and test 0-1 errors.",
    discussion: """
      K∞ is the limit of the layer's finite tangent kernel at random initialisation as every hidden width grows, \
      on the scale of the finite features (fan-in × Θ). Only the network's input dimension, hidden widths and the \
      step's layer enter.
      """)

  @Option(help: "The ground-truth file (ntk-truth).") var truth: String
  @Option(help: "The step's student network (ntk-init): its architecture.") var network: String
  @Option(help: "The layer: W1 … WL, u (W, V name W1, W2), or all.") var layer: String
  @OptionGroup var svm: SVMOptions
  @OptionGroup var output: OutputOptions
  @OptionGroup var logging: LogOptions

  func run() throws {
    let stage = InfiniteKernelBaseline(
      truthPath: truth, networkPath: network, layer: layer, parameters: svm.parameters,
      kernelMemory: svm.kernelMemory)
    try stage.run(output: output.output, log: logging.log(for: Self.self))
  }
}
