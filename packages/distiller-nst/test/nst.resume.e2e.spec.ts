import { describeDistillerResume } from '@kd/testing';

describeDistillerResume({ distiller: { name: 'nst' }, size: { trainLimit: 256 } });
