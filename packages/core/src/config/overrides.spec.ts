import { applyOverrides, parseOverride } from './overrides.js';

const base = () => ({
  training: { epochs: 3, optimizer: { type: 'sgd', lr: 0.05 } },
  evaluators: [{ name: 'accuracy' }],
  output: { dir: 'runs/a' },
});
type Config = ReturnType<typeof base>;
const apply = (...sets: string[]) => applyOverrides(base(), sets.map(parseOverride)) as unknown as Config;

describe('config overrides (--set path=value)', () => {
  it('sets numbers, booleans, strings, arrays and objects at dotted paths, creating missing objects', () => {
    const c = apply(
      'training.optimizer.lr=0.1',
      'training.epochs=10',
      'output.overwrite=true',
      'distiller.name=kd',
      'distiller.temperature=2',
      'training.schedule.milestones=[5,8]',
    );
    expect(c).toEqual({
      training: { epochs: 10, optimizer: { type: 'sgd', lr: 0.1 }, schedule: { milestones: [5, 8] } },
      evaluators: [{ name: 'accuracy' }],
      output: { dir: 'runs/a', overwrite: true },
      distiller: { name: 'kd', temperature: 2 },
    });
  });

  it('indexes arrays, and appends at their length', () => {
    expect(apply('evaluators.0.name=agreement').evaluators).toEqual([{ name: 'agreement' }]);
    expect(apply('evaluators.1={"name":"calibration"}').evaluators).toEqual([{ name: 'accuracy' }, { name: 'calibration' }]);
    expect(() => apply('evaluators.5.name=x')).toThrow(/"5" is not an index of the array at that point \(0…1\)/);
  });

  it('keeps a string a string where the config holds one; JSON quotes force a type', () => {
    expect(apply('output.dir=2024').output).toEqual({ dir: '2024' });
    expect(apply('training.optimizer.type="adam"').training.optimizer.type).toBe('adam');
    expect(apply('training.epochs="3"').training.epochs).toBe('3');
  });

  it('leaves the input untouched and refuses malformed or dangerous paths', () => {
    const b = base();
    applyOverrides(b, [parseOverride('training.epochs=9')]);
    expect(b.training.epochs).toBe(3);
    for (const bad of ['lr', '=3', 'training..lr=1', '__proto__.x=1', 'a.constructor=1'])
      expect(() => parseOverride(bad), bad).toThrow(/expected <path>=<value> with a dotted path of config keys/);
    expect(() => apply('training.epochs.x=1')).toThrow(/--set training\.epochs\.x=1: \/training\/epochs is 3, not an object or array/);
  });
});
