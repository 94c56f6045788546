import type { Context } from 'koa';
import { toActivationView, type ActivationRecord } from '../../common/entities/activation';

// OpenWhisk's invoke contract (reference §1.4): 200 success, 502 application or developer
// error, 500 whisk error; `result=true` answers the result alone; an array result is answered
// as the bare array whatever was asked; a blocking call that ran out of time answers 202.

export const ACTIVATION_ID_HEADER = 'x-openwhisk-activation-id';

export function answerAccepted(ctx: Context, activationId: string): void {
  ctx.set(ACTIVATION_ID_HEADER, activationId);
  ctx.status = 202;
  ctx.body = { activationId };
}

export function answerCompleted(ctx: Context, record: ActivationRecord, resultOnly: boolean): void {
  ctx.set(ACTIVATION_ID_HEADER, record.activationId);
  const code = record.response.statusCode;
  ctx.status = code === 0 ? 200 : code === 3 ? 500 : 502;
  const result = record.response.result;
  if (Array.isArray(result)) ctx.body = result;
  else ctx.body = resultOnly ? (result ?? {}) : toActivationView(record);
}
