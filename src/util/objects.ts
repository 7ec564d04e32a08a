// Small helpers that know nothing of ml-image, in the lowest layer so that any folder may use them: here,
// telling a parsed YAML or JSON mapping from the other values it may be.

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
