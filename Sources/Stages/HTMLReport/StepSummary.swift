import Foundation
import HDF5IO
import Plot

/// One step of a run as its section shows it: the SVM's solver, duality gap and objectives, the features'
/// storage, the K∞ baseline's mode and the trained baseline's measures (where the baselines ran), and the
/// step's plots (`spectrum.svg`, `training-curve.svg`) where they were drawn.
struct StepSummary {
  var label: String
  var folder: String
  var relativeFolder: String
  var facts: [(String, Node<HTML.BodyContext>)] = []
  var figures: [Node<HTML.BodyContext>] = []

  init(label: String, relativeFolder: String, in runFolder: String) throws {
    self.label = label
    self.relativeFolder = relativeFolder
    folder = (runFolder as NSString).appendingPathComponent(relativeFolder)
    func file(_ name: String) throws -> HDF5File? {
      let path = (folder as NSString).appendingPathComponent(name)
      return FileManager.default.fileExists(atPath: path) ? try HDF5File.open(path) : nil
    }
    if let features = try file("features.h5") {
      facts.append(("features", .plain(attributes(features, ["feature_kind", "storage"]))))
    }
    if let svm = try file("svm.h5") {
      facts.append(("solver", .plain(attributes(svm, ["solver", "solved_from"]))))
      facts += [
        ("duality gap", "duality_gap"), ("primal objective", "primal_objective"),
        ("dual objective", "dual_objective"),
      ].map { ($0.0, number(svm, $0.1)) }
    }
    if let infinite = try file("infinite.h5") {
      let mode = (try? infinite.string("approximation")) ?? "not recorded"
      let landmarks = (try? infinite.integer("landmarks")).map { ", k = \($0) landmarks" } ?? ""
      facts.append(("K∞ baseline", .plain(mode == "nystrom" ? "Nyström" + landmarks : mode)))
    }
    if let trained = try file("trained.h5") {
      facts += [
        ("gradient descent steps", "steps"), ("learning rate", "learning_rate"),
        ("kernel distance", "kernel_distance"),
      ].map { ($0.0, number(trained, $0.1)) }
      if let change = try? trained.read("/trajectory/relative_weight_change", as: Double.self).values.last {
        facts.append(("relative weight change", PageParts.exactNumber(change)))
      }
    }
    for (name, caption, alternative) in [
      (
        "spectrum.svg", "Step \(label): eigenvalue decay and cumulative target power of each kernel.",
        "Plot of step \(label)'s kernel spectra: eigenvalue against index (log–log) and cumulative target power."
      ),
      (
        "training-curve.svg", "Step \(label): the trained baseline's loss and errors against the step.",
        "Plot of step \(label)'s gradient descent: training loss and train and test error against the step."
      ),
    ] {
      let path = (folder as NSString).appendingPathComponent(name)
      if FileManager.default.fileExists(atPath: path) {
        figures.append(try PageParts.figure(svgPath: path, caption: caption, alternative: alternative))
      }
    }
  }

  private func attributes(_ file: HDF5File, _ names: [String]) -> String {
    names.compactMap { try? file.string($0) }.joined(separator: "; ")
  }

  private func number(_ file: HDF5File, _ name: String) -> Node<HTML.BodyContext> {
    if case .integer(let value) = try? file.attribute(name) { return .plain("\(value)") }
    guard let value = try? file.number(name) else { return .plain("not recorded") }
    return PageParts.exactNumber(value)
  }

  var anchor: String { "step-" + HTMLEscaping.anchor(label) }

  var section: Node<HTML.BodyContext> {
    .section(
      .id(anchor),
      .h3(.plain("Step \(label)")),
      PageParts.facts(facts),
      .group(figures))
  }
}
