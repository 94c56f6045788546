import { brandedError, brandGuard } from './branded-error';

class SampleError extends brandedError('SampleError') {
  constructor(readonly detail: string) {
    super(`sample: ${detail}`);
  }
}
const isSampleError = brandGuard(SampleError);

describe('branded errors', () => {
  it('sets name and message, keeps the cause, and stays an Error', () => {
    const cause = new Error('root');
    const error = new (class extends brandedError('CausedError') {})('caused', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('CausedError');
    expect(error.cause).toBe(cause);
    expect(new SampleError('x')).toMatchObject({ name: 'SampleError', message: 'sample: x', detail: 'x' });
  });

  it('recognises an error made by another copy of the class, as instanceof does not', () => {
    let OtherCopy!: typeof SampleError;
    jest.isolateModules(() => {
      // A second copy of the helper, as a second module registry would load it.
      const { brandedError: otherBrandedError } = require('./branded-error') as typeof import('./branded-error');
      OtherCopy = class extends otherBrandedError('SampleError') {
        constructor(readonly detail: string) {
          super(`sample: ${detail}`);
        }
      };
    });
    const foreign = new OtherCopy('y');
    expect(foreign instanceof SampleError).toBe(false);
    expect(isSampleError(foreign)).toBe(true);
  });

  it('tells brands apart and refuses what is not an error of the class', () => {
    const isOther = brandGuard(class extends brandedError('OtherError') {});
    expect(isOther(new SampleError('z'))).toBe(false);
    for (const value of [new Error('plain'), { name: 'SampleError' }, null, undefined, 'SampleError']) expect(isSampleError(value)).toBe(false);
  });
});
