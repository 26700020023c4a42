import { PNG } from 'pngjs';
import { heatMapGrid, HEAT_MAP_COLUMNS, HEAT_MAP_KEYWORD, RAMP } from './heat-map.js';

/** The PNG's text chunks, read by walking its chunk list (length, type, data, CRC). */
function textChunks(png: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    if (type === 'tEXt') {
      const data = png.subarray(at + 8, at + 8 + length);
      const nul = data.indexOf(0);
      out[data.toString('latin1', 0, nul)] = data.toString('latin1', nul + 1);
    }
    at += 12 + length;
  }
  return out;
}

// One image: a 2×2 input 0…3 (grey 0, 85, 170, 255), a 1×2 teacher map [1, 3] and student map [2, 5]: the row's
// shared scale is [1, 5], so teacher 1 → ramp 0, student 2 → ramp 1/4, teacher 3 → ramp 1/2, student 5 → ramp 1.
const ROW = [
  { values: [0, 1, 2, 3], height: 2, width: 2 },
  { values: [1, 3], height: 1, width: 2 },
  { values: [2, 5], height: 1, width: 2 },
];

describe('heatMapGrid', () => {
  const tile = 4;
  const gap = 1;
  const bytes = Buffer.from(heatMapGrid([ROW], tile, gap));
  const png = PNG.sync.read(bytes);
  /** The pixel at (x, y) of column c's tile. */
  const px = (c: number, x: number, y: number) => {
    const i = ((gap + y) * png.width + gap + c * (tile + gap) + x) * 4;
    return [...png.data.subarray(i, i + 3)];
  };

  it('lays out input, teacher, student and both overlays per row', () => {
    expect(HEAT_MAP_COLUMNS).toEqual(['input', 'teacher', 'student', 'teacher on input', 'student on input']);
    expect([png.width, png.height]).toEqual([5 * tile + 6 * gap, tile + 2 * gap]);
    expect(px(0, 0, 0)).toEqual([0, 0, 0]);
    expect(px(0, 3, 0)).toEqual([85, 85, 85]);
    expect(px(0, 0, 3)).toEqual([170, 170, 170]);
    expect(px(0, 3, 3)).toEqual([255, 255, 255]);
  });

  it('colours teacher and student on one shared scale per row (their joint min and max)', () => {
    expect(px(1, 0, 0)).toEqual([...RAMP[0]!]);
    expect(px(1, 3, 0)).toEqual([...RAMP[2]!]);
    expect(px(2, 0, 0)).toEqual([...RAMP[1]!]);
    expect(px(2, 3, 3)).toEqual([...RAMP[4]!]);
  });

  it('overlays each map half and half on the grey input', () => {
    // Teacher 3 (ramp 1/2 = [188, 55, 84]) over grey 255: [221.5, 155, 169.5] rounded half up.
    expect(px(3, 3, 3)).toEqual([222, 155, 170]);
    // Student 2 (ramp 1/4 = [87, 16, 110]) over grey 0.
    expect(px(4, 0, 0)).toEqual([44, 8, 55]);
  });

  it('describes itself in a text chunk: columns, geometry and each row’s range', () => {
    const info = JSON.parse(textChunks(bytes)[HEAT_MAP_KEYWORD]!);
    expect(info).toEqual({
      format: 'kd-heat-map-grid',
      version: 1,
      tile,
      gap,
      columns: [...HEAT_MAP_COLUMNS],
      rows: [{ lo: 1, hi: 5 }],
      ramp: RAMP.map((c) => [...c]),
    });
  });
});
