import { brandedError, brandGuard } from '../../common/protocol/branded-error';

/** A wisp-admin command line that cannot run: the message names the argument, the value and the rule. */
export class UsageError extends brandedError('UsageError') {}

export const isUsageError = brandGuard(UsageError);
