import { probeFeatures, type Network } from '@kd/core';

/**
 * The feature name IE-KD's "last" stands for: `<last stage>_relu` where the backbone exposes it, else the last stage's
 * output. The official code taps WRN after its final batch norm and ReLU (the tensor that is pooled), which backbone-wrn
 * gives as `stage3_relu`; in the CIFAR ResNets the last stage already ends with a ReLU and there is no such tap. Any
 * other option value is a feature name and is returned as is.
 */
export function ieKdFeatureName(network: Network, option: string): string {
  if (option !== 'last') return option;
  const last = network.stages[network.stages.length - 1]?.name;
  if (!last) return option;
  const relu = `${last}_relu`;
  return relu in probeFeatures(network) ? relu : last;
}
