export { registerOneDnnKernels, unregisterOneDnnKernels, oneDnnImplementations, oneDnnRefusals, type OneDnnResult } from './register.js';
export { loadOneDnnAddon, ADDON_PATH, type AddonLoad, type OneDnnAddon } from './load-addon.js';
