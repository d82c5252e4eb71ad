import Foundation

/// How far a sweep has got, as one line on stderr whenever a point finishes (and a mark when one starts).
///
/// Each point's recipe marks its start and its end in a folder of marks (`<point>.start`, `<point>.done`,
/// holding the times in seconds since 1970); marks older than this make (`since`) do not count. A finished
/// point's cost per training sample is its duration / M (M from the point's name, `M-<m>`; 1 without one), so
/// the time left is Σ over the points not finished of M·(mean cost per sample) divided by the points running
/// side by side: points that differ in M are scaled by M.
public struct SweepProgress {
  public var name: String
  public var folder: String
  public var points: [String]
  public var since: Double

  public init(name: String, folder: String, points: [String], since: Double) {
    self.name = name
    self.folder = folder
    self.points = points
    self.since = since
  }

  private func mark(_ point: String, _ kind: String) -> String {
    (folder as NSString).appendingPathComponent("\(point).\(kind)")
  }

  private func time(_ point: String, _ kind: String) -> Double? {
    guard let text = try? String(contentsOfFile: mark(point, kind), encoding: .utf8),
      let value = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)), value >= since
    else { return nil }
    return value
  }

  /// Marks `point` started now.
  public func start(_ point: String, now: Date = Date()) throws {
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try "\(now.timeIntervalSince1970)\n".write(toFile: mark(point, "start"), atomically: true, encoding: .utf8)
  }

  /// Marks `point` finished now and returns the sweep's line.
  public func finish(_ point: String, now: Date = Date()) throws -> String {
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try "\(now.timeIntervalSince1970)\n".write(toFile: mark(point, "done"), atomically: true, encoding: .utf8)
    return line(now: now.timeIntervalSince1970)
  }

  /// M of a point, from its name (`…_M-400_…`); 1 where the name has none.
  static func trainingSamples(_ point: String) -> Double {
    let name = (point as NSString).lastPathComponent
    for part in name.split(separator: "_") where part.hasPrefix("M-") {
      if let m = Double(part.dropFirst(2)) { return m }
    }
    return 1
  }

  func line(now: Double) -> String {
    let names = points.map { ($0 as NSString).lastPathComponent }
    var finished: [(m: Double, seconds: Double)] = []
    var running = 0
    var left: [Double] = []
    for (point, name) in zip(points, names) {
      let m = Self.trainingSamples(point)
      if let end = time(name, "done"), let begin = time(name, "start"), end >= begin {
        finished.append((m, end - begin))
      } else {
        left.append(m)
        if time(name, "start") != nil { running += 1 }
      }
    }
    let begun = points.compactMap { time(($0 as NSString).lastPathComponent, "start") }.min() ?? now
    let elapsed = "\(Self.duration(now - begun)) elapsed"
    guard !left.isEmpty else {
      return "\(name): \(points.count)/\(points.count) points done, \(elapsed): done"
    }
    let perSample = finished.map(\.seconds).reduce(0, +) / max(finished.map(\.m).reduce(0, +), 1e-300)
    let estimate = left.reduce(0, +) * perSample / Double(max(running, 1))
    let remaining = finished.isEmpty ? "time left not yet known" : "about \(Self.duration(estimate)) left"
    return "\(name): \(finished.count)/\(points.count) points done, \(running) running, \(elapsed), \(remaining)"
  }

  /// Seconds as "42 s", "3 min 12 s", "1 h 05 min".
  static func duration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    if s < 60 { return "\(s) s" }
    if s < 3600 { return "\(s / 60) min \(s % 60) s" }
    return "\(s / 3600) h " + String(format: "%02d", (s % 3600) / 60) + " min"
  }
}
