import type * as tf from '@tensorflow/tfjs-core';
import type { LossInputs } from '../contracts/distiller.js';
import { teacherOutput } from '../network/feature-of.js';

/**
 * What a relational loss on the pooled embeddings reads in one step: the `[B, D]` embeddings of both networks (the
 * widths may differ: such losses compare samples with each other, not the vectors) and the student's logits with the
 * labels for the cross-entropy term.
 */
export interface EmbeddingLossInputs {
  readonly studentEmbedding: tf.Tensor2D;
  readonly teacherEmbedding: tf.Tensor2D;
  readonly studentLogits: tf.Tensor2D;
  readonly labels: tf.Tensor1D;
}

/** A step's {@link EmbeddingLossInputs}; `method` names the distiller in the error for a missing teacher output. */
export function embeddingLossInputs(inputs: LossInputs, method: string): EmbeddingLossInputs {
  const teacher = teacherOutput(inputs, method);
  return {
    studentEmbedding: inputs.student.embedding,
    teacherEmbedding: teacher.embedding,
    studentLogits: inputs.student.logits,
    labels: inputs.labels,
  };
}
