// The CIFAR ResNets of @kd/backbone-resnet that the speed benchmarks train (train-step.ts times them). Import it after
// the backend's environment (KD_WASM_THREADS) is set.
import type { Network } from '@kd/core';
import { resnetPlugin } from '@kd/backbone-resnet';
import { backbone, built, type BackboneSetup } from './train-step.js';

/** A CIFAR ResNet of @kd/backbone-resnet (`resnet20`, `resnet8x4`, …; `resnet18` at size 224). */
export function resnet(variant: string, setup: BackboneSetup = {}): Network {
  return built(backbone(resnetPlugin, { variant }, setup));
}
