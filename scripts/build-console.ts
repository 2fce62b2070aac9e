// Builds the operator console into dist/console/ (index.html, app.js, app.css): Preact + TSX bundled
// and minified by esbuild, nothing loaded from other origins. Run by `npm run build:console`, which
// `npm test` (pretest), `npm start` and `npm run build` run first. Prints each file's size and gzip size.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(__dirname, '..');
const source = join(root, 'client', 'console');
export const CONSOLE_OUT_DIR = join(root, 'dist', 'console');

export async function buildConsole(outDir = CONSOLE_OUT_DIR): Promise<{ file: string; bytes: number; gzipBytes: number }[]> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(source, 'main.tsx')],
    outfile: join(outDir, 'app.js'),
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: join(source, 'tsconfig.json'),
    legalComments: 'none',
    logLevel: 'warning',
  });
  for (const file of ['index.html', 'app.css']) copyFileSync(join(source, file), join(outDir, file));
  return readdirSync(outDir)
    .sort()
    .map((file) => {
      const body = readFileSync(join(outDir, file));
      return { file, bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length };
    });
}

if (require.main === module) {
  buildConsole().then(
    (sizes) => {
      const total = sizes.reduce((t, s) => ({ bytes: t.bytes + s.bytes, gzip: t.gzip + s.gzipBytes }), { bytes: 0, gzip: 0 });
      process.stdout.write(`console built in dist/console: ${sizes.map((s) => `${s.file} ${s.bytes} B (${s.gzipBytes} B gzip)`).join(', ')}; total ${total.bytes} B (${total.gzip} B gzip)\n`);
    },
    (err: unknown) => {
      process.stderr.write(`build-console: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
