/// The page's style and its one script, inline: the page requests nothing.
///
/// Plain HTML and CSS carry everything; the script only adds sorting to tables marked `sortable` (a button
/// in each column's header; numbers by their exact `data-value`, empty cells last). Wide tables scroll inside
/// their box, so the page itself never scrolls sideways; plots sit on white, so gnuplot's dark lines stay
/// legible in the dark scheme; every colour pair has a contrast of at least 4.5:1 (WCAG AA) in both schemes.
enum PageStyle {
  static let css = """
    :root{color-scheme:light dark;--fg:#1a1a1a;--bg:#fff;--muted:#4d4d4d;--line:#ccc;--head:#f0f0f0;\
    --link:#0645ad;--code:#f4f4f4;--ok-fg:#1d5e20;--ok-bg:#e3f4e3;--bad-fg:#8a1c13;--bad-bg:#fde2e1;\
    --none-fg:#4d4d4d;--none-bg:#ececec}
    @media (prefers-color-scheme:dark){:root{--fg:#e6e6e6;--bg:#121212;--muted:#b3b3b3;--line:#444;\
    --head:#1f1f1f;--link:#8ab4f8;--code:#1e1e1e;--ok-fg:#c8f0c9;--ok-bg:#173b19;--bad-fg:#ffd7d3;\
    --bad-bg:#4a1512;--none-fg:#d0d0d0;--none-bg:#2a2a2a}}
    html{background:var(--bg);color:var(--fg)}
    body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.45;max-width:75rem;\
    margin:0 auto;padding:0 1rem 2rem;overflow-wrap:anywhere}
    a{color:var(--link)}
    h1{font-size:1.6rem;margin:1rem 0 .25rem}h2{font-size:1.3rem;margin-top:2rem;border-bottom:1px solid var(--line)}
    h3{font-size:1.1rem;margin-top:1.5rem}
    nav ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;padding:0;list-style:none}
    code,pre{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.9em;background:var(--code)}
    pre{padding:.5rem;white-space:pre-wrap;overflow-wrap:anywhere}
    .muted{color:var(--muted)}
    .scroll{overflow-x:auto;max-width:100%;margin:.5rem 0}
    table{border-collapse:collapse;font-size:.92rem;overflow-wrap:normal}td{white-space:nowrap}
    caption{text-align:left;font-weight:600;padding:.25rem 0;caption-side:top}
    th,td{border:1px solid var(--line);padding:.2rem .45rem;vertical-align:top}
    thead th{background:var(--head)}
    td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
    th button{font:inherit;color:inherit;background:none;border:0;padding:0;cursor:pointer;text-align:left}
    th[aria-sort=ascending] button::after{content:" \\2191"}th[aria-sort=descending] button::after{content:" \\2193"}
    dl{display:grid;grid-template-columns:minmax(8rem,max-content) 1fr;gap:.15rem .75rem;margin:.5rem 0}
    dt{font-weight:600}dd{margin:0;min-width:0}dd pre{margin:0}
    @media (max-width:40rem){dl{grid-template-columns:1fr}dd{margin-bottom:.4rem}}
    figure{margin:1rem 0}figure img{display:block;max-width:min(100%,56rem);height:auto;background:#fff;padding:.25rem;\
    box-sizing:border-box}
    figcaption{font-size:.9rem;color:var(--muted)}
    .badge{display:inline-block;padding:0 .4rem;border-radius:.3rem;font-size:.85rem;font-weight:600}
    .ok{color:var(--ok-fg);background:var(--ok-bg)}.stale{color:var(--bad-fg);background:var(--bad-bg)}
    .unchecked{color:var(--none-fg);background:var(--none-bg)}
    footer{margin-top:2rem;font-size:.85rem;color:var(--muted)}
    @media print{.scroll{overflow:visible}a{color:inherit}h2,h3{break-after:avoid}figure,tr{break-inside:avoid}}
    """

  static let sortScript = """
    document.querySelectorAll("table.sortable").forEach(function (table) {
      var body = table.tBodies[0];
      table.querySelectorAll("thead th[scope=col]").forEach(function (th, column) {
        var button = document.createElement("button");
        button.type = "button";
        while (th.firstChild) button.appendChild(th.firstChild);
        th.appendChild(button);
        button.addEventListener("click", function () {
          var ascending = th.getAttribute("aria-sort") !== "ascending";
          table.querySelectorAll("thead th").forEach(function (other) { other.removeAttribute("aria-sort"); });
          th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
          function key(row) {
            var cell = row.cells[column], value = cell.getAttribute("data-value");
            if (value === null) return cell.textContent;
            return value === "" ? null : parseFloat(value);
          }
          var rows = Array.prototype.slice.call(body.rows);
          rows.sort(function (a, b) {
            var x = key(a), y = key(b);
            if (x === null || y === null) return x === y ? 0 : (x === null ? 1 : -1);
            var order = typeof x === "number" ? x - y : String(x).localeCompare(String(y));
            return ascending ? order : -order;
          });
          rows.forEach(function (row) { body.appendChild(row); });
        });
      });
    });
    """
}
