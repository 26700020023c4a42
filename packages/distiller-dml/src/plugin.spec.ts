import { join } from 'node:path';
import { describePluginConformance } from '@kd/testing';
import * as pkg from './index.js';
import { dmlPlugin, register } from './index.js';

describePluginConformance({ plugin: dmlPlugin, register, module: pkg, packageDir: join(import.meta.dirname, '..') });
