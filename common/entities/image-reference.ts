// Docker's image reference grammar (distribution/reference): an optional registry host with
// port, slash-separated lowercase path components, an optional tag and an optional digest.
// Checked at PUT so a blackbox action cannot store a name Docker would refuse at run time.

const HOST_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST = new RegExp(`^${HOST_COMPONENT}(?:\\.${HOST_COMPONENT})*(?::[0-9]+)?$`);
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REMOTE_NAME = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`);

export const MAX_IMAGE_REFERENCE_LENGTH = 255;

export function isImageReference(value: string): boolean {
  if (value.length === 0 || value.length > MAX_IMAGE_REFERENCE_LENGTH) return false;
  const slash = value.indexOf('/');
  const first = slash < 0 ? '' : value.slice(0, slash);
  // As Docker reads it, the first component names a registry only if it has a '.' or a ':' or is 'localhost'.
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    return HOST.test(first) && REMOTE_NAME.test(value.slice(slash + 1));
  }
  return REMOTE_NAME.test(value);
}
