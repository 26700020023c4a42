export { captureIo, type CapturedIo as Captured } from '@kd/testing';
