/** Damson's own version, in a module of its own so every process can read it without loading the HTTP stack. */
export const DAMSON_VERSION = '0.1.0';
