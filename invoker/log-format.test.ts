import { formatActivationLogs, formatLogLine } from './log-format';

const now = new Date('2024-06-10T06:13:21.000Z');

describe('formatLogLine', () => {
  it('pads the time to 30 characters and trims the text', () => {
    expect(formatLogLine({ time: '2024-06-10T06:13:20.123Z', stream: 'stdout', text: '  hello \n' })).toBe(
      '2024-06-10T06:13:20.123Z       stdout: hello',
    );
  });

  it('leaves a nanosecond time of exactly 30 characters as it is', () => {
    expect(formatLogLine({ time: '2024-06-10T06:13:20.123456789Z', stream: 'stderr', text: 'oops' })).toBe(
      '2024-06-10T06:13:20.123456789Z stderr: oops',
    );
  });
});

describe('formatActivationLogs', () => {
  const lines = [
    { time: '2024-06-10T06:13:20.123456789Z', stream: 'stdout', text: 'a' },
    { time: '2024-06-10T06:13:20.223456789Z', stream: 'stderr', text: 'b' },
  ] as const;

  it('formats complete logs without notices', () => {
    expect(formatActivationLogs({ lines, truncated: false, complete: true }, { limitBytes: 10, developerError: false, now })).toEqual([
      '2024-06-10T06:13:20.123456789Z stdout: a',
      '2024-06-10T06:13:20.223456789Z stderr: b',
    ]);
  });

  it('appends the truncation notice with the limit in bytes', () => {
    const out = formatActivationLogs({ lines, truncated: true, complete: true }, { limitBytes: 10485760, developerError: false, now });
    expect(out).toHaveLength(3);
    expect(out[2]).toBe('2024-06-10T06:13:21.000Z       stderr: Logs were truncated because the total bytes size exceeds the limit of 10485760 bytes.');
  });

  it('appends the developer-error notice instead of the incomplete one', () => {
    const out = formatActivationLogs({ lines: [], truncated: false, complete: false }, { limitBytes: 1, developerError: true, now });
    expect(out).toEqual(['2024-06-10T06:13:21.000Z       stderr: The action did not initialize or run as expected. Log data might be missing.']);
  });

  it('says logs may be missing when the sentinel never came', () => {
    const out = formatActivationLogs({ lines: [], truncated: false, complete: false }, { limitBytes: 1, developerError: false, now });
    expect(out).toEqual(['2024-06-10T06:13:21.000Z       stderr: There was an issue while collecting your logs. Data might be missing.']);
  });
});
