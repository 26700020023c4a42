/**
 * `ceWeight` of a method whose reference trains with the plain cross-entropy at weight 1 beside its own term (every
 * feature and relation method of mdistiller and RepDistiller: CE_WEIGHT 1, `-r 1`). Spread into the options schema;
 * methods with another reference weight (KD's 0.1, say) write their own.
 */
export const ceWeightOption = {
  type: 'number',
  minimum: 0,
  default: 1,
  description:
    'Weight of the cross-entropy with the hard labels. The reference code trains with 1 (mdistiller CE_WEIGHT, RepDistiller -r).',
} as const;
