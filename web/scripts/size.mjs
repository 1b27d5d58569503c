// What the operator's form ships: index.html, the entry script and every
// chunk it imports statically, and their CSS, each gzipped (as served).
// The screens loaded on demand (statistics and its charts among them) are
// listed apart. Fails when the form is over the budget.
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { gzipSync, constants } from 'node:zlib';

const BUDGET = 250 * 1024;
const dist = process.argv[2] || 'dist';
const manifest = JSON.parse(readFileSync(join(dirname(dist), 'build-manifest.json'), 'utf8'));
const gz = (f) => gzipSync(readFileSync(join(dist, f)), { level: constants.Z_BEST_COMPRESSION }).length;

const entry = Object.values(manifest).find((c) => c.isEntry);
const files = new Set(['index.html']);
(function walk(c) {
  files.add(c.file);
  for (const css of c.css || []) files.add(css);
  for (const imp of c.imports || []) walk(manifest[imp]);
}(entry));
let total = 0;
for (const f of files) {
  const n = gz(f);
  total += n;
  console.log(`form  ${(n / 1024).toFixed(1).padStart(7)} KB  ${f}`);
}
console.log(`operator form (JS+CSS+HTML, gzipped): ${(total / 1024).toFixed(1)} KB of ${BUDGET / 1024} KB`);
for (const c of Object.values(manifest)) {
  if (files.has(c.file) || !c.file.endsWith('.js')) continue;
  console.log(`lazy  ${(gz(c.file) / 1024).toFixed(1).padStart(7)} KB  ${c.file}`);
}
if (total > BUDGET) { console.error('over budget'); process.exit(1); }
