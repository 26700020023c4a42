import type { BackboneContext } from '../contracts/network.js';
import { KdInputError } from '../errors/errors.js';

/**
 * Backbones that wrap a model kd cannot train (an ONNX Runtime session, a foreign TensorFlow.js model) may only be
 * built as the teacher. Refusing at construction names the config field the user must change, before any weights are
 * read, instead of failing later on a missing gradient.
 *
 * @param backbone the backbone's registered name, as the config spells it.
 * @param what what the backbone is, completing "the <backbone> backbone is a frozen teacher …".
 */
export function requireTeacherScope(context: BackboneContext, backbone: string, what: string): void {
  if (context.scope === 'teacher') return;
  const where = context.scope === 'student' ? '/student/backbone/name' : `the "${context.scope}" network`;
  throw new KdInputError(
    `${where}: the "${backbone}" backbone is a frozen teacher ${what} and cannot be trained; use it only under "teacher" and give the ${context.scope} a kd backbone (cnn, resnet, …)`,
  );
}
