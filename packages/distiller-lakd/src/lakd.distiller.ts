import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import {
  KdInputError,
  writeFileAtomic,
  type Distiller,
  type DistillerSetup,
  type OwnStepTerms,
  type Network,
  type StepContext,
  type TrainableModule,
} from '@kd/core';
import { Connector } from './connector.js';
import { heatMapGrid, type MapTile } from './heat-map.js';
import { localStep } from './local-step.js';
import { matchSpatial, objectiveSettings, type ObjectiveSettings } from './local-objective.js';
import type { LakdOptions } from './lakd.options.js';
import { planModules, type LocalModule } from './module-plan.js';
import { coarseActivationMap, coarseMapSize } from './ndam.js';
import { teacherSource } from './teacher-pass.js';

/** Folder of the run directory that receives the activation-map PNGs. */
export const LAKD_MAPS_DIR = 'maps';

/** The 0-based epoch from which each module's loss is on. */
export function moduleStartEpochs(progressive: LakdOptions['progressive'], modules: number, epochs: number): number[] {
  if (progressive === 'off') return Array.from({ length: modules }, () => 0);
  if (progressive === 'linear') return Array.from({ length: modules }, (_, l) => Math.floor((l * epochs) / (2 * modules)));
  if (progressive.length !== modules) {
    throw new KdInputError(`/distiller/progressive: got ${progressive.length} start epochs; expected one per module (${modules})`);
  }
  return [...progressive];
}

export class LakdDistiller implements Distiller {
  readonly usesTeacher = true;
  private modules: LocalModule[] = [];
  private connectors: (Connector | undefined)[] = [];
  private student: Network | undefined;
  private teacher: Network | undefined;
  private mapImages: tf.Tensor4D | undefined;
  private readonly settings: ObjectiveSettings;

  constructor(private readonly options: LakdOptions) {
    const { kernel, stride, mode } = options.ndam;
    if (kernel !== 'global' && stride === 1 && kernel % 2 !== 1) {
      throw new KdInputError(`/distiller/ndam/kernel: got ${kernel}; expected an odd window so the map keeps its size at stride 1`);
    }
    if (kernel === 'global' && (mode === 'loss' || mode === 'both')) {
      throw new KdInputError(
        `/distiller/ndam/kernel: "global" gives one number per sample, 1 once normalised, so mode "${mode}" would have L_att = 0; use mode "weight" or a window`,
      );
    }
    this.settings = objectiveSettings(options);
  }

  get plan(): readonly LocalModule[] {
    return this.modules;
  }

  setup(s: DistillerSetup): void {
    if (!s.teacher) throw new KdInputError('/teacher: the lakd distiller needs a teacher');
    this.student = s.student;
    this.teacher = s.teacher;
    const o = this.options;
    this.modules = planModules(s.student, s.teacher, o.modules, o.teacherStages, o.feature);
    const shapes = this.featureShapes(s.student, s.teacher);
    if (o.ndam.mode !== 'off' || o.maps.every > 0) {
      // Features are compared at the smaller of the two sizes (matchSpatial); the pooling must tile that size.
      for (const [[hs, ws], [ht, wt]] of shapes) coarseMapSize(Math.min(hs, ht), Math.min(ws, wt), o.ndam);
    }
    this.connectors = this.modules.map((m) => {
      const [studentShape, teacherShape] = shapes[m.index]!;
      const needed = o.connector === 'always' || studentShape[2] !== teacherShape[2];
      const useful = m.last ? o.lastFeatureLoss && o.beta > 0 : o.beta > 0;
      return needed && useful ? new Connector(`lakd_connector${m.index + 1}`, studentShape, teacherShape[2], s.rng) : undefined;
    });
    if (o.maps.every > 0) {
      s.events.on('epochEnd', (e) => {
        if ((e.epoch + 1) % o.maps.every === 0 || e.epoch + 1 === e.epochs) this.writeMaps(s.runDir, e.epoch);
      });
    }
  }

  extraModules(): readonly TrainableModule[] {
    return this.connectors.filter((c): c is Connector => c !== undefined);
  }

  trainStep(ctx: StepContext): OwnStepTerms {
    const { student, teacher, x, labels } = ctx;
    if (!teacher) throw new KdInputError('/teacher: the lakd distiller needs a teacher');
    if (!this.mapImages && this.options.maps.every > 0) {
      const n = Math.min(this.options.maps.images, x.shape[0]);
      this.mapImages = tf.keep(tf.slice(x, 0, n));
    }
    const starts = moduleStartEpochs(this.options.progressive, this.modules.length, ctx.epochs);
    const source = teacherSource(
      teacher,
      x,
      this.modules.map((m) => m.teacherFeature),
    );
    try {
      const result = localStep({
        student,
        modules: this.modules,
        connectors: this.connectors,
        settings: this.settings,
        x,
        labels,
        teacher: source,
        active: starts.map((e) => ctx.epoch >= e),
        truncate: this.options.truncate,
      });
      ctx.optimizer.applyGradients(result.grads);
      return { total: result.total, terms: result.terms, studentLogits: result.logits };
    } finally {
      source.dispose();
    }
  }

  dispose(): void {
    this.mapImages?.dispose();
    this.mapImages = undefined;
    for (const c of this.connectors) c?.dispose();
    this.connectors = [];
  }

  private featureShapes(student: Network, teacher: Network): [[number, number, number], [number, number, number]][] {
    const probe = (net: Network) =>
      tf.tidy(() => {
        const out = net.apply(tf.zeros([1, ...net.inputShape]) as tf.Tensor4D, { training: false });
        return Object.fromEntries(Object.entries(out.features).map(([k, v]) => [k, v.shape.slice(1) as [number, number, number]]));
      });
    const s = probe(student);
    const t = probe(teacher);
    return this.modules.map((m) => {
      if (!s[m.studentFeature])
        throw new KdInputError(
          `/distiller/feature: the student has no feature ${JSON.stringify(m.studentFeature)} (it exposes ${Object.keys(s).join(', ')})`,
        );
      if (!t[m.teacherFeature])
        throw new KdInputError(
          `/distiller/feature: the teacher has no feature ${JSON.stringify(m.teacherFeature)} (it exposes ${Object.keys(t).join(', ')})`,
        );
      return [s[m.studentFeature]!, t[m.teacherFeature]!];
    });
  }

  /** Input, teacher map and student map per image, one PNG per module, for the same images every time. */
  private writeMaps(runDir: string, epoch: number): void {
    if (!this.mapImages || !this.student || !this.teacher) return;
    const images = this.mapImages;
    const grids = tf.tidy(() => {
      const tOut = this.teacher!.apply(images, { training: false });
      const sOut = this.student!.apply(images, { training: false });
      const inputMap = tf.mean(images, 3) as tf.Tensor3D;
      return this.modules.map((m) => {
        const [fs, ft] = matchSpatial(sOut.features[m.studentFeature] as tf.Tensor4D, tOut.features[m.teacherFeature] as tf.Tensor4D);
        const maps = [inputMap, coarseActivationMap(ft, this.options.ndam), coarseActivationMap(fs, this.options.ndam)];
        return maps.map((t) => ({ values: t.dataSync() as Float32Array, shape: t.shape }));
      });
    });
    const dir = join(runDir, LAKD_MAPS_DIR);
    mkdirSync(dir, { recursive: true });
    grids.forEach((maps, l) => {
      const n = images.shape[0];
      const rows: MapTile[][] = Array.from({ length: n }, (_, i) =>
        maps.map(({ values, shape }) => {
          const [, h, w] = shape as [number, number, number];
          return { values: values.subarray(i * h * w, (i + 1) * h * w), height: h, width: w };
        }),
      );
      const name = `epoch-${String(epoch + 1).padStart(3, '0')}-module-${l + 1}.png`;
      writeFileAtomic(join(dir, name), heatMapGrid(rows));
    });
  }
}
