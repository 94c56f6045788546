/** A zip the proxy will not unpack; /init answers it as a broken archive. */
export class ArchiveError extends Error {
  override readonly name = 'ArchiveError';
}
