/**
 * The HTML report in a real browser (Debian's chromium via playwright-core): it is self-contained
 * (no request leaves the page), the graph and tables render with the expected counts, and clicking an
 * edge on the graph's canvas lists that edge's decisions. The screenshot is written to a temporary
 * directory and compared loosely with docs/images/report.png (UPDATE_SCREENSHOT=1 refreshes it).
 */
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sentinel, renderHtmlReport } from 'trusthandoff/sentinel';
import { launchChromium } from './browser.js';
import { FIXTURE, chainLines, decision, event, fixtureEvents, tempDir, writeLines } from './support.js';

const SCREENSHOT = fileURLToPath(new URL('../../docs/images/report.png', import.meta.url));

let browser: BrowserContext;
beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser.close();
});

async function fixtureReport() {
  const sentinel = new Sentinel({ now: () => Date.parse('2026-12-04T12:00:00.000Z') });
  await sentinel.ingestFile(FIXTURE);
  return sentinel.report();
}

function pngSize(path: string): { width: number; height: number } {
  const png = readFileSync(path);
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('HTML report in chromium', () => {
  it('renders counts, graph, timeline and violations offline; clicking an edge shows its decisions', async () => {
    const report = await fixtureReport();
    const dir = tempDir();
    const file = join(dir, 'report.html');
    writeFileSync(file, renderHtmlReport(report));
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`file://${file}`);
    await page.waitForSelector('#graph[data-rendered="true"]', { timeout: 20_000 });

    const count = (name: string) => page.textContent(`[data-testid="count-${name}"] b`);
    expect(await count('events')).toBe('18');
    expect(await count('accepted')).toBe('5');
    expect(await count('rejected')).toBe('9');
    expect(await count('violations')).toBe(String(report.counts.violations));
    expect(report.counts.violations).toBe(16);
    expect(await count('agents')).toBe('3');
    expect(await page.locator('#timeline tbody tr').count()).toBe(14);
    expect(await page.locator('#timeline-strip circle').count()).toBe(14);
    expect(await page.locator('#timeline-strip circle.REJECT').count()).toBe(9);
    expect(await page.locator('#violations tbody tr').count()).toBe(16);
    expect(await page.locator('#violations tbody td.ERROR').count()).toBe(14);

    // Page-side code as text: the test's TypeScript has no DOM types.
    const graph = await page.evaluate(`(() => {
      const cy = window.__trusthandoffReport.cy;
      return {
        nodes: cy.nodes().length,
        edges: cy.edges().length,
        rejectedEdges: cy.edges('[rejected = 1]').length,
        rejectedColor: cy.edges('[rejected = 1]')[0].style('line-color'),
      };
    })()`);
    expect(graph).toEqual({ nodes: 3, edges: 3, rejectedEdges: 3, rejectedColor: 'rgb(207,34,46)' });

    // Click the planner → worker edge on the canvas, where Cytoscape drew it.
    const target = report.handoffs.findIndex((h) => h.accepted === 4 && h.rejected === 4);
    const point = await page.evaluate<{ x: number; y: number }>(`(() => {
      const mid = window.__trusthandoffReport.cy.getElementById('e${target}').renderedMidpoint();
      const box = document.getElementById('graph').getBoundingClientRect();
      return { x: box.left + mid.x, y: box.top + mid.y };
    })()`);
    await page.mouse.click(point.x, point.y);
    await page.waitForSelector(`#edge-panel[data-edge="${target}"]`, { timeout: 5000 });
    const rows = page.locator('#edge-decisions tbody tr');
    expect(await rows.count()).toBe(8);
    expect(await page.locator('#edge-decisions tbody td.REJECT').count()).toBe(4);
    expect(await page.locator('#edge-decisions tbody td.ACCEPT').count()).toBe(4);
    expect(await page.textContent('#edge-title')).toContain('4 accepted, 4 rejected');

    expect(await page.locator('#gaps-section').isVisible()).toBe(false);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);

    const shot = join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: false });
    if (process.env['UPDATE_SCREENSHOT'] === '1') copyFileSync(shot, SCREENSHOT);
    expect(existsSync(SCREENSHOT)).toBe(true);
    // Loose: same viewport, and not a blank page (a rendered report compresses far worse than white).
    expect(pngSize(shot)).toEqual(pngSize(SCREENSHOT));
    expect(readFileSync(shot).length).toBeGreaterThan(readFileSync(SCREENSHOT).length * 0.5);
    await page.close();
  }, 60_000);

  it('shows log gaps, and hostile strings stay text', async () => {
    const events = fixtureEvents();
    events[0] = { ...events[0], from_agent: '<img src=x onerror="window.__pwned=1">' };
    const lines = chainLines(events);
    lines.splice(3, 1);
    const sentinel = new Sentinel();
    await sentinel.ingestFile(writeLines(tempDir(), 'gap.jsonl', lines));
    const html = renderHtmlReport(sentinel.report(), { title: '</title><script>window.__pwned=2</script>' });
    expect(html).not.toContain('<img src=x');
    const file = join(tempDir(), 'gap.html');
    writeFileSync(file, html);
    const page = await browser.newPage();
    await page.goto(`file://${file}`);
    await page.waitForSelector('#graph[data-rendered="true"]', { timeout: 20_000 });
    expect(await page.locator('#log-gaps tbody tr').count()).toBe(1);
    expect(await page.textContent('[data-testid="count-log-gaps"] b')).toBe('1');
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(await page.locator('#timeline tbody').textContent()).toContain('<img src=x');
    await page.close();
  }, 60_000);

  it('attested results: their own counts and an edge from the signer to the verifier', async () => {
    const sentinel = new Sentinel();
    sentinel.ingest(
      decision(true, 'agent:planner', 'Packet verified and valid', { to_agent: 'agent:worker' }),
    );
    const verdict = { signed_by: 'agent:worker', verifier_id: 'agent:planner' };
    sentinel.ingest(
      event('attestation_verified', { packet_id: 'p1', output_hash: 'a'.repeat(64), ...verdict }),
    );
    sentinel.ingest(
      event('attestation_rejected', { packet_id: 'p1', reason: 'attestation_replayed', ...verdict }),
    );
    const file = join(tempDir(), 'results.html');
    writeFileSync(file, renderHtmlReport(sentinel.report()));
    const page = await browser.newPage();
    await page.goto(`file://${file}`);
    await page.waitForSelector('#graph[data-rendered="true"]', { timeout: 20_000 });
    expect(await page.textContent('[data-testid="count-results-verified"] b')).toBe('1');
    expect(await page.textContent('[data-testid="count-results-rejected"] b')).toBe('1');
    expect(await page.textContent('[data-testid="count-accepted"] b')).toBe('1');
    expect(await page.evaluate('window.__trusthandoffReport.cy.edges().length')).toBe(2);
    await page.evaluate('window.__trusthandoffReport.showEdge(1)');
    expect(await page.locator('#edge-decisions tbody td.REJECT').count()).toBe(1);
    expect(await page.textContent('#edge-decisions tbody')).toContain('attestation_replayed');
    await page.close();
  }, 60_000);
});
