import { describeDistillerResume } from '@kd/testing';

describeDistillerResume({
  // warm-up over both epochs: the resumed epoch must also take the right factor
  distiller: { name: 'reviewkd', warmupEpochs: 2 },
  size: { trainLimit: 256 },
  why: 'ABF parameters and optimiser state included',
  moduleState: ['reviewkd::abf0.conv1', 'reviewkd::abf0.attention', 'reviewkd::abf2.conv2', 'reviewkd::abf2.gamma2'],
});
