import { join } from 'node:path';
import { describePluginConformance } from '@kd/testing';
import * as pkg from './index.js';
import { ieKdPlugin, register } from './index.js';

describePluginConformance({ plugin: ieKdPlugin, register, module: pkg, packageDir: join(import.meta.dirname, '..') });
