import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** The parts of tfjs-layers' graph bookkeeping this module walks; they are public fields of its classes. */
interface GraphNode {
  readonly inputTensors: tfl.SymbolicTensor[];
  readonly outputTensors: tfl.SymbolicTensor[];
}
interface GraphLayer {
  readonly name: string;
  readonly inboundNodes: GraphNode[];
  readonly trainableWeights: { read(): tf.Tensor }[];
  getClassName(): string;
  apply(inputs: tf.Tensor | tf.Tensor[], kwargs?: Record<string, unknown>): tf.Tensor | tf.Tensor[];
}

function layerOf(s: tfl.SymbolicTensor): GraphLayer {
  return s.sourceLayer as unknown as GraphLayer;
}

function isInput(s: tfl.SymbolicTensor): boolean {
  return layerOf(s).getClassName() === 'InputLayer';
}

/**
 * Runs part of a tfjs-layers functional graph from tensors fed at chosen symbolic tensors (a stage boundary) instead
 * of from the model input. tfjs-layers keeps its own executor private and only feeds model inputs, so a network
 * cannot otherwise be run one stage at a time. Layers are applied exactly as the model's own executor does
 * (`layer.apply(inputs, { training })`), so batch norm behaves the same in either path.
 */
export class LayerGraph {
  /**
   * The layers between `feeds` and `fetches`: those a forward pass from the feeds to the fetches applies. Throws when
   * a fetch also depends on the model input by another path, i.e. the feeds do not cut the graph.
   */
  layersBetween(fetches: readonly tfl.SymbolicTensor[], feeds: readonly tfl.SymbolicTensor[]): GraphLayer[] {
    const fed = new Set(feeds.map((s) => s.id));
    const seen = new Set<number>();
    const layers = new Map<string, GraphLayer>();
    const visit = (s: tfl.SymbolicTensor, from: tfl.SymbolicTensor): void => {
      if (fed.has(s.id) || seen.has(s.id)) return;
      seen.add(s.id);
      if (isInput(s)) {
        throw new Error(
          `${from.name} depends on the model input by a path that bypasses ${feeds.map((f) => f.name).join(', ') || 'the fed tensors'}: ` +
            'the stage boundary does not cut the graph',
        );
      }
      const layer = layerOf(s);
      layers.set(layer.name, layer);
      for (const input of this.nodeOf(s).inputTensors) visit(input, from);
    };
    for (const f of fetches) visit(f, f);
    return [...layers.values()];
  }

  /** Whether `target` can be computed from `feeds` alone. */
  computableFrom(target: tfl.SymbolicTensor, feeds: readonly tfl.SymbolicTensor[]): boolean {
    try {
      this.layersBetween([target], feeds);
      return true;
    } catch {
      return false;
    }
  }

  /** Computes `fetches` from values fed at `feeds` (same order), applying each layer once. */
  run(
    fetches: readonly tfl.SymbolicTensor[],
    feeds: readonly tfl.SymbolicTensor[],
    values: readonly tf.Tensor[],
    kwargs: { readonly training: boolean },
  ): tf.Tensor[] {
    const computed = new Map<number, tf.Tensor>();
    feeds.forEach((s, i) => computed.set(s.id, values[i]!));
    const evaluate = (s: tfl.SymbolicTensor): tf.Tensor => {
      const known = computed.get(s.id);
      if (known) return known;
      if (isInput(s)) throw new Error(`${s.name} needs the model input, which was not fed`);
      const node = this.nodeOf(s);
      const inputs = node.inputTensors.map(evaluate);
      const outputs = layerOf(s).apply(inputs.length === 1 ? inputs[0]! : inputs, { training: kwargs.training });
      const list = Array.isArray(outputs) ? outputs : [outputs];
      node.outputTensors.forEach((o, i) => computed.set(o.id, list[i]!));
      return computed.get(s.id)!;
    };
    return fetches.map(evaluate);
  }

  private nodeOf(s: tfl.SymbolicTensor): GraphNode {
    const node = layerOf(s).inboundNodes[s.nodeIndex];
    if (!node) throw new Error(`${s.name}: no graph node ${s.nodeIndex} on layer ${layerOf(s).name}`);
    return node;
  }
}
