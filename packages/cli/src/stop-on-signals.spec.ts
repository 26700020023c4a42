import { EventEmitter } from 'node:events';
import { stopOnSignals } from './stop-on-signals.js';

describe('stopOnSignals', () => {
  it('first signal: a stop request and a message; second: exit at once with 128 + signal number', () => {
    const target = new EventEmitter();
    const said: string[] = [];
    const exits: number[] = [];
    const { stop, remove } = stopOnSignals(
      (t) => said.push(t),
      (c) => exits.push(c),
      target as never,
    );
    expect(stop.signal).toBeNull();
    target.emit('SIGTERM');
    expect(stop.signal).toBe('SIGTERM');
    expect(exits).toEqual([]);
    expect(said.join('')).toContain('SIGTERM: stopping after this step and writing a checkpoint');
    target.emit('SIGINT');
    expect(exits).toEqual([130]);
    expect(said.join('')).toContain('SIGINT again: exiting now');
    remove();
    expect(target.listenerCount('SIGINT') + target.listenerCount('SIGTERM')).toBe(0);
  });
});
