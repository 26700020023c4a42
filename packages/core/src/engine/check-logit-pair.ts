import type * as tf from '@tensorflow/tfjs-core';

/**
 * Refuses student and teacher logits that are not one `[batch, classes]` shape, or labels that are not `[batch]`,
 * with an error that names the loss (`method loss: …`).
 */
export function checkLogitPair(method: string, student: tf.Tensor, teacher: tf.Tensor, labels: tf.Tensor): void {
  if (student.rank !== 2 || teacher.rank !== 2) {
    throw new Error(
      `${method} loss: logits must be [batch, classes]; got student ${JSON.stringify(student.shape)}, teacher ${JSON.stringify(teacher.shape)}`,
    );
  }
  if (student.shape[0] !== teacher.shape[0] || student.shape[1] !== teacher.shape[1]) {
    throw new Error(
      `${method} loss: student ${JSON.stringify(student.shape)} and teacher ${JSON.stringify(teacher.shape)} logits differ in shape`,
    );
  }
  if (labels.rank !== 1 || labels.shape[0] !== student.shape[0]) {
    throw new Error(`${method} loss: labels must be [${student.shape[0]}]; got ${JSON.stringify(labels.shape)}`);
  }
}
