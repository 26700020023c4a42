import type { DependencyContainer } from 'tsyringe';
import type { Dataset } from '../contracts/dataset.js';
import type { BackboneContext, Network } from '../contracts/network.js';
import type { Distiller } from '../contracts/distiller.js';
import type { Evaluator } from '../contracts/evaluator.js';
import type { Tracker } from '../contracts/tracker.js';

export type PluginKind = 'dataset' | 'backbone' | 'distiller' | 'evaluator' | 'tracker';
export const PLUGIN_KINDS: readonly PluginKind[] = ['dataset', 'backbone', 'distiller', 'evaluator', 'tracker'];

/** A JSON Schema (draft 2020-12) object. Core treats it as data and validates with ajv. */
export type JsonSchema = Readonly<Record<string, unknown>>;

export interface PaperReference {
  readonly title: string;
  readonly authors?: string;
  readonly year?: number;
  readonly url?: string;
}

export interface PluginManifest {
  readonly kind: PluginKind;
  /** The `name` used in configs; the package is `@kd/<kind>-<name>`. */
  readonly name: string;
  /** The package version. */
  readonly version: string;
  /** The plugin API the plugin was written against (see `API_VERSION`). */
  readonly apiVersion: number;
  readonly title: string;
  readonly description?: string;
  readonly paper?: PaperReference;
  /**
   * Set when the method is a reconstruction rather than the paper's published method (its loss or recipe could not
   * be obtained): what is reconstructed, in a sentence. Runs record it in provenance.json, and reports and benchmark
   * pages label the method's numbers "reconstruction" wherever they appear.
   */
  readonly reconstruction?: string;
  /** Options schema of the plugin's config object (including `name`). */
  readonly optionsSchema: JsonSchema;
}

/** What each kind's factory receives besides the validated options. */
export interface FactoryContext {
  readonly container: DependencyContainer;
  /** Directory relative paths in options resolve against (the config file's directory). */
  readonly baseDir: string;
}

export interface DatasetFactory<O = Record<string, unknown>> {
  (options: O, context: FactoryContext & { readonly seed: number }): Promise<Dataset> | Dataset;
}
export interface BackboneFactory<O = Record<string, unknown>> {
  (options: O, context: FactoryContext & BackboneContext): Promise<Network> | Network;
}
export interface DistillerFactory<O = Record<string, unknown>> {
  (options: O, context: FactoryContext): Promise<Distiller> | Distiller;
}
export interface EvaluatorFactory<O = Record<string, unknown>> {
  (options: O, context: FactoryContext): Promise<Evaluator> | Evaluator;
}
export interface TrackerFactory<O = Record<string, unknown>> {
  (options: O, context: FactoryContext): Promise<Tracker> | Tracker;
}

interface PluginBase<K extends PluginKind, F> {
  readonly manifest: PluginManifest & { readonly kind: K };
  readonly create: F;
  /** Optional extra services this plugin contributes (called by `register`). */
  readonly services?: (container: DependencyContainer) => void;
}

// A registry holds plugins of every options type; the composed schema guarantees each one's options at run time.
/* eslint-disable @typescript-eslint/no-explicit-any */
export type DatasetPlugin<O = any> = PluginBase<'dataset', DatasetFactory<O>>;
export type BackbonePlugin<O = any> = PluginBase<'backbone', BackboneFactory<O>>;
export type DistillerPlugin<O = any> = PluginBase<'distiller', DistillerFactory<O>>;
export type EvaluatorPlugin<O = any> = PluginBase<'evaluator', EvaluatorFactory<O>>;
export type TrackerPlugin<O = any> = PluginBase<'tracker', TrackerFactory<O>>;
/* eslint-enable @typescript-eslint/no-explicit-any */

/** A plugin: a plain object of manifest, options schema and factory. */
export type KdPlugin = DatasetPlugin | BackbonePlugin | DistillerPlugin | EvaluatorPlugin | TrackerPlugin;

/** Identity helper that gives plugin authors type checking. */
export function definePlugin<P extends KdPlugin>(plugin: P): P {
  return plugin;
}
