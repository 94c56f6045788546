import { exitCodeForStatus } from './exit-codes';

describe('exit codes', () => {
  it('are the HTTP status minus 256, the codes OpenWhisk’s CLI tests expect (TestUtils.java)', () => {
    expect([400, 401, 403, 404, 409, 413, 429, 500, 502, 503].map(exitCodeForStatus)).toEqual([144, 145, 147, 148, 153, 157, 173, 244, 246, 247]);
  });
});
