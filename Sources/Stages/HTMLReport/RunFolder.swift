import Foundation

/// A run folder as the pages read it: its step folders and its HDF5 artifacts.
struct RunFolder {
  var path: String

  func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
  func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: file(name)) }

  /// The folders holding a step's evaluation (eval.h5), by name.
  var stepFolders: [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().filter { exists($0 + "/eval.h5") }
  }

  /// The artifacts there, relative to the folder: truth.h5, then each step's in the order the pipeline makes them.
  func artifacts(steps: [String]) -> [String] {
    let names = [
      "network.h5", "features.h5", "svm.h5", "eval.h5", "infinite.h5", "trained.h5", "spectrum.h5", "theory.h5",
    ]
    return (["truth.h5"] + steps.flatMap { step in names.map { step + "/" + $0 } }).filter(exists)
  }
}
