/**
 * Float64 reference implementations of the convolution gradients, straight from their definitions
 * (NHWC, filter [kh, kw, Ci, Co] or depthwise [kh, kw, C, M]). Independent of every tfjs kernel; only the
 * padding amounts come from tfjs (`computeConv2DInfo`), since they define what the forward pass computed.
 */
export interface RefGeometry {
  readonly xShape: readonly [number, number, number, number];
  readonly filterShape: readonly [number, number, number, number];
  readonly dyShape: readonly [number, number, number, number];
  readonly strides: readonly [number, number];
  readonly dilations: readonly [number, number];
  readonly top: number;
  readonly left: number;
  readonly depthwise: boolean;
}

type Visit = (xIndex: number, filterIndex: number, dyIndex: number) => void;

/** Calls `visit` for every (x element, filter element, dy element) triple the forward convolution multiplies. */
function forEachProduct(g: RefGeometry, visit: Visit): void {
  const [n, h, w, c] = g.xShape;
  const [kh, kw, , fo] = g.filterShape;
  const [, oh, ow, oc] = g.dyShape;
  const [sh, sw] = g.strides;
  const [dh, dw] = g.dilations;
  for (let b = 0; b < n; b++)
    for (let r = 0; r < oh; r++)
      for (let q = 0; q < ow; q++)
        for (let i = 0; i < kh; i++) {
          const xr = r * sh + i * dh - g.top;
          if (xr < 0 || xr >= h) continue;
          for (let j = 0; j < kw; j++) {
            const xc = q * sw + j * dw - g.left;
            if (xc < 0 || xc >= w) continue;
            const xBase = ((b * h + xr) * w + xc) * c;
            const dyBase = ((b * oh + r) * ow + q) * oc;
            const fBase = (i * kw + j) * c * fo;
            for (let ci = 0; ci < c; ci++)
              for (let o = 0; o < fo; o++) {
                const dyChannel = g.depthwise ? ci * fo + o : o;
                visit(xBase + ci, fBase + ci * fo + o, dyBase + dyChannel);
              }
          }
        }
}

export function refFilterGrad(g: RefGeometry, x: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  const out = new Float64Array(g.filterShape.reduce((a, b) => a * b, 1));
  forEachProduct(g, (xi, fi, di) => {
    out[fi] = (out[fi] as number) + (x[xi] as number) * (dy[di] as number);
  });
  return out;
}

export function refInputGrad(g: RefGeometry, filter: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  const out = new Float64Array(g.xShape.reduce((a, b) => a * b, 1));
  forEachProduct(g, (xi, fi, di) => {
    out[xi] = (out[xi] as number) + (filter[fi] as number) * (dy[di] as number);
  });
  return out;
}
