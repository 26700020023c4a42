import { packageVitestConfig } from '../../vitest.shared.mts';

export default packageVitestConfig(import.meta.dirname);
