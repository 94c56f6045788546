import { describeValue, Messages } from './messages';

describe('describeValue', () => {
  it('names an object without converting it, whatever toString it carries (found by the package property test)', () => {
    expect(describeValue({ toString: null })).toBe('an object');
    expect(describeValue({ toString: () => { throw new Error('hostile'); } })).toBe('an object');
    expect(Messages.fieldType('parameters', { toString: null }, 'an array of {key, value}')).toBe("'parameters' must be an array of {key, value}, but was an object.");
  });

  it('shows scalars with their type', () => {
    expect(describeValue(null)).toBe('null');
    expect(describeValue([1])).toBe('an array');
    expect(describeValue(3)).toBe('number 3');
    expect(describeValue('x')).toBe("string 'x'");
  });
});
