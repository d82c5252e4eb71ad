import Foundation
import LinearSVM
import NTKMath

extension DualCoordinateDescent {
  /// Solves with progress on the stage's log: passes, the duality gap and the time left.
  public static func solve(
    rows: FeatureRows, labels: [Double], parameters: Parameters, log: StageLog, label: String
  ) throws -> Result {
    let progress = Progress(log, "\(label): linear solver", total: parameters.maxPasses, unit: "passes")
    let result = try solve(rows: rows, labels: labels, parameters: parameters) { status in
      let left = status.passesLeft.map {
        String(format: ", about %.0f passes (%.0f s) left", $0, progress.elapsed / status.passes * $0)
      }
      progress.report(
        String(format: "%.1f passes, relative duality gap %.2e", status.passes, status.gap)
          + " (tolerance \(parameters.tolerance))" + (left ?? ""))
    }
    progress.finish(
      String(format: "%@, %.1f passes, %d steps, relative duality gap %.2e", result.method, result.passes,
        result.steps, result.objectives.relativeGap))
    return result
  }
}

extension Progress {
  /// An observer of libsvm's iterations for this progress.
  public var libsvmIterations: (Int) -> Void {
    { [self] iterations in report("libsvm: \(iterations) iterations, \(String(format: "%.0f", elapsed)) s") }
  }
}
