import { join } from 'node:path';
import { describePluginConformance } from '@kd/testing';
import * as pkg from './index.js';
import { ftPlugin, register } from './index.js';

describePluginConformance({ plugin: ftPlugin, register, module: pkg, packageDir: join(import.meta.dirname, '..') });
