// The closed-form weights the PyTorch fixture scripts (make_forward_fixture.py, make_recipe_replay_fixture.py) set,
// so a spec can load the same weights into kd's network without shipping them.

const salt = (name: string) => [...name].reduce((s, ch) => s + ch.charCodeAt(0), 0) % 97;

/**
 * The fixture's closed-form weights, evaluated in PyTorch's layout and stored in tfjs's (conv [kh, kw, in, out], dense
 * [in, out]); `offset` shifts the phase (the recipe replay draws a second set for the teacher).
 */
export function formulaValues(name: string, shape: readonly number[], offset = 0): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const sn = salt(name) + offset;
  const value = (i: number, fanIn: number) => {
    const s = Math.sin(0.7 * i + sn);
    if (name.endsWith('/kernel')) return s / Math.sqrt(fanIn);
    if (name.endsWith('/gamma')) return 1 + 0.2 * s;
    if (name.endsWith('/moving_variance')) return 1 + 0.5 * s * s;
    return 0.1 * s;
  };
  if (shape.length === 4) {
    const [kh, kw, cin, cout] = shape as [number, number, number, number];
    let j = 0;
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++)
        for (let ci = 0; ci < cin; ci++)
          for (let co = 0; co < cout; co++) out[j++] = value(((co * cin + ci) * kh + y) * kw + x, cin * kh * kw);
  } else if (shape.length === 2) {
    const [fin, fout] = shape as [number, number];
    let j = 0;
    for (let i = 0; i < fin; i++) for (let o = 0; o < fout; o++) out[j++] = value(o * fin + i, fin);
  } else for (let i = 0; i < n; i++) out[i] = value(i, 1);
  return out;
}
