// Docker's image reference grammar (distribution/reference): an optional registry host with
// port, slash-separated lowercase path components, an optional tag and an optional digest.
// Checked at PUT so a blackbox action cannot store a name Docker would refuse at run time.

const HOST_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST = `${HOST_COMPONENT}(?:\\.${HOST_COMPONENT})*(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(?:${HOST}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`);

export const MAX_IMAGE_REFERENCE_LENGTH = 255;

export function isImageReference(value: string): boolean {
  return value.length > 0 && value.length <= MAX_IMAGE_REFERENCE_LENGTH && REFERENCE.test(value);
}
