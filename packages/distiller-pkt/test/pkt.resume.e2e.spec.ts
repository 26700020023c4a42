import { describeDistillerResume } from '@kd/testing';

describeDistillerResume({ distiller: { name: 'pkt' } });
