import { parseLddOutput, runtimeImage } from './runtime-image';

describe('runtime image', () => {
  it('names the latest image of a family', () => {
    expect(runtimeImage('nodejs')).toBe('wisp-runtime-nodejs:latest');
  });

  it('reads the shared objects and the loader from ldd output, skipping the vdso', () => {
    const output = [
      '\tlinux-vdso.so.1 (0x00007ffd5a1f2000)',
      '\tlibdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007f8a908d2000)',
      '\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f8a90600000)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f8a9033e000)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f8a908ea000)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f8a9033e000)',
      '',
    ].join('\n');
    expect(parseLddOutput(output)).toEqual([
      '/lib/x86_64-linux-gnu/libdl.so.2',
      '/lib/x86_64-linux-gnu/libstdc++.so.6',
      '/lib/x86_64-linux-gnu/libc.so.6',
      '/lib64/ld-linux-x86-64.so.2',
    ]);
  });
});
