import { brandedError, brandGuard } from '../protocol/branded-error';

/** A zip the proxy will not unpack; /init answers it as a broken archive. */
export class ArchiveError extends brandedError('ArchiveError') {}

export const isArchiveError = brandGuard(ArchiveError);
