/**
 * docs/integrations/attack-matrix.md holds one table: a row per case, a column per framework wiring.
 * The table is written from the columns the matrix runs record in .matrix-out/ (`npm run
 * docs:matrix`); this test keeps it equal to what the cases assert, so the docs cannot drift.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXPECTED, MATRIX_CASES, MATRIX_COLUMNS, MATRIX_OUT_DIR } from './cases.js';

const DOC = fileURLToPath(new URL('../../../docs/integrations/attack-matrix.md', import.meta.url));
const START = '<!-- matrix:start -->';
const END = '<!-- matrix:end -->';

function tableFrom(cell: (column: string, row: string) => string): string {
  const lines = [
    `| case | ${MATRIX_COLUMNS.join(' | ')} |`,
    `|---|${MATRIX_COLUMNS.map(() => '---|').join('')}`,
  ];
  for (const row of MATRIX_CASES)
    lines.push(`| ${row} | ${MATRIX_COLUMNS.map((c) => cell(c, row)).join(' | ')} |`);
  return lines.join('\n');
}

function recordedCell(column: string, row: string): string {
  const file = `${MATRIX_OUT_DIR}${column.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.json`;
  if (!existsSync(file)) throw new Error(`no recorded run for ${column} (${file}): run the matrix first`);
  const recorded = JSON.parse(readFileSync(file, 'utf8')) as { cells: Record<string, string> };
  const value = recorded.cells[row];
  if (value === undefined) throw new Error(`${column} recorded no cell for "${row}"`);
  return value;
}

describe('docs/integrations/attack-matrix.md', () => {
  it('holds the table the matrix asserts: every framework, every case', () => {
    if (process.env['TH_WRITE_MATRIX'] === '1') {
      const doc = readFileSync(DOC, 'utf8');
      const before = doc.slice(0, doc.indexOf(START) + START.length);
      const after = doc.slice(doc.indexOf(END));
      writeFileSync(DOC, `${before}\n${tableFrom(recordedCell)}\n${after}`);
    }
    const doc = readFileSync(DOC, 'utf8');
    const table = doc.slice(doc.indexOf(START) + START.length, doc.indexOf(END)).trim();
    expect(table).toBe(tableFrom((_column, row) => EXPECTED[row as keyof typeof EXPECTED]));
  });
});
