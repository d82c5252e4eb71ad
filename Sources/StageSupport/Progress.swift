import Foundation

/// Progress of a long loop on stderr: on a terminal a bar redrawn in place
/// with the rate and the time left; otherwise (make logs, cluster job logs) a
/// plain line every `log.progressSeconds` (5 s unless --progress-seconds says otherwise); nothing when the log
/// is quiet.
public final class Progress {
  private let log: StageLog
  private let label: String
  private let total: Int
  private let unit: String
  private let start = Date()
  private let interactive = isatty(2) != 0
  private var done = 0
  private var lastReport = Date.distantPast
  private var reported = false

  public init(_ log: StageLog, _ label: String, total: Int, unit: String = "samples") {
    self.log = log
    self.label = label
    self.total = total
    self.unit = unit
  }

  public func advance(by count: Int) {
    done += count
    if let now = due() { write(line(now: now)) }
  }

  /// Free-form status at the same cadence, for a loop whose length is not
  /// known in advance (a solver that stops on a certificate).
  public func report(_ status: @autoclosure () -> String) {
    if due() != nil { write("\(label): \(status())") }
  }

  /// Seconds since the start.
  public var elapsed: Double { Date().timeIntervalSince(start) }

  /// Closes the bar (on a terminal) and logs the total time, or `summary`.
  public func finish(_ summary: String? = nil) {
    guard !log.quiet else { return }
    if interactive && reported { write("") }
    log("\(label): \(summary ?? "\(done) \(unit)") in \(String(format: "%.2f", elapsed)) s")
  }

  /// Now, when a report is due (not quiet, and the last one long enough ago).
  private func due() -> Date? {
    let now = Date()
    guard !log.quiet, now.timeIntervalSince(lastReport) >= (interactive ? 0.2 : log.progressSeconds) else { return nil }
    lastReport = now
    reported = true
    return now
  }

  private func line(now: Date) -> String {
    let seconds = now.timeIntervalSince(start)
    let rate = seconds > 0 ? Double(done) / seconds : 0
    let left = rate > 0 ? Double(total - done) / rate : 0
    let fraction = total > 0 ? Double(done) / Double(total) : 1
    let text = "\(label): \(done)/\(total) \(unit), \(Self.si(rate)) \(unit)/s, \(String(format: "%.0f", left)) s left"
    guard interactive else { return text }
    let width = 24
    let filled = Int(fraction * Double(width))
    return "[\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(text)"
  }

  private func write(_ text: String) {
    let message =
      interactive ? "\r\u{1B}[K" + (text.isEmpty ? "" : "\(log.program): \(text)") : "\(log.program): \(text)\n"
    writeToStandardError(message)
  }

  static func si(_ value: Double) -> String {
    value >= 1e6
      ? String(format: "%.1fM", value / 1e6)
      : value >= 1e3 ? String(format: "%.1fk", value / 1e3) : String(format: "%.0f", value)
  }
}
