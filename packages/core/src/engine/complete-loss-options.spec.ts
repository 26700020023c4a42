import { describe, expect, it } from 'vitest';
import { completeLossOptions } from './complete-loss-options.js';

interface DemoOptions {
  readonly weight?: number;
  readonly temperature?: number;
  readonly standardize?: boolean;
}

const DEFAULTS: Readonly<Required<DemoOptions>> = Object.freeze({ weight: 0.5, temperature: 4, standardize: false });
const BOUNDS = { atLeastZero: ['weight'], aboveZero: ['temperature'] } as const;

const complete = (options: DemoOptions) => completeLossOptions('demo', DEFAULTS, options, BOUNDS);

describe('completeLossOptions', () => {
  it('fills what the caller left out from the defaults and keeps what it gave, 0 and false included', () => {
    expect(complete({})).toEqual({ weight: 0.5, temperature: 4, standardize: false });
    expect(complete({ weight: 0, standardize: true })).toEqual({ weight: 0, temperature: 4, standardize: true });
    expect(complete({ temperature: undefined })).toEqual({ weight: 0.5, temperature: 4, standardize: false });
  });

  it('returns a fresh object and takes no key the defaults do not have', () => {
    const o = complete({ temperature: 2, extra: 1 } as DemoOptions);
    expect(o).not.toBe(DEFAULTS);
    expect(o).toEqual({ weight: 0.5, temperature: 2, standardize: false });
    expect(DEFAULTS).toEqual({ weight: 0.5, temperature: 4, standardize: false });
  });

  it('refuses a weight below 0 or not finite, naming the loss, the option and the value', () => {
    expect(() => complete({ weight: -1 })).toThrow(new RangeError('demo loss: weight must be a finite number ≥ 0, got -1'));
    expect(() => complete({ weight: Number.NaN })).toThrow(new RangeError('demo loss: weight must be a finite number ≥ 0, got NaN'));
    expect(() => complete({ weight: Infinity })).toThrow(/weight must be a finite number ≥ 0, got Infinity/);
  });

  it('refuses a temperature of 0 or below, which is allowed for the weights', () => {
    expect(() => complete({ temperature: 0 })).toThrow(new RangeError('demo loss: temperature must be a finite number > 0, got 0'));
    expect(() => complete({ temperature: -2 })).toThrow(/temperature must be a finite number > 0, got -2/);
    expect(complete({ temperature: 1e-3 }).temperature).toBe(1e-3);
  });

  it('checks the ≥ 0 options before the > 0 ones', () => {
    expect(() => complete({ weight: -1, temperature: 0 })).toThrow(/weight must be/);
  });
});
