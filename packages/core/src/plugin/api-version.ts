/** The plugin API this core implements. Bump on any breaking change to the contracts in `contracts/`. */
export const API_VERSION = 1;
/** Oldest plugin API this core still loads. */
export const MIN_API_VERSION = 1;
