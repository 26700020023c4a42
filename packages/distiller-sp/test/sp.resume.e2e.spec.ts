import { describeDistillerResume } from '@kd/testing';

// two stages compared, so the resumed run also re-pairs explicitly chosen stages
describeDistillerResume({ distiller: { name: 'sp', stages: ['stage1', 'stage2'] } });
