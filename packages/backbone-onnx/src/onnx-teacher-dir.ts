import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { KdInputError } from '@kd/core';

/** The descriptor `kd import onnx` writes beside the model it copies: a directory holding both is a teacher. */
export const ONNX_TEACHER_FILE = 'kd-onnx-teacher.json';
export const ONNX_TEACHER_FORMAT = 'kd-onnx-teacher';

export interface OnnxTeacherDescriptor {
  readonly format: typeof ONNX_TEACHER_FORMAT;
  readonly version: 1;
  /** The model's file name inside the directory. */
  readonly model: string;
  /** The backbone options the import checked the model with (what `teacher.backbone` should say). */
  readonly backbone: Readonly<Record<string, unknown>>;
  readonly numClasses: number;
  readonly inputShape: readonly [number, number, number];
}

/**
 * The .onnx file that `teacher.weights` names: the path itself, or for a directory `kd import onnx` wrote, the model
 * its descriptor names. The descriptor may only name a file inside its own directory, so a shared teacher directory
 * cannot point kd at another path.
 */
export function resolveOnnxModel(location: string, where: string): string {
  if (!existsSync(location) || !statSync(location).isDirectory()) return location;
  const descriptorFile = join(location, ONNX_TEACHER_FILE);
  if (!existsSync(descriptorFile))
    throw new KdInputError(
      `${where} is a directory without ${ONNX_TEACHER_FILE}; the "onnx" backbone reads an ONNX model file (.onnx) or a directory written by \`kd import onnx\``,
    );
  let descriptor: Partial<OnnxTeacherDescriptor>;
  try {
    descriptor = JSON.parse(readFileSync(descriptorFile, 'utf8')) as Partial<OnnxTeacherDescriptor>;
  } catch (e) {
    throw new KdInputError(`${where}: ${ONNX_TEACHER_FILE} is not valid JSON (${(e as Error).message})`);
  }
  const model = descriptor.model;
  if (descriptor.format !== ONNX_TEACHER_FORMAT || typeof model !== 'string' || !model || basename(model) !== model || model === '..')
    throw new KdInputError(
      `${where}: ${ONNX_TEACHER_FILE} is not a kd ONNX teacher descriptor (expected "format": "${ONNX_TEACHER_FORMAT}" and "model": a file name in the same directory)`,
    );
  return join(location, model);
}
