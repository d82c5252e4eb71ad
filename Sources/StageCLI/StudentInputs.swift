import ArgumentParser

/// The inputs of the stages that look at a student on the data: the ground
/// truth, the network, and whether label-dependent test features may be used.
public struct StudentInputs: ParsableArguments {
  @Option(help: "The ground-truth file (ntk-truth).") public var truth: String
  @Option(help: "The step's student network (ntk-init).") public var network: String
  @Flag(help: "Use test features of a label-dependent kind anyway (they carry the test labels; results are marked leaked).")
  public var allowLabelLeak = false

  public init() {}
}
