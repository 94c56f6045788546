import { rejection } from '../../test/harness/rejection';
import type { PackageDoc } from '../../common/entities/package';
import { buildPackage, parsePackageInput } from './package-input';

// OpenWhisk's package create and update rules, without the store.

const context = { namespace: 'guest', name: 'pkg', now: 1000 };

describe('parsePackageInput and buildPackage', () => {
  it('creates a package with defaults, ignoring unknown fields and the body namespace and name', () => {
    const doc = buildPackage(parsePackageInput({ namespace: 'x', name: 'y', whatever: 1 }, 'guest'), context);
    expect(doc).toEqual({ entityType: 'package', namespace: 'guest', name: 'pkg', version: '0.0.1', publish: false, parameters: [], annotations: [], updated: 1000 });
  });

  it('reads null as not given, and `{}` as no binding', () => {
    expect(parsePackageInput({ binding: null, parameters: null, publish: null, version: null, annotations: null }, 'guest')).toEqual({});
    expect(parsePackageInput({ binding: {} }, 'guest')).toEqual({});
    expect(parsePackageInput({ binding: { namespace: null, name: null } }, 'guest')).toEqual({});
  });

  it('resolves `_` in a binding to the package namespace and owns the binding annotation', () => {
    const input = parsePackageInput({ binding: { namespace: '_', name: 'target', extra: 1 }, annotations: [{ key: 'binding', value: 'forged' }, { key: 'a', value: 1 }] }, 'guest');
    expect(input.binding).toEqual({ namespace: 'guest', name: 'target' });
    const doc = buildPackage(input, context);
    expect(doc.binding).toEqual({ namespace: 'guest', name: 'target' });
    expect(doc.annotations).toEqual([{ key: 'a', value: 1 }, { key: 'binding', value: { namespace: 'guest', name: 'target' } }]);
  });

  it('updates: given fields replace, others are kept, the version bumps, a binding stays a binding', () => {
    const existing: PackageDoc = { ...buildPackage(parsePackageInput({ binding: { namespace: 'a', name: 'b' }, parameters: [{ key: 'p', value: 1 }], annotations: [{ key: 'x', value: 1 }] }, 'guest'), context), version: '1.2.3' };
    const updated = buildPackage(parsePackageInput({ publish: true }, 'guest'), { ...context, now: 2000 }, existing);
    expect(updated).toMatchObject({ version: '1.2.4', publish: true, binding: { namespace: 'a', name: 'b' }, parameters: [{ key: 'p', value: 1 }], updated: 2000 });
    expect(updated.annotations).toEqual([{ key: 'x', value: 1 }, { key: 'binding', value: { namespace: 'a', name: 'b' } }]);
    const replaced = buildPackage(parsePackageInput({ parameters: [], annotations: [], version: '9.0.0', binding: { namespace: 'c', name: 'd' } }, 'guest'), context, existing);
    expect(replaced).toMatchObject({ version: '9.0.0', parameters: [], annotations: [{ key: 'binding', value: { namespace: 'c', name: 'd' } }], binding: { namespace: 'c', name: 'd' } });
  });

  it('never turns a package into a binding (409), and treats a stored `{}` binding as none', () => {
    const plain = buildPackage({}, context);
    expect(rejection(() => buildPackage(parsePackageInput({ binding: { namespace: 'a', name: 'b' } }, 'guest'), context, plain))).toEqual({
      status: 409,
      message: 'Resource is a package and cannot be converted into a binding.',
    });
    const openWhiskStyle = { ...plain, binding: {} } as unknown as PackageDoc;
    expect(rejection(() => buildPackage(parsePackageInput({ binding: { namespace: 'a', name: 'b' } }, 'guest'), context, openWhiskStyle)).status).toBe(409);
    expect(buildPackage({}, context, openWhiskStyle).binding).toBeUndefined();
  });

  it.each([
    [{ binding: 'a/b' }, "'binding' must be an object {namespace, name}, but was string 'a/b'."],
    [{ binding: [] }, "'binding' must be an object {namespace, name}, but was an array."],
    [{ binding: { name: 'x' } }, "'binding.namespace' is required."],
    [{ binding: { namespace: 'ns' } }, "'binding.name' is required."],
    [{ binding: { namespace: 5, name: 'x' } }, "'binding.namespace' must be a namespace name or '_', but was number 5."],
    [{ binding: { namespace: 'ns', name: '-x' } }, "'binding.name' must be a package name, but was string '-x'."],
    [{ binding: { namespace: 'ns', name: 'n'.repeat(257) } }, `'binding.name' must be a package name, but was string '${'n'.repeat(64)}...'.`],
    [{ parameters: [{ value: 1 }] }, "'parameters[0].key' must be a non-empty string, but was undefined undefined."],
    [{ annotations: 'x' }, "'annotations' must be an array of {key, value}, but was string 'x'."],
    [{ publish: 1 }, "'publish' must be a boolean, but was number 1."],
    [{ version: 'v1' }, "'version' must be a semantic version 'major.minor.patch', but was string 'v1'."],
  ])('refuses %j', (body, detail) => {
    expect(rejection(() => parsePackageInput(body as Record<string, unknown>, 'guest'))).toEqual({ status: 400, message: `The request content was malformed:\n${detail}` });
  });
});
