/** A config's backbone section: the plugin's name and its options (each plugin's schema checks them). */
export interface BackboneSpec {
  readonly name: string;
  readonly [option: string]: unknown;
}

/** A config's distiller section: the plugin's name and its options. */
export interface DistillerSpec {
  readonly name: string;
  readonly [option: string]: unknown;
}
