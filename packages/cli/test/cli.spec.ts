import { runKd } from './spawn-kd.js';

/**
 * Every command and the flags it has had since before the parser moved to commander: `--help` must list each, with a
 * description. Written out by hand, so a flag dropped or renamed by a refactor fails here.
 */
const FLAGS: Record<string, readonly string[]> = {
  run: ['--resume', '--from', '--index', '--json', '--allow-local-plugins', '--set'],
  validate: ['--schema-only', '--allow-local-plugins', '--set'],
  plan: ['--json', '--allow-local-plugins', '--set'],
  sweep: ['--jobs', '--dry-run', '--emit', '--report', '--out', '--queue', '--status', '--retry-failed', '--json', '--allow-local-plugins'],
  worker: ['--queue', '--concurrency', '--allow-local-plugins'],
  schema: ['--out'],
  plugins: ['--json'],
  describe: ['--num-classes', '--input', '--options', '--json'],
  export: ['--json'],
  report: ['--out', '--json'],
  import: [
    '--backbone',
    '--options',
    '--num-classes',
    '--input',
    '--reference',
    '--layout',
    '--logits',
    '--embedding',
    '--input-name',
    '--stages',
    '--names',
    '--json',
  ],
  doctor: ['--json'],
};

describe('kd as a shell runs it', () => {
  it('kd --version, -v and kd version print kd, @kd/core and Node versions', async () => {
    for (const args of [['--version'], ['-v'], ['version']]) {
      const r = await runKd(args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^kd \d+\.\d+\.\d+ \(@kd\/core \d+\.\d+\.\d+, Node v\d+\.\d+\.\d+\)\n$/);
    }
  });

  it('kd --help lists every command; kd alone prints it on stderr and exits 2', async () => {
    const help = await runKd(['--help']);
    expect(help.code).toBe(0);
    for (const c of Object.keys(FLAGS)) expect(help.stdout).toMatch(new RegExp(`^  ${c}\\b.*\\S`, 'm'));
    expect(help.stdout).toContain('exit codes: 0 ok, 2 invalid input');
    const bare = await runKd([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toContain('Usage: kd <command>');
  });

  it.each(Object.entries(FLAGS))('kd %s --help lists every flag with its description', async (command, flags) => {
    const r = await runKd([command, '--help']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Usage: kd ${command} `);
    for (const flag of flags) {
      // The flag at the start of an option line, then (after its value placeholder) some words of description.
      const line = r.stdout.split('\n').find((l) => new RegExp(`^  ${flag}\\b`).test(l));
      expect(line, `${flag} in kd ${command} --help:\n${r.stdout}`).toBeDefined();
      expect(line!.replace(new RegExp(`^  ${flag}( <[^>]+>)?`), '').trim().length, `${flag} has a description`).toBeGreaterThan(10);
    }
  });

  it('an unknown flag exits 2 naming it, and says which command it belongs to', async () => {
    const typo = await runKd(['schema', '--outt', 'x.json']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("kd schema: unknown option '--outt'");
    expect(typo.stderr).toContain('--out');
    const elsewhere = await runKd(['plan', 'some.json', '--resume', 'runs/x']);
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toContain('--resume applies to run, not to plan');
    // Nothing was read or written: the config does not even exist.
    expect(elsewhere.stderr).not.toContain('some.json');
  });

  it('an extra or missing positional exits 2 naming the command', async () => {
    for (const [args, says] of [
      [['schema', 'extra'], "too many arguments for 'schema'"],
      [['validate', 'a.json', 'b.json'], "too many arguments for 'validate'"],
      [['export', 'run', 'out', 'more'], "too many arguments for 'export'"],
      [['run', 'a.json', 'b.json'], "too many arguments for 'run'"],
      [['validate'], "missing required argument 'config'"],
      [['worker'], "required option '--queue <redis-url>' not specified"],
    ] as const) {
      const r = await runKd(args);
      expect(r.code, `kd ${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`kd ${args[0]}: ${says}`);
      expect(r.stderr).toContain(`(kd ${args[0]} --help lists its arguments and flags)`);
    }
  });

  it('an argument outside its list exits 2 listing the allowed values', async () => {
    const describe = await runKd(['describe', 'network', 'resnet', '--num-classes', '10']);
    expect(describe.code).toBe(2);
    expect(describe.stderr).toContain("value 'network' is invalid for argument 'what'. Allowed choices are backbone.");
    const plugins = await runKd(['plugins', 'distillers']);
    expect(plugins.code).toBe(2);
    expect(plugins.stderr).toContain('Allowed choices are dataset, backbone, distiller, evaluator, tracker.');
    const format = await runKd(['import', 'keras', 'a.h5', 'out']);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('Allowed choices are pytorch, onnx, tfjs.');
  });

  it('kd plugins lists one line per plugin; a kind filters; a kind and a name show the options', async () => {
    const all = await runKd(['plugins']);
    expect(all.code, all.stderr).toBe(0);
    const rows = all.stdout.split('\n').filter((l) => /^(dataset|backbone|distiller|evaluator|tracker) /.test(l));
    expect(rows.length).toBeGreaterThan(10);
    // No option lines: those are for one plugin.
    expect(all.stdout).not.toMatch(/^ {4}\S/m);
    expect(all.stdout).toContain(`${rows.length} plugins; kd plugins <kind> <name> shows one plugin's options`);
    const distillers = await runKd(['plugins', 'distiller']);
    const lines = distillers.stdout.split('\n').filter((l) => l.trim() && !l.includes('kd plugins <kind>'));
    expect(lines.length).toBe(rows.filter((l) => l.startsWith('distiller ')).length);
    for (const l of lines) expect(l).toMatch(/^distiller /);
    expect(lines.some((l) => /^distiller +kd +/.test(l))).toBe(true);
    const kd = await runKd(['plugins', 'distiller', 'kd']);
    expect(kd.code, kd.stderr).toBe(0);
    expect(kd.stdout).toMatch(/^distiller +kd +\S+ +@kd\/distiller-kd/);
    expect(kd.stdout).toMatch(/^ {4}temperature +number = 4$/m);
    expect(kd.stdout).toContain('Distilling the Knowledge in a Neural Network');
    const typo = await runKd(['plugins', 'distiller', 'fitnte']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('no distiller plugin named "fitnte" is installed (did you mean "fitnet"?)');
    const json = await runKd(['plugins', 'backbone', '--json']);
    const list = JSON.parse(json.stdout) as { kind: string }[];
    expect(list.length).toBeGreaterThan(3);
    expect(new Set(list.map((p) => p.kind))).toEqual(new Set(['backbone']));
  });

  it("tfjs's 'install our node backend' banner is not printed on the cpu backend", async () => {
    const r = await runKd(['describe', 'backbone', 'cnn', '--num-classes', '10']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('params');
    expect(r.stderr).not.toMatch(/tfjs-node|looks like you are running/i);
  });
});
