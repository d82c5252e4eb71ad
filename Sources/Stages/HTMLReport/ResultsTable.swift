import Artifacts
import Plot
import Tables

/// The run's table as results.md shows it — a row per step, a pair of columns (train, test) per model — with
/// every number's exact text from results.csv in its cell's `data-value` (and the cell's model and column in
/// `data-model`, `data-column`). A model's CSV name marks an approximation (`_nystrom`) and a leaked test
/// error (`_leaked`); its heading says so, as results.md does.
struct ResultsTable {
  var csv: CSVTable

  /// The heading of a model's CSV name: its label, marked as approximate or leaked; an unknown name as it is.
  static func label(_ csvName: String) -> String {
    var name = csvName
    let leaked = name.hasSuffix("_leaked")
    if leaked { name.removeLast("_leaked".count) }
    let approximate = name.hasSuffix("_nystrom")
    if approximate { name.removeLast("_nystrom".count) }
    guard let model = Model(rawValue: name) else { return csvName }
    return model.label + (approximate ? " (Nyström)" : "") + (leaked ? " (leaked)" : "")
  }

  var node: Node<HTML.BodyContext> {
    let column = { (name: String) in csv.columns.firstIndex(of: name) }
    guard let step = column("step"), let model = column("model"), let train = column("train_error"),
      let test = column("test_error")
    else {
      return PageParts.csvTable(csv, id: "results-table", caption: "Results", sortable: true)
    }
    let steps = csv.rows.map { $0[step] }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    let models = csv.rows.map { $0[model] }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    let table = Node<HTML.BodyContext>.table(
      .id("results-table"), .class("plain"),
      .caption(.plain("0-1 error (train, test) of every model, per step")),
      .thead(
        .tr(
          .th(.attribute(named: "scope", value: "col"), .attribute(named: "rowspan", value: "2"), "step"),
          .forEach(models) { name in
            .th(
              .attribute(named: "scope", value: "colgroup"), .attribute(named: "colspan", value: "2"),
              .plain(Self.label(name)))
          }),
        .tr(.forEach(models) { _ in .group(PageParts.headerCell("train"), PageParts.headerCell("test")) })),
      .tbody(
        .forEach(steps) { label in
          .tr(
            .th(.attribute(named: "scope", value: "row"), .plain(label)),
            .forEach(models) { name in
              guard let row = csv.rows.first(where: { $0[step] == label && $0[model] == name }) else {
                return .group(.td(), .td())
              }
              return .group(
                cell(row[train], model: name, column: "train_error"), cell(row[test], model: name, column: "test_error")
              )
            })
        })
    )
    return PageParts.box(table, label: "Results")
  }

  private func cell(_ field: String, model: String, column: String) -> Node<HTML.TableRowContext> {
    .td(
      .class("num"), .escapedAttribute("data-value", field), .escapedAttribute("data-model", model),
      .attribute(named: "data-column", value: column), .plain(PageParts.shown(field)))
  }
}
