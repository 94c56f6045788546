import { defaultBounds } from '../../common/entities/limits';
import type { ActionDoc } from '../../common/entities/action';
import { isImageReference } from '../../common/entities/image-reference';
import { actionDoc } from '../../test/harness/action-doc';
import { createZip } from '../../test/harness/create-zip';
import { asyncRejection, rejection } from '../../test/harness/rejection';
import { buildAction } from './action-input';
import { checkSequence } from '../sequences/sequence-check';
import { parseComponents, parseQualifiedName } from '../sequences/sequence-components';
import type { ComponentResolver } from '../sequences/sequence-resolver';
import { formatQualifiedName } from '../sequences/sequence-components';

// Exec kinds at PUT: python, blackbox and sequence shapes, messages and normalisation; the
// sequence checks (existence, self reference, length) over an in-memory set of actions.

const context = { namespace: 'guest', name: 'seq', bounds: defaultBounds(512), now: 1000 };

describe('exec kinds at PUT', () => {
  it('stores python:default as python:3.11, and nodejs:default as nodejs:20, as OpenWhisk resolves defaults', () => {
    const python = buildAction({ exec: { kind: 'python:default', code: 'def main(a):\n  return a\n' } }, context);
    expect(python.exec).toEqual({ kind: 'python:3.11', code: 'def main(a):\n  return a\n', binary: false });
    expect(python.annotations).toContainEqual({ key: 'exec', value: 'python:3.11' });
    expect(buildAction({ exec: { kind: 'nodejs:default', code: 'function main(){}' } }, context).exec.kind).toBe('nodejs:20');
    const zipped = buildAction({ exec: { kind: 'python:3.11', code: createZip({ '__main__.py': 'def handler(a):\n  return a\n' }).toString('base64'), main: 'handler' } }, context);
    expect(zipped.exec).toMatchObject({ kind: 'python:3.11', binary: true, main: 'handler' });
  });

  it('takes a blackbox image with optional code and main', () => {
    expect(buildAction({ exec: { kind: 'blackbox', image: 'openwhisk/dockerskeleton' } }, context).exec).toEqual({ kind: 'blackbox', image: 'openwhisk/dockerskeleton', binary: false });
    const withCode = buildAction({ exec: { kind: 'blackbox', image: 'localhost:5000/team/skeleton:1.2', code: '#!/bin/sh\necho {}', main: 'run' } }, context);
    expect(withCode.exec).toEqual({ kind: 'blackbox', image: 'localhost:5000/team/skeleton:1.2', code: '#!/bin/sh\necho {}', binary: false, main: 'run' });
    expect(withCode.annotations).toContainEqual({ key: 'exec', value: 'blackbox' });
  });

  it('resolves _ in sequence components to the namespace, and names the components in _actions', () => {
    const doc = buildAction({ exec: { kind: 'sequence', components: ['/_/a', 'guest/pkg/b', '/other/c'] }, parameters: [{ key: 'dropped', value: 1 }] }, context);
    expect(doc.exec).toEqual({ kind: 'sequence', components: ['/guest/a', '/guest/pkg/b', '/other/c'] });
    expect(doc.parameters).toEqual([{ key: '_actions', value: ['/guest/a', '/guest/pkg/b', '/other/c'] }]);
    // Switching back from a sequence starts parameters afresh.
    const back = buildAction({ exec: { kind: 'nodejs:20', code: 'function main(){}' } }, context, doc);
    expect(back.parameters).toEqual([]);
  });

  it.each([
    [{ exec: { kind: 'blackbox' } }, "'image' must be a string defined in 'exec' for 'blackbox' actions"],
    [{ exec: { kind: 'blackbox', image: 7 } }, "'image' must be a string defined in 'exec' for 'blackbox' actions"],
    [{ exec: { kind: 'blackbox', image: 'Not An Image' } }, "'exec.image' must be a Docker image reference"],
    [{ exec: { kind: 'blackbox', image: 'ok', code: 5 } }, "'code' must be a non-empty string for kind 'blackbox'"],
    [{ exec: { kind: 'python:3.11' } }, "'code' must be a non-empty string for kind 'python:3.11'"],
    [{ exec: { kind: 'python:2.7', code: 'x' } }, "The specified runtime 'python:2.7' is not supported by this platform. Valid values are: 'nodejs:20', 'nodejs:default', 'python:3.11', 'python:default'."],
    [{ exec: { kind: 'sequence' } }, 'No component specified for the sequence.'],
    [{ exec: { kind: 'sequence', components: [] } }, 'No component specified for the sequence.'],
    [{ exec: { kind: 'sequence', components: Array.from({ length: 51 }, (_, i) => `/_/a${i}`) } }, 'Too many actions in the sequence.'],
    [{ exec: { kind: 'sequence', components: 'a,b' } }, "'exec.components' must be an array"],
    [{ exec: { kind: 'sequence', components: ['justaname'] } }, "'exec.components[0]' must be a fully qualified action name"],
    [{ exec: { kind: 'sequence', components: ['/_/a', '/ns/p/q/r'] } }, "'exec.components[1]' must be a fully qualified action name"],
    [{ exec: { kind: 'sequence', components: ['/_/bad name!'] } }, "'exec.components[0]'"],
    [{ exec: { kind: 'sequence', components: [42] } }, "'exec.components[0]' must be a fully qualified action name like '/namespace/action' or '/namespace/package/action', but was number 42."],
  ])('rejects %j with 400', (body, message) => {
    const error = rejection(() => buildAction(body as Record<string, unknown>, context));
    expect(error.status).toBe(400);
    expect(error.message).toContain(message);
  });

  it('accepts Docker image references and refuses what Docker would', () => {
    for (const ok of ['python', 'openwhisk/dockerskeleton', 'openwhisk/dockerskeleton:1.14.0', 'registry.example.com:5000/a/b-c_d.e:tag', `img@sha256:${'a'.repeat(64)}`]) expect(isImageReference(ok)).toBe(true);
    for (const bad of ['', 'UPPER/case', 'a//b', 'trailing/', 'x:', 'sp ace', 'a'.repeat(256), '-lead']) expect(isImageReference(bad)).toBe(false);
  });

  it('parses qualified names with or without the leading slash', () => {
    expect(parseQualifiedName('/_/a', 'me')).toEqual({ namespace: 'me', name: 'a' });
    expect(parseQualifiedName('ns/p/a', 'me')).toEqual({ namespace: 'ns', pkg: 'p', name: 'a' });
    expect(parseQualifiedName('a', 'me')).toBeUndefined();
    expect(parseComponents(['ns/a'], 'me')).toEqual(['/ns/a']);
  });
});

describe('checkSequence', () => {
  const docs = new Map<string, ActionDoc>();
  const action = (name: string): ActionDoc => actionDoc({ name, limits: { timeout: 1000, memory: 256, logs: 10, concurrency: 1 } });
  const sequence = (name: string, components: string[]): ActionDoc => ({ ...action(name), exec: { kind: 'sequence', components } });
  const resolve: ComponentResolver = async (name) => {
    const doc = docs.get(formatQualifiedName(name));
    return doc ? { action: { revision: '1', doc }, actionNamespace: name.namespace, actionName: name.name } : undefined;
  };
  const self = { namespace: 'guest', name: 'top' };

  beforeAll(() => {
    docs.set('/guest/a', action('a'));
    docs.set('/guest/b', action('b'));
    docs.set('/guest/inner', sequence('inner', ['/guest/a', '/guest/b']));
    docs.set('/guest/loop', sequence('loop', ['/guest/a', '/guest/top']));
    docs.set('/guest/wide', sequence('wide', Array.from({ length: 30 }, () => '/guest/a')));
  });

  it('accepts existing components, nested sequences included', async () => {
    await expect(checkSequence(self, ['/guest/a', '/guest/inner', '/guest/b'], resolve)).resolves.toBeUndefined();
  });

  it.each([
    [['/guest/a', '/guest/missing'], 'Sequence component does not exist.'],
    [['/guest/top'], 'Sequence may not refer to itself.'],
    [['/guest/loop'], 'Sequence may not refer to itself.'],
    [['/guest/wide', '/guest/wide'], 'Too many actions in the sequence.'],
  ])('refuses %j', async (components, message) => {
    expect(await asyncRejection(checkSequence(self, components, resolve))).toEqual({ status: 400, message });
  });
});
