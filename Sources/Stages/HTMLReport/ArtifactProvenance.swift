import Foundation
import HDF5IO
import Plot

/// One artifact as the provenance section shows it: where it came from (the attributes every artifact
/// records: `command_line`, `program_version`, `created_utc`, `input_files`, `input_digests`,
/// `content_digest`), its datasets (name, shape, dtype, description: `h5ls -r`, readable), and whether its
/// recorded command is the one the current parameters would run.
struct ArtifactProvenance {
  /// The path relative to the page's folder (the link), and the file itself.
  var relativePath: String
  var path: String
  var program: String
  var commandLine: String
  var version: String
  var created: String
  var inputs: [(file: String, digest: String)]
  var contentDigest: String
  /// The stage's own time where it records one (`training_seconds`).
  var seconds: Double?
  var datasets: [(name: String, shape: [Int], type: String, description: String)]
  var freshness: Freshness

  init(relativePath: String, in folder: String, records: CacheRecords) throws {
    self.relativePath = relativePath
    path = (folder as NSString).appendingPathComponent(relativePath)
    let file = try HDF5File.open(path)
    func text(_ name: String) -> String { (try? file.string(name)) ?? "not recorded" }
    program = text("program")
    commandLine = text("command_line")
    version = text("program_version")
    created = text("created_utc")
    contentDigest = text("content_digest")
    func strings(_ name: String) -> [String] {
      switch try? file.attribute(name) {
      case .strings(let values): values
      case .string(let value): [value]
      default: []
      }
    }
    let files = strings("input_files")
    let digests = strings("input_digests")
    inputs = files.enumerated().map { ($1, $0 < digests.count ? digests[$0] : "not recorded") }
    seconds = try? file.number("training_seconds")
    datasets = try file.datasetPaths().map { name in
      let dataset = try file.dataset(name)
      let description = (try? file.string("description", of: name)) ?? ""
      return (name, dataset.shape, dataset.elementTypeName, description)
    }
    freshness = records.freshness(of: relativePath)
  }

  var anchor: String { "artifact-" + HTMLEscaping.anchor(relativePath) }

  /// The stage binary's digest as Make stamps it now (`<binary>.sha256` beside the binary the command ran).
  var binaryDigest: String {
    guard let binary = commandLine.split(separator: " ").first,
      let stamp = try? String(contentsOfFile: String(binary) + ".sha256", encoding: .utf8),
      let digest = stamp.split(separator: " ").first
    else { return "no stamp beside the binary" }
    return "sha256 " + digest
  }

  var section: Node<HTML.BodyContext> {
    .section(
      .id(anchor),
      .h3(
        .a(.escapedAttribute("href", HTMLEscaping.urlPath(relativePath)), .plain(relativePath)), .text(" "),
        freshness.badge),
      PageParts.facts(
        [
          ("program", PageParts.code(program)),
          ("command", .pre(.plain(commandLine))),
          ("stage binary now", PageParts.code(binaryDigest)),
          ("version", .plain(version)),
          ("written", .plain(created)),
          ("time", .plain(seconds.map { "\(PageParts.shown("\($0)")) s (the solve)" } ?? "not recorded")),
          ("content digest", PageParts.code(contentDigest)),
          (
            "inputs",
            inputs.isEmpty
              ? .plain("none")
              : .ul(
                .forEach(inputs) { input in .li(PageParts.code(input.file), .text(" "), PageParts.code(input.digest)) })
          ),
        ] + freshness.details),
      PageParts.box(listing, label: "datasets of " + relativePath)
    )
  }

  private var listing: Node<HTML.BodyContext> {
    .table(
      .class("plain"),
      .caption(.plain("Datasets of " + relativePath)),
      .thead(
        .tr(
          PageParts.headerCell("name"), PageParts.headerCell("shape"), PageParts.headerCell("dtype"),
          PageParts.headerCell("description"))),
      .tbody(
        .forEach(datasets) { dataset in
          .tr(
            .td(PageParts.code(dataset.name)),
            .td(.plain(dataset.shape.isEmpty ? "scalar" : dataset.shape.map(String.init).joined(separator: " × "))),
            .td(.plain(dataset.type)), .td(.plain(dataset.description)))
        })
    )
  }
}
