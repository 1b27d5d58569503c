// After `vite build`: a .gz beside every text file of dist/ (the daemon
// serves it to browsers that accept gzip), and Vite's manifest moved out
// of the served tree to web/build-manifest.json (scripts/size.mjs reads it).
import { readdirSync, readFileSync, writeFileSync, statSync, renameSync, rmSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { gzipSync, constants } from 'node:zlib';

const dist = process.argv[2] || 'dist';
const manifest = join(dist, '.vite', 'manifest.json');
if (existsSync(manifest)) {
  renameSync(manifest, join(dirname(dist), 'build-manifest.json'));
  rmSync(join(dist, '.vite'), { recursive: true, force: true });
}

const TEXT = /\.(html|js|css|svg|json|txt|map)$/;
let n = 0;
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) { walk(p); continue; }
    if (!TEXT.test(name)) continue;
    const data = readFileSync(p);
    const gz = gzipSync(data, { level: constants.Z_BEST_COMPRESSION });
    if (gz.length < data.length) { writeFileSync(`${p}.gz`, gz); n += 1; }
  }
}
walk(dist);
console.log(`compress: ${n} .gz files written in ${dist}`);
