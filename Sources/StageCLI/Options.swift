import ArgumentParser
import StageSupport

/// Where a stage's artifact goes.
public struct OutputOptions: ParsableArguments {
  @Option(name: [.customShort("o"), .long], help: "The HDF5 file to write (written atomically).")
  public var output: String

  public init() {}
}

/// How much a stage says on stderr; every stage takes it.
public struct LogOptions: ParsableArguments {
  @Flag(name: .long, help: "Print no progress or log lines on stderr.")
  public var quiet = false
  @Option(help: "Seconds between progress lines when stderr is not a terminal (a make or cluster log).")
  public var progressSeconds = StageLog.defaultProgressSeconds

  public init() {}

  public func validate() throws {
    guard progressSeconds > 0, progressSeconds.isFinite else {
      throw ValidationError("--progress-seconds must be a positive number of seconds, got \(progressSeconds)")
    }
  }

  /// The log of `command`, its lines prefixed with the command's name.
  public func log(for command: any ParsableCommand.Type) -> StageLog {
    StageLog(program: command.configuration.commandName ?? "ntk", quiet: quiet, progressSeconds: progressSeconds)
  }
}

/// The shape of a network: input dimension (default 25) and hidden widths (default d,d).
public struct NetworkShapeOptions: ParsableArguments {
  @Option(name: .customLong("dim"), help: "Input dimension d (default: 25).")
  public var givenDimension: Int?
  @Option(help: "Hidden widths, comma-separated (default: d,d).")
  var widths: Widths?

  public init() {}

  public var inputDimension: Int { givenDimension ?? 25 }

  public var hiddenWidths: [Int] { widths?.values ?? [inputDimension, inputDimension] }

  /// --widths as given; nil for the default d,d (when d comes from elsewhere, e.g. a ground-truth file).
  public var givenWidths: [Int]? { widths?.values }

  public func validate() throws {
    guard inputDimension > 0 else { throw ValidationError("--dim must be positive, got \(inputDimension)") }
  }
}

/// The inputs of the stages that look at a student on the data: the ground
/// truth, the network, and whether label-dependent test features may be used.
public struct StudentInputs: ParsableArguments {
  @Option(help: "The ground-truth file (ntk-truth).") public var truth: String
  @Option(help: "The step's student network (ntk-init).") public var network: String
  @Flag(
    help: """
      Use test features of a label-dependent kind anyway (they carry the test labels; results are marked leaked).
      """)
  public var allowLabelLeak = false

  public init() {}
}
