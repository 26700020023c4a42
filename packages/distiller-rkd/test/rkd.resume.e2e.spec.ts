import { describeDistillerResume } from '@kd/testing';

describeDistillerResume({ distiller: { name: 'rkd' }, size: { trainLimit: 256 } });
