// Child process of corrupt-data.spec.ts: `kd run <config>` from the sources, in a fresh process, so that its peak
// resident memory measures that run alone. Prints one JSON line: the exit code, stderr, and the peak RSS in bytes.
import 'reflect-metadata';
import { main } from '../../src/main.ts';

let stderr = '';
const io = { cwd: process.argv[3], interactive: false, out: () => {}, err: (t) => void (stderr += t) };
const code = await main(['run', process.argv[2]], io, { importer: (specifier) => import(specifier) });
process.stdout.write(`${JSON.stringify({ code, stderr, maxRss: process.resourceUsage().maxRSS * 1024 })}\n`);
