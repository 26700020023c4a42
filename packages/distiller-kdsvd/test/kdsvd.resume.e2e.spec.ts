import { describeDistillerResume } from '@kd/testing';

describeDistillerResume({ distiller: { name: 'kdsvd' }, size: { trainLimit: 256 } });
