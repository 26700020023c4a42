import { gridPng, GRID, png } from '../test/fixture-run.js';
import { pngText, readHeatMapGrid } from './heat-map-grid.js';

describe('readHeatMapGrid', () => {
  it('reads the layout a grid PNG carries in its text chunk', () => {
    expect(readHeatMapGrid(gridPng())).toEqual({ tile: GRID.tile, gap: GRID.gap, columns: GRID.columns, rows: GRID.rows, ramp: GRID.ramp });
  });

  it('treats anything else as an ordinary image: no chunk, a truncated file, a chunk that is not the format', () => {
    expect(readHeatMapGrid(png())).toBeUndefined();
    expect(readHeatMapGrid(gridPng().subarray(0, 40))).toBeUndefined();
    expect(readHeatMapGrid(Buffer.from('not a png at all'))).toBeUndefined();
    const bad = Buffer.from(gridPng().toString('latin1').replace('"tile":8', '"tile":-8'), 'latin1');
    expect(pngText(bad, 'kd:heat-map-grid')).toContain('"tile":-8');
    expect(readHeatMapGrid(bad)).toBeUndefined();
  });
});
