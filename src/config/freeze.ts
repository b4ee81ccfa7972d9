/** Deep freeze for the Options object: nothing downstream can change the configuration by accident. */

export function deepFreeze<T>(value: T): T {
  // URL objects keep internal state in private fields; typed arrays with elements cannot be frozen at all.
  if (value === null || typeof value !== 'object' || value instanceof URL || ArrayBuffer.isView(value))
    return value;
  for (const child of Object.values(value)) deepFreeze(child);
  return Object.freeze(value);
}
