import * as tf from '@tensorflow/tfjs-core';
import type { Network } from '../contracts/network.js';
import type { PipelineConfig } from '../config/pipeline-config.js';

export interface NetworkPlan {
  readonly backbone: string;
  readonly params: number;
  /** Inference FLOPs for one image, when the backbone counts them. */
  readonly flops: number | null;
  /** Every tapped output of one forward pass, without the batch dimension. */
  readonly features: Readonly<Record<string, readonly number[]>>;
  readonly stages: readonly string[];
}

export interface PipelinePlan {
  readonly dataset: {
    readonly name: string;
    readonly numClasses: number;
    readonly inputShape: readonly number[];
    readonly train: number;
    readonly test: number;
  };
  readonly student: NetworkPlan;
  readonly teacher: NetworkPlan | null;
  readonly distiller: string | null;
  readonly stages: readonly { readonly name: string; readonly epochs: number }[];
  /** Stages whose teacher and student shapes differ (a connector or pooling is needed to compare them). */
  readonly mismatches: readonly string[];
  readonly memory: {
    readonly paramBytes: number;
    readonly optimizerBytes: number;
    readonly activationBytesPerBatch: number;
    readonly totalBytes: number;
  };
}

/** Shapes of every output of a network, from one inference pass on a zero image. */
export function describeNetwork(network: Network): NetworkPlan {
  const features: Record<string, number[]> = {};
  tf.tidy(() => {
    const out = network.apply(tf.zeros([1, ...network.inputShape]) as tf.Tensor4D, { training: false });
    for (const [k, v] of Object.entries(out.features)) features[k] = v.shape.slice(1);
    features['embedding'] = out.embedding.shape.slice(1);
    features['logits'] = out.logits.shape.slice(1);
  });
  return {
    backbone: network.spec.name,
    params: network.countParams(),
    flops: network.countFlops?.() ?? null,
    features,
    stages: network.stages.map((s) => s.name),
  };
}

export function planMemory(config: PipelineConfig, student: NetworkPlan, teacher: NetworkPlan | null, optimizerSlots: number) {
  const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  const paramBytes = 4 * (student.params + (teacher?.params ?? 0));
  const optimizerBytes = 4 * student.params * (optimizerSlots + 1); // slots + gradients
  // Forward activations are kept for the backward pass, and gradients of the same size flow back.
  const act = (p: NetworkPlan) => Object.values(p.features).reduce((a, s) => a + size(s), 0);
  const activationBytesPerBatch = 4 * config.training.batchSize * (2 * act(student) + (teacher ? act(teacher) : 0));
  return { paramBytes, optimizerBytes, activationBytesPerBatch, totalBytes: paramBytes + optimizerBytes + activationBytesPerBatch };
}

export function mismatches(student: NetworkPlan, teacher: NetworkPlan | null): string[] {
  if (!teacher) return [];
  const out: string[] = [];
  const n = Math.min(student.stages.length, teacher.stages.length);
  if (student.stages.length !== teacher.stages.length)
    out.push(`stage count: teacher ${teacher.stages.length}, student ${student.stages.length} — feature distillers pair stages by index`);
  for (let i = 0; i < n; i++) {
    const s = student.features[student.stages[i]!]!;
    const t = teacher.features[teacher.stages[i]!]!;
    if (s.join('x') !== t.join('x'))
      out.push(
        `${student.stages[i]}: teacher [${t.join(', ')}] vs student [${s.join(', ')}]${s[s.length - 1] !== t[t.length - 1] ? ' — channels differ: needs a connector' : ' — spatial size differs'}`,
      );
  }
  return out;
}
