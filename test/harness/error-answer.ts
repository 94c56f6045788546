// OpenWhisk answers every refusal as { error, code }, where code is the request's X-Request-ID.

/** The status and message of an error answer, after checking that its code is the request id. */
export async function errorOf(res: Response): Promise<{ status: number; error: string }> {
  const body = (await res.json()) as { error: string; code: string };
  expect(body.code).toBe(res.headers.get('x-request-id'));
  return { status: res.status, error: body.error };
}

/** Fails unless `res` is the error answer with `status` and `message`. */
export async function expectErrorAnswer(res: Response, status: number, message: string): Promise<void> {
  expect(await errorOf(res)).toEqual({ status, error: message });
}

/** The JSON body of an answer that must be 200; a failure shows the status with the body. */
export async function okBody(res: Response | Promise<Response>): Promise<Record<string, unknown>> {
  const answer = await res;
  const body = (await answer.json()) as Record<string, unknown>;
  expect({ status: answer.status, body }).toMatchObject({ status: 200 });
  return body;
}
