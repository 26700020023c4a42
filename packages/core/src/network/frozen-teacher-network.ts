import type { BackboneContext, StageInfo } from '../contracts/network.js';
import { requireTeacherScope } from './require-teacher-scope.js';

/**
 * What the backbones wrapping a model kd cannot train (an ONNX Runtime session, a foreign TensorFlow.js model) share:
 * they are built only as the teacher, keep the context's sizes and their options as their spec, and know their stages
 * only once `loadWeights` has read the model (`stageInfos`, empty until then).
 */
export abstract class FrozenTeacherNetwork {
  readonly name: string;
  readonly numClasses: number;
  readonly inputShape: readonly [number, number, number];
  readonly spec: { readonly name: string; readonly options: Readonly<Record<string, unknown>> };
  protected stageInfos: readonly StageInfo[] = [];

  /** @param what completes "the <backbone> backbone is a frozen teacher …" (see {@link requireTeacherScope}). */
  protected constructor(backbone: string, what: string, options: object, context: BackboneContext) {
    requireTeacherScope(context, backbone, what);
    this.name = context.scope;
    this.numClasses = context.numClasses;
    this.inputShape = context.inputShape;
    this.spec = { name: backbone, options: { ...options } };
  }

  get stages(): readonly StageInfo[] {
    return this.stageInfos;
  }
}
