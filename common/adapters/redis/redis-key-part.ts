// Redis keys are `prefix:part:part`; a namespace or entity name holding ':' could make two
// different (namespace, name) pairs build one key. Escaping '%', ':' and newline keeps the
// mapping one-to-one (newline is the separator inside the activation expiry members).

export function escapeKeyPart(part: string): string {
  return part.replace(/%/g, '%25').replace(/:/g, '%3A').replace(/\n/g, '%0A');
}
