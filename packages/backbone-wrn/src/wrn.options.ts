import { backboneOptionsSchema, type OptionsOf } from '@kd/core';

/** The named Wide ResNets of the RepDistiller / mdistiller model zoo (`wrn_<depth>_<widen>`). */
export const WRN_PRESETS = {
  wrn_16_1: { depth: 16, widen: 1 },
  wrn_16_2: { depth: 16, widen: 2 },
  wrn_40_1: { depth: 40, widen: 1 },
  wrn_40_2: { depth: 40, widen: 2 },
} as const satisfies Record<string, { depth: number; widen: number }>;

export type WrnPreset = keyof typeof WRN_PRESETS;

export const wrnOptionsSchema = backboneOptionsSchema(
  'wrn',
  'CIFAR Wide ResNet of the RepDistiller / mdistiller model zoo: 3×3 stem conv, three groups of pre-activation blocks (BN-ReLU-conv, strides 1, 2, 2), final BN-ReLU, global average pooling, linear classifier.',
  {
    depth: {
      type: 'integer',
      minimum: 10,
      default: 40,
      description:
        'Depth 6n + 4 (10, 16, 22, 28, 34, 40, …): n = (depth − 4)/6 blocks per group. WRN-16-k and WRN-40-k are the KD presets.',
    },
    widen: {
      type: 'integer',
      minimum: 1,
      default: 2,
      description: 'Widen factor k: group widths 16k, 32k, 64k after a 16-channel stem.',
    },
  },
);

/** Options as the plugin's factory receives them: validated, with the schema's defaults applied. */
export type WrnOptions = OptionsOf<typeof wrnOptionsSchema>;

/** Checks what the schema cannot express ((depth − 4) % 6 == 0) and returns the blocks per group and widths. */
export function wrnGeometry(o: Pick<WrnOptions, 'depth' | 'widen'>): { blocks: number; widths: [number, number, number, number] } {
  const { depth, widen } = o;
  if (!Number.isInteger(depth) || depth < 10 || (depth - 4) % 6 !== 0)
    throw new Error(`wrn: depth must be an integer 6n + 4 with n ≥ 1 (10, 16, 22, …, 40, …), got ${String(depth)}`);
  if (!Number.isInteger(widen) || widen < 1) throw new Error(`wrn: widen must be an integer ≥ 1, got ${String(widen)}`);
  return { blocks: (depth - 4) / 6, widths: [16, 16 * widen, 32 * widen, 64 * widen] };
}
