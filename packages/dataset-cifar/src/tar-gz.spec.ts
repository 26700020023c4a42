import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { inputErrorMessage as inputError } from '@kd/testing';
import { readTarGzEntries } from './tar-gz.js';
import { cifarFiles, tarGz, tempDir } from '../test/cifar-files.js';
import { MiB, writeTarGzBomb } from '../test/tar-bomb.js';

describe('readTarGzEntries', () => {
  const dir = tempDir();
  const files = cifarFiles('cifar10', 2, 2);
  const wanted = new Set(files.keys());

  it('reads the wanted members of an archive that stays within the limit', async () => {
    const file = join(dir, 'ok.tar.gz');
    writeFileSync(file, await tarGz('cifar-10-batches-bin', files));
    // The tar stream is 512-byte headers plus padded members: a little over the members' bytes.
    const entries = await readTarGzEntries(file, wanted, 64 * 1024);
    expect([...entries.keys()].sort()).toEqual([...wanted].sort());
    expect(Buffer.from(entries.get('test_batch.bin')!).equals(Buffer.from(files.get('test_batch.bin')!))).toBe(true);
  });

  it('an archive that inflates past the limit is refused while inflating, naming the archive and the option', async () => {
    const file = join(dir, 'small-limit.tar.gz');
    writeFileSync(file, await tarGz('cifar-10-batches-bin', files));
    expect(await inputError(readTarGzEntries(file, wanted, 10_000))).toMatch(
      new RegExp(`^${file}: gzip data inflates to more than 10000 bytes \\(the limit /dataset/maxInflatedBytes\\)`),
    );
  });

  it('a gzip bomb (a 1 GiB member in a 1 MB archive) stops at the limit without holding the gigabyte', async () => {
    const file = join(dir, 'bomb.tar.gz');
    await writeTarGzBomb(file, 'cifar-10-batches-bin', new Map([...files].slice(0, 1)), 'data_batch_2.bin', 1024 * MiB);
    expect(statSync(file).size).toBeLessThan(2 * MiB);
    const rss = process.memoryUsage().rss;
    expect(await inputError(readTarGzEntries(file, wanted, 16 * MiB))).toMatch(
      /bomb\.tar\.gz: gzip data inflates to more than 16777216 bytes \(16 MiB/,
    );
    expect(process.memoryUsage().rss - rss).toBeLessThan(128 * MiB);
  });

  it('a truncated tar inside a valid gzip, a truncated gzip, text named .tar.gz and a missing archive', async () => {
    const whole = await tarGz('cifar-10-batches-bin', files);
    const tarOnly = gunzipSync(whole);
    const cutTar = join(dir, 'cut-tar.tar.gz');
    writeFileSync(cutTar, gzipSync(tarOnly.subarray(0, 700)));
    expect(await inputError(readTarGzEntries(cutTar, wanted, MiB))).toMatch(
      new RegExp(`^${cutTar}: corrupt tar archive inside the gzip \\(.+\\): expected the official gzip-compressed tar archive$`),
    );
    const cutGz = join(dir, 'cut.tar.gz');
    writeFileSync(cutGz, whole.subarray(0, whole.length - 100));
    expect(await inputError(readTarGzEntries(cutGz, wanted, MiB))).toMatch(
      new RegExp(`^${cutGz}: not a valid gzip file \\(unexpected end of file`),
    );
    const text = join(dir, 'notes.tar.gz');
    writeFileSync(text, 'hello, this is not an archive\n');
    expect(await inputError(readTarGzEntries(text, wanted, MiB))).toMatch(
      new RegExp(`^${text}: not a valid gzip file \\(incorrect header check`),
    );
    expect(await inputError(readTarGzEntries(join(dir, 'none.tar.gz'), wanted, MiB))).toBe(
      `${join(dir, 'none.tar.gz')}: archive not found`,
    );
  });
});
