// Reading a migration plan from a file an operator wrote: JSON `{ items: [...], options: {...} }` or CSV
// with a header `backupFileId,instanceId[,backupFilePath,uploadEndpoint]`, one row per target (rows of
// the same backup merge into one item). Every problem names the line and the field.
import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import type { InputIssue } from '../workflows/input';
import { parseMigrationPlan, type MigrationPlan } from '../workflows/plan';

export type PlanFormat = 'json' | 'csv';

export interface PlanFileIssue extends InputIssue {
  /** 1-based line in the file, when the problem has one. */
  line?: number;
}

export type PlanFileResult = { ok: true; plan: MigrationPlan; format: PlanFormat } | { ok: false; issues: PlanFileIssue[] };

export const MAX_PLAN_FILE_BYTES = 10 * 1024 * 1024;

export const CSV_REQUIRED_COLUMNS = ['backupFileId', 'instanceId'] as const;
export const CSV_OPTIONAL_COLUMNS = ['backupFilePath', 'uploadEndpoint'] as const;

export interface ReadPlanOptions {
  /** Default: from the extension (.csv → csv, anything else → json). */
  format?: PlanFormat;
  /** Plan options for a CSV plan (a CSV file holds only targets); ignored for JSON. */
  options?: unknown;
}

export async function readPlanFile(path: string, opts: ReadPlanOptions = {}): Promise<PlanFileResult> {
  const format = opts.format ?? (extname(path).toLowerCase() === '.csv' ? 'csv' : 'json');
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    return { ok: false, issues: [{ field: 'file', rule: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` }] };
  }
  if (size > MAX_PLAN_FILE_BYTES) return { ok: false, issues: [{ field: 'file', rule: `is ${size} bytes; at most ${MAX_PLAN_FILE_BYTES}` }] };
  const text = await readFile(path, 'utf8');
  return parsePlanText(text, format, opts.options);
}

export function parsePlanText(text: string, format: PlanFormat, csvOptions?: unknown): PlanFileResult {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // spreadsheets write a BOM
  return format === 'csv' ? parseCsvPlan(body, csvOptions) : parseJsonPlan(body);
}

// ---- JSON -----------------------------------------------------------------------------------------

function parseJsonPlan(text: string): PlanFileResult {
  const located = locateJson(text);
  if ('error' in located) return { ok: false, issues: [{ field: '(file)', rule: `not valid JSON: ${located.error.message}`, line: located.error.line }] };
  const parsed = parseMigrationPlan(JSON.parse(text));
  if (parsed.ok) return { ok: true, plan: parsed.plan, format: 'json' };
  return { ok: false, issues: parsed.issues.map((issue) => withLine(issue, lineOf(located.lines, issue.field))) };
}

function lineOf(lines: Map<string, number>, field: string): number | undefined {
  // A missing field has no line of its own: use the object that lacks it.
  let path = field === '(root)' ? '' : field;
  for (;;) {
    const line = lines.get(path);
    if (line !== undefined || path === '') return line;
    const parent = path.replace(/(\[\d+\]|\.?[^.[\]]+)$/, '');
    if (parent === path) return undefined;
    path = parent;
  }
}

function withLine(issue: InputIssue, line: number | undefined): PlanFileIssue {
  return line === undefined ? issue : { ...issue, line };
}

type Located = { lines: Map<string, number> } | { error: { line: number; message: string } };

/** A small JSON scanner that records the line where each value (by issue path) starts. */
export function locateJson(text: string): Located {
  const lines = new Map<string, number>();
  let i = 0;
  let line = 1;
  class SyntaxFault extends Error {}
  const fail = (message: string): never => {
    throw new SyntaxFault(message);
  };
  const ws = (): void => {
    while (i < text.length && ' \t\r\n'.includes(text[i]!)) {
      if (text[i] === '\n') line++;
      i++;
    }
  };
  const expect = (ch: string): void => {
    ws();
    if (text[i] !== ch) fail(i >= text.length ? `expected '${ch}' but the file ended` : `expected '${ch}' but found '${text[i]}'`);
    i++;
  };
  const string = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\n') fail('line break inside a string');
      i += text[i] === '\\' ? 2 : 1;
    }
    if (i >= text.length) fail('unterminated string');
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail('bad escape in string');
    }
  };
  const value = (path: string): void => {
    ws();
    lines.set(path, line);
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a quoted property name but found ${text[i] === undefined ? 'the end of the file' : `'${text[i]}'`}`);
        const key = string();
        expect(':');
        value(path ? `${path}.${key}` : key);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail(`expected ',' or '}' but found ${text[i] === undefined ? 'the end of the file' : `'${text[i]}'`}`);
      }
    }
    if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (let n = 0; ; n++) {
        value(`${path}[${n}]`);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail(`expected ',' or ']' but found ${text[i] === undefined ? 'the end of the file' : `'${text[i]}'`}`);
      }
    }
    if (ch === '"') return void string();
    const literal = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 64));
    if (!literal) fail(ch === undefined ? 'the file ended where a value was expected' : `unexpected '${ch}'`);
    i += literal![0].length;
  };
  try {
    value('');
    ws();
    if (i < text.length) fail(`unexpected '${text[i]}' after the end of the plan`);
  } catch (err) {
    if (err instanceof SyntaxFault) return { error: { line, message: err.message } };
    throw err;
  }
  return { lines };
}

// ---- CSV ------------------------------------------------------------------------------------------

interface RowRef {
  line: number;
}

function parseCsvPlan(text: string, options: unknown): PlanFileResult {
  const records = splitCsv(text);
  if ('error' in records) return { ok: false, issues: [{ field: '(file)', rule: records.error.message, line: records.error.line }] };
  const [header, ...rows] = records.rows.filter((r) => !(r.cells.length === 1 && r.cells[0]!.trim() === '') && !r.cells[0]!.startsWith('#'));
  if (!header) return { ok: false, issues: [{ field: '(file)', rule: `is empty; expected a header ${CSV_REQUIRED_COLUMNS.join(',')}`, line: 1 }] };

  const issues: PlanFileIssue[] = [];
  const columns = header.cells.map((c) => c.trim());
  const known = new Set<string>([...CSV_REQUIRED_COLUMNS, ...CSV_OPTIONAL_COLUMNS]);
  columns.forEach((c) => {
    if (!known.has(c)) issues.push({ field: c || '(empty column name)', rule: `unknown column; expected ${[...CSV_REQUIRED_COLUMNS, ...CSV_OPTIONAL_COLUMNS].join(', ')}`, line: header.line });
  });
  for (const c of CSV_REQUIRED_COLUMNS) if (!columns.includes(c)) issues.push({ field: c, rule: 'required column is missing from the header', line: header.line });
  if (new Set(columns).size !== columns.length) issues.push({ field: '(header)', rule: 'a column appears twice', line: header.line });
  if (issues.length) return { ok: false, issues };
  if (rows.length === 0) return { ok: false, issues: [{ field: '(file)', rule: 'has a header but no target rows', line: header.line }] };

  type Item = { backupFileId: string; backupFilePath?: string; uploadEndpoint?: string; instanceIds: string[] };
  const items: Item[] = [];
  const itemLines: RowRef[] = [];
  const targetLines: number[][] = [];
  const byBackup = new Map<string, number>();
  for (const row of rows) {
    if (row.cells.length !== columns.length) {
      issues.push({ field: '(row)', rule: `has ${row.cells.length} fields; the header has ${columns.length}`, line: row.line });
      continue;
    }
    const cell = (name: string): string | undefined => {
      const at = columns.indexOf(name);
      const v = at < 0 ? undefined : row.cells[at]!.trim();
      return v === '' ? undefined : v;
    };
    const backupFileId = cell('backupFileId') ?? '';
    const instanceId = cell('instanceId') ?? '';
    const backupFilePath = cell('backupFilePath');
    const uploadEndpoint = cell('uploadEndpoint');
    const existing = byBackup.get(backupFileId);
    if (existing === undefined) {
      byBackup.set(backupFileId, items.length);
      items.push({ backupFileId, ...(backupFilePath ? { backupFilePath } : {}), ...(uploadEndpoint ? { uploadEndpoint } : {}), instanceIds: [instanceId] });
      itemLines.push({ line: row.line });
      targetLines.push([row.line]);
      continue;
    }
    const item = items[existing]!;
    const first = itemLines[existing]!.line;
    for (const [name, v] of [['backupFilePath', backupFilePath], ['uploadEndpoint', uploadEndpoint]] as const) {
      if (v === undefined) continue;
      if (item[name] === undefined) item[name] = v;
      else if (item[name] !== v) issues.push({ field: name, rule: `differs from line ${first} for the same backup ${backupFileId}`, line: row.line });
    }
    item.instanceIds.push(instanceId);
    targetLines[existing]!.push(row.line);
  }
  if (issues.length) return { ok: false, issues };

  const parsed = parseMigrationPlan({ items, ...(options === undefined ? {} : { options }) });
  if (parsed.ok) return { ok: true, plan: parsed.plan, format: 'csv' };
  return {
    ok: false,
    issues: parsed.issues.map((issue): PlanFileIssue => {
      const target = /^items\[(\d+)\]\.instanceIds\[(\d+)\]/.exec(issue.field);
      if (target) return { field: 'instanceId', rule: issue.rule, line: targetLines[Number(target[1])]![Number(target[2])]! };
      const item = /^items\[(\d+)\](?:\.(\w+))?/.exec(issue.field);
      if (item) return { field: item[2] === 'instanceIds' || !item[2] ? 'instanceId' : item[2], rule: issue.rule, line: itemLines[Number(item[1])]!.line };
      return issue; // options.* and plan-wide rules
    }),
  };
}

interface CsvRecord {
  line: number;
  cells: string[];
}

/** RFC 4180 records (quoted fields may hold commas, quotes and line breaks) with the line each starts on. */
function splitCsv(text: string): { rows: CsvRecord[] } | { error: { line: number; message: string } } {
  const rows: CsvRecord[] = [];
  let line = 1;
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let rowLine = 1;
  let fieldStart = true;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"' && fieldStart) {
      quoted = true;
      fieldStart = false;
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
      fieldStart = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      cells.push(cell);
      rows.push({ line: rowLine, cells });
      cells = [];
      cell = '';
      fieldStart = true;
      line++;
      rowLine = line;
    } else {
      cell += ch;
      fieldStart = false;
    }
  }
  if (quoted) return { error: { line: rowLine, message: 'a quoted field is never closed' } };
  if (cell !== '' || cells.length > 0) rows.push({ line: rowLine, cells: [...cells, cell] });
  return { rows };
}
