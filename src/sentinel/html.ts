/**
 * The HTML report: one self-contained file (no network — a Content-Security-Policy forbids every
 * fetch) with summary counts, a timeline of decisions, the violations table and the delegation graph
 * (agents as nodes, handoffs as edges, rejected handoffs highlighted; click an edge for its decisions).
 *
 * The graph is drawn by Cytoscape.js, whose minified build is inlined: the package build copies it
 * to `dist/src/sentinel/assets/` (with its licence), and a source checkout reads it from
 * `node_modules`. The report's data travels as JSON in a non-executable script element and is only
 * ever written into the page with `textContent`, so hostile agent ids or reasons cannot inject markup.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { SentinelReport } from './types.js';

export interface HtmlReportOptions {
  /** The page title (default "trusthandoff audit report"). */
  readonly title?: string;
  /** The graph library's source, when the caller has it (default: the bundled Cytoscape.js). */
  readonly graphLibrarySource?: string;
}

let cachedLibrary: string | undefined;

function graphLibrary(): string {
  if (cachedLibrary !== undefined) return cachedLibrary;
  const shipped = fileURLToPath(new URL('./assets/cytoscape.min.js', import.meta.url));
  try {
    cachedLibrary = readFileSync(shipped, 'utf8');
  } catch {
    const require = createRequire(import.meta.url);
    cachedLibrary = readFileSync(require.resolve('cytoscape/dist/cytoscape.min.js'), 'utf8');
  }
  return cachedLibrary;
}

/** Inline text is safe inside a `<script>` element once `</` and `<!--` cannot end it early. */
function scriptSafe(text: string): string {
  return text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Render a report as one self-contained HTML document. */
export function renderHtmlReport(report: SentinelReport, options: HtmlReportOptions = {}): string {
  const title = escapeHtml(options.title ?? 'trusthandoff audit report');
  const library = scriptSafe(options.graphLibrarySource ?? graphLibrary());
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${title}</h1><p class="muted">generated <span id="generated"></span> · source_system trusthandoff</p></header>
<section id="summary" aria-label="summary"></section>
<section><h2>Delegation graph</h2>
<p class="muted">Agents are nodes, handoffs are edges (label: accepted / rejected). Red edges carry at least one rejection. Click an edge to list its decisions.</p>
<div id="graph-wrap"><div id="graph" data-testid="graph"></div>
<aside id="edge-panel" data-testid="edge-panel"><h3 id="edge-title">Select an edge</h3><table id="edge-decisions" data-testid="edge-decisions"><thead><tr><th>time</th><th>kind</th><th>decision</th><th>reason</th><th>packet</th></tr></thead><tbody></tbody></table></aside></div>
</section>
<section><h2>Timeline of decisions</h2><svg id="timeline-strip" data-testid="timeline-strip" role="img" aria-label="decisions over time"></svg>
<table id="timeline" data-testid="timeline"><thead><tr><th>time</th><th>kind</th><th>decision</th><th>from</th><th>to</th><th>reason</th><th>packet</th></tr></thead><tbody></tbody></table></section>
<section><h2>Violations</h2><table id="violations" data-testid="violations"><thead><tr><th>severity</th><th>type</th><th>detail</th><th>event</th><th>trace</th></tr></thead><tbody></tbody></table></section>
<section id="gaps-section"><h2>Log integrity</h2><table id="log-gaps" data-testid="log-gaps"><thead><tr><th>source</th><th>line</th><th>kind</th><th>expected seq</th><th>found seq</th><th>verifiers</th></tr></thead><tbody></tbody></table></section>
<footer class="muted">Graph drawn with Cytoscape.js (MIT licence), inlined.</footer>
<script type="application/json" id="report-data">${jsonForScript(report)}</script>
<script>${library}</script>
<script>${scriptSafe(PAGE_SCRIPT)}</script>
</body>
</html>
`;
}

const STYLE = `
:root{--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--muted:#57606a;--line:#d0d7de}
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0 auto;max-width:1200px;padding:16px 24px;color:#1f2328}
h1{font-size:22px;margin:0}h2{font-size:17px;margin:28px 0 8px}h3{font-size:14px;margin:0 0 8px}
.muted{color:var(--muted)}
#summary{display:flex;flex-wrap:wrap;gap:10px;margin-top:14px}
.card{border:1px solid var(--line);border-radius:8px;padding:8px 14px;min-width:110px}
.card b{display:block;font-size:22px}
.card.bad b{color:var(--bad)}.card.ok b{color:var(--ok)}.card.warn b{color:var(--warn)}
#graph-wrap{display:flex;gap:12px}
#graph{flex:2;height:440px;border:1px solid var(--line);border-radius:8px}
#edge-panel{flex:1;border:1px solid var(--line);border-radius:8px;padding:10px;overflow:auto;max-height:420px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f6f8fa}
#edge-decisions{font-size:12px}#edge-decisions td:nth-child(-n+3),#edge-decisions th{white-space:nowrap;overflow-wrap:normal}
.ACCEPT{color:var(--ok);font-weight:600}.REJECT,.ERROR{color:var(--bad);font-weight:600}.WARN{color:var(--warn);font-weight:600}
#timeline-strip{width:100%;height:46px;border:1px solid var(--line);border-radius:8px;margin-bottom:8px}
#gaps-section.empty{display:none}
footer{margin-top:30px}
`;

// Runs in the page. Plain ES2017, no imports; every untrusted string goes through textContent.
const PAGE_SCRIPT = `
(function () {
  'use strict';
  var report = JSON.parse(document.getElementById('report-data').textContent);
  var c = report.counts;
  function el(tag, text, cls) { var e = document.createElement(tag); if (text !== undefined) e.textContent = String(text); if (cls) e.className = cls; return e; }
  function row(tbody, cells) { var tr = document.createElement('tr'); cells.forEach(function (cell) { var td = el('td', cell[0], cell[1]); tr.appendChild(td); }); tbody.appendChild(tr); return tr; }
  function short(id) { id = String(id); return id.length > 28 ? id.slice(0, 18) + '…' + id.slice(-6) : id; }
  document.getElementById('generated').textContent = report.generated_at;

  // [label, value, class, test id]
  var cards = [
    ['events', c.events, '', 'events'], ['handoffs accepted', c.decisions.accepted, 'ok', 'accepted'],
    ['handoffs rejected', c.decisions.rejected, c.decisions.rejected ? 'bad' : '', 'rejected'],
    ['violations', c.violations, c.violations ? 'bad' : 'ok', 'violations'],
    ['WARN events', c.by_severity.WARN, c.by_severity.WARN ? 'warn' : '', 'WARN-events'],
    ['ERROR events', c.by_severity.ERROR, c.by_severity.ERROR ? 'bad' : '', 'ERROR-events'],
    ['agents', 0, '', 'agents'], ['log gaps', report.log_gaps.length, report.log_gaps.length ? 'bad' : 'ok', 'log-gaps']
  ];
  var agents = {};
  report.handoffs.forEach(function (h) { agents[h.from_agent] = true; agents[h.to_agent] = true; });
  cards[6][1] = Object.keys(agents).length;
  if (c.attestations.accepted + c.attestations.rejected > 0)
    cards.splice(3, 0, ['results verified', c.attestations.accepted, 'ok', 'results-verified'],
      ['results rejected', c.attestations.rejected, c.attestations.rejected ? 'bad' : '', 'results-rejected']);
  var summary = document.getElementById('summary');
  cards.forEach(function (card) {
    var div = el('div', undefined, 'card ' + card[2]); div.setAttribute('data-testid', 'count-' + card[3]);
    div.appendChild(el('b', card[1])); div.appendChild(el('span', card[0])); summary.appendChild(div);
  });

  var timelineBody = document.querySelector('#timeline tbody');
  report.timeline.forEach(function (d) {
    row(timelineBody, [[d.timestamp], [d.kind], [d.decision, d.decision], [short(d.from_agent || '')], [short(d.to_agent || '')], [d.reason], [d.packet_id || '']]);
  });
  var strip = document.getElementById('timeline-strip');
  var times = report.timeline.map(function (d) { return Date.parse(d.timestamp); }).filter(isFinite);
  if (times.length > 0) {
    var lo = Math.min.apply(null, times), hi = Math.max.apply(null, times), span = Math.max(hi - lo, 1);
    var ns = 'http://www.w3.org/2000/svg', width = strip.clientWidth || 1000;
    report.timeline.forEach(function (d) {
      var t = Date.parse(d.timestamp); if (!isFinite(t)) return;
      var dot = document.createElementNS(ns, 'circle');
      dot.setAttribute('cx', String(10 + (width - 20) * (t - lo) / span));
      dot.setAttribute('cy', d.decision === 'ACCEPT' ? '15' : '31'); dot.setAttribute('r', '5');
      dot.setAttribute('fill', d.decision === 'ACCEPT' ? '#1a7f37' : '#cf222e');
      dot.setAttribute('class', 'tick ' + d.decision);
      var tip = document.createElementNS(ns, 'title'); tip.textContent = d.timestamp + ' ' + d.decision + ' ' + d.reason; dot.appendChild(tip);
      strip.appendChild(dot);
    });
  }

  var vBody = document.querySelector('#violations tbody');
  report.violations.forEach(function (v) {
    var detail = Object.keys(v.detail).filter(function (k) { return v.detail[k] !== null; })
      .map(function (k) { var x = v.detail[k]; return k + '=' + (typeof x === 'string' ? x : JSON.stringify(x)); }).join('  ');
    row(vBody, [[v.severity, v.severity], [v.violation_type], [detail], [v.source_event_id || ''], [v.trace_id || '']]);
  });
  if (report.violations.length === 0) row(vBody, [['none'], [''], [''], [''], ['']]).setAttribute('data-empty', 'true');

  var gBody = document.querySelector('#log-gaps tbody');
  report.log_gaps.forEach(function (g) {
    row(gBody, [[g.source], [g.line === null ? '' : g.line], [g.kind, 'ERROR'], [g.expected_seq === null ? '' : g.expected_seq], [g.found_seq === null ? '' : g.found_seq], [g.verifier_ids.join(', ')]]);
  });
  if (report.log_gaps.length === 0) document.getElementById('gaps-section').className = 'empty';

  var elements = [];
  Object.keys(agents).forEach(function (a, i) { elements.push({ data: { id: 'n' + i, agent: a, label: short(a) } }); });
  var nodeId = {}; elements.forEach(function (n) { nodeId[n.data.agent] = n.data.id; });
  report.handoffs.forEach(function (h, i) {
    elements.push({ data: { id: 'e' + i, index: i, source: nodeId[h.from_agent], target: nodeId[h.to_agent],
      label: h.accepted + ' / ' + h.rejected, rejected: h.rejected > 0 ? 1 : 0 } });
  });
  var edgeTitle = document.getElementById('edge-title');
  var edgeBody = document.querySelector('#edge-decisions tbody');
  function showEdge(i) {
    var h = report.handoffs[i];
    edgeTitle.textContent = short(h.from_agent) + ' → ' + short(h.to_agent) + ': ' + h.accepted + ' accepted, ' + h.rejected + ' rejected';
    edgeBody.textContent = '';
    h.decisions.forEach(function (d) { row(edgeBody, [[d.timestamp.slice(11, 19)], [d.kind], [d.decision, d.decision], [d.reason], [(d.packet_id || '').slice(0, 8)]]); });
    document.getElementById('edge-panel').setAttribute('data-edge', String(i));
  }
  window.__trusthandoffReport = { report: report, showEdge: showEdge };
  if (typeof cytoscape !== 'function') { document.getElementById('graph').textContent = 'graph library missing'; return; }
  var cy = cytoscape({
    container: document.getElementById('graph'), elements: elements, wheelSensitivity: 0.3,
    style: [
      { selector: 'node', style: { 'label': 'data(label)', 'background-color': '#0969da', 'color': '#1f2328', 'font-size': 11, 'text-valign': 'bottom', 'text-margin-y': 6, 'width': 26, 'height': 26 } },
      { selector: 'edge', style: { 'label': 'data(label)', 'curve-style': 'bezier', 'target-arrow-shape': 'triangle', 'width': 3, 'line-color': '#1a7f37', 'target-arrow-color': '#1a7f37', 'font-size': 11, 'text-background-color': '#fff', 'text-background-opacity': 1, 'text-background-padding': 2 } },
      { selector: 'edge[rejected = 1]', style: { 'line-color': '#cf222e', 'target-arrow-color': '#cf222e', 'line-style': 'dashed', 'width': 4 } },
      { selector: 'edge:selected', style: { 'width': 6, 'overlay-opacity': 0.15 } }
    ],
    layout: { name: 'breadthfirst', directed: true, padding: 40, spacingFactor: 1.4, animate: false }
  });
  cy.on('tap', 'edge', function (evt) { showEdge(evt.target.data('index')); });
  window.__trusthandoffReport.cy = cy;
  document.getElementById('graph').setAttribute('data-rendered', 'true');
})();
`;
