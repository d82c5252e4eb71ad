import Foundation
import Plot
import Tables

/// The parts both pages are made of: the document, tables of numbers, figures, lists of facts.
enum PageParts {
  /// The whole page. Sections are separated by line breaks, and the time of writing is alone on the last
  /// line but one: two pages written from the same files differ in that line only.
  static func document(title: String, sections: [Node<HTML.BodyContext>], written: Date) -> String {
    let head = HTML(
      .lang(.english),
      .head(
        .meta(.charset(.utf8)),
        .meta(.name("viewport"), .content("width=device-width, initial-scale=1")),
        .meta(.name("color-scheme"), .content("light dark")),
        .element(named: "title", nodes: [.plain(title)]),
        .link(.rel(.icon), .href("data:,")),
        .style(PageStyle.css)
      )
    ).render()
    // Plot closes the document; the body is written after its head, section by section.
    let opening = head.replacingOccurrences(of: "<body></body></html>", with: "")
      .replacingOccurrences(of: "</html>", with: "")
    let body = sections.map { Node<HTML.BodyContext>.group([$0]).render() }
    let time = ISO8601DateFormatter().string(from: written)
    let footer = Node<HTML.BodyContext>.footer(.p(.plain("Written \(time) by ntk-html-report."))).render()
    let script = Node<HTML.BodyContext>.script(.raw(PageStyle.sortScript)).render()
    return ([opening + "<body>"] + body + [footer, script + "</body></html>"]).joined(separator: "\n") + "\n"
  }

  /// A number from a CSV field as shown: integers as written, others to 4 significant digits; the exact
  /// text stays in the cell's `data-value`. An empty field (not reported) shows as a dash.
  static func shown(_ field: String) -> String {
    guard !field.isEmpty else { return "–" }
    guard let value = Double(field) else { return field }
    if !field.contains(where: { ".eE".contains($0) }) { return field }
    return format(rounded(value, significantDigits: 4))
  }

  static func numberCell(_ field: String, suffix: String = "") -> Node<HTML.TableRowContext> {
    .td(.class("num"), .escapedAttribute("data-value", field), .plain(shown(field) + suffix))
  }

  static func headerCell(_ text: String) -> Node<HTML.TableRowContext> {
    .th(.attribute(named: "scope", value: "col"), .plain(text))
  }

  /// A table in a box of its own that scrolls sideways when wider than the page.
  static func box(_ table: Node<HTML.BodyContext>, label: String) -> Node<HTML.BodyContext> {
    .div(
      .class("scroll"), .attribute(named: "role", value: "region"), .escapedAttribute("aria-label", label),
      .attribute(named: "tabindex", value: "0"), table)
  }

  /// A CSV file as a table: a column per CSV column, numbers with their exact text in `data-value`. A column
  /// `X_mean` with a column `X_std` beside it (or `mean` with `std`) shows as one, "mean ± std", with the
  /// standard deviation's exact text in `data-std`. With `factoring`, a column that holds the same value in
  /// every row is said once above the table (its value in `data-value` there) instead of in each row.
  static func csvTable(
    _ csv: CSVTable, id: String, caption: String, sortable: Bool, factoring: Bool = false
  ) -> Node<HTML.BodyContext> {
    let numeric = csv.columns.indices.map { k in
      csv.rows.contains { !$0[k].isEmpty } && csv.rows.allSatisfy { $0[k].isEmpty || Double($0[k]) != nil }
    }
    let constant = Set(
      csv.columns.indices.filter { k in
        factoring && csv.rows.count > 1 && csv.rows.allSatisfy { $0[k] == csv.rows[0][k] }
      })
    var shownColumns: [(index: Int, std: Int?, header: String)] = []
    var merged = Set<Int>()
    for (k, name) in csv.columns.enumerated() where !merged.contains(k) && !constant.contains(k) {
      if name.hasSuffix("mean"), let s = csv.columns.firstIndex(of: name.dropLast(4) + "std"), numeric[k],
        !constant.contains(s)
      {
        merged.insert(s)
        let stem = String(name.dropLast(4)).replacingOccurrences(of: "_", with: " ")
        shownColumns.append((k, s, stem + (stem.isEmpty ? "" : " ") + "mean ± std"))
      } else {
        shownColumns.append((k, nil, name.replacingOccurrences(of: "_", with: " ")))
      }
    }
    shownColumns.removeAll { merged.contains($0.index) }
    let table = Node<HTML.BodyContext>.table(
      .id(id), .class(sortable ? "sortable" : "plain"),
      .caption(.plain(caption)),
      .thead(.tr(.forEach(shownColumns) { headerCell($0.header) })),
      .tbody(
        .forEach(csv.rows) { row in
          .tr(
            .forEach(shownColumns) { column in
              guard numeric[column.index] else { return .td(.plain(row[column.index])) }
              guard let s = column.std else { return numberCell(row[column.index]) }
              return .td(
                .class("num"), .escapedAttribute("data-value", row[column.index]),
                .escapedAttribute("data-std", row[s]),
                .plain(shown(row[column.index]) + (row[s].isEmpty ? "" : " ± " + shown(row[s]))))
            })
        })
    )
    let constants = csv.columns.indices.filter(constant.contains)
    return .group(
      .if(
        !constants.isEmpty,
        .p(
          .id(id + "-constants"), .plain("In every row: "),
          .forEach(Array(constants.enumerated())) { position, k in
            .group(
              .span(
                .escapedAttribute("data-column", csv.columns[k]), .escapedAttribute("data-value", csv.rows[0][k]),
                .plain(csv.columns[k].replacingOccurrences(of: "_", with: " ") + " = "),
                .code(.plain(csv.rows[0][k].isEmpty ? "(empty)" : csv.rows[0][k]))),
              .plain(position + 1 < constants.count ? "; " : "."))
          })),
      box(table, label: caption))
  }

  /// A plot, inline: the SVG file as a data URL in an image (its markup cannot touch the page), with a
  /// caption and a text alternative.
  static func figure(svgPath: String, caption: String, alternative: String) throws -> Node<HTML.BodyContext> {
    guard let data = FileManager.default.contents(atPath: svgPath) else {
      throw ReportError(file: svgPath, "cannot be read")
    }
    return .element(
      named: "figure",
      nodes: [
        .img(.src("data:image/svg+xml;base64," + data.base64EncodedString()), .alt(HTMLEscaping.escape(alternative))),
        .element(named: "figcaption", nodes: [.plain(caption)]),
      ])
  }

  /// Facts as a definition list: name, then value (text, or a node).
  static func facts(_ items: [(String, Node<HTML.BodyContext>)]) -> Node<HTML.BodyContext> {
    .dl(.forEach(items) { item in .group(.dt(.plain(item.0)), .dd(item.1)) })
  }

  static func code(_ text: String) -> Node<HTML.BodyContext> { .code(.plain(text)) }

  static func badge(_ status: String, _ kind: String) -> Node<HTML.BodyContext> {
    .span(.class("badge " + kind), .plain(status))
  }
}

/// A file the report cannot use: `<file>: <problem>`.
struct ReportError: Error, CustomStringConvertible {
  var description: String
  init(file: String, _ problem: String) { description = "\(file): \(problem)" }
}

extension PageParts {
  /// A number from an attribute: rounded, its exact value (the shortest text that reads back the same
  /// double) in `data-value`.
  static func exactNumber(_ value: Double) -> Node<HTML.BodyContext> {
    let exact = format(value)
    return .span(.class("num"), .escapedAttribute("data-value", exact), .plain(shown(exact)))
  }
}
