// Plain-text tables and JSON for read commands. Text goes to stdout; nothing here colours or pages.
export type OutputFormat = 'text' | 'json';

export function printJson(value: unknown, out: NodeJS.WritableStream = process.stdout): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Left-aligned columns; cells are single-line (newlines become spaces) and long cells are cut. */
export function renderTable(headers: string[], rows: (string | number | undefined)[][], maxCell = 80): string {
  const cells = rows.map((row) => headers.map((_, i) => clean(row[i], maxCell)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

function clean(value: string | number | undefined, max: number): string {
  if (value === undefined || value === null) return '-';
  const s = String(value).replace(/\s+/g, ' ').trim();
  if (s === '') return '-';
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export function printLines(lines: string[], out: NodeJS.WritableStream = process.stdout): void {
  out.write(`${lines.join('\n')}\n`);
}
