import type { Command } from 'commander';
import { resolveConnection } from './connection';
import type { HttpTransport } from './http-transport';
import { jsonDocument, type Output } from './output';
import { propsFilePath, readPropsFile, type Props } from './props-file';
import { parseQualifiedName, type QualifiedName } from './qualified-name';
import { WhiskClient } from './whisk-client';

// What a command may touch, handed in by main.ts (the real process) or a test (a fake
// transport, captured output): nothing under deploy/cli reads process.env or writes to the
// process's streams itself.

export interface CliEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly home: string;
  readonly out: Output;
  readonly transport: HttpTransport;
  /** Aborted on SIGINT: `activation poll` stops. */
  readonly interrupted: AbortSignal;
  readonly now: () => number;
  /** Resolves after `ms`, or early when `signal` aborts. */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly version: string;
}

/** The global flags, as every leaf command declares them (see program.ts). */
interface GlobalOptions {
  readonly apihost?: string;
  readonly auth?: string;
  readonly insecure?: boolean;
  readonly json?: boolean;
}

export class CommandContext {
  private cachedClient: WhiskClient | undefined;

  constructor(
    private readonly command: Command,
    readonly cli: CliEnvironment,
  ) {}

  private get globals(): GlobalOptions {
    return this.command.optsWithGlobals<GlobalOptions>();
  }

  get json(): boolean {
    return this.globals.json === true;
  }

  get propsPath(): string {
    return propsFilePath(this.cli.env, this.cli.home);
  }

  props(): Props {
    return readPropsFile(this.propsPath);
  }

  client(): WhiskClient {
    if (this.cachedClient) return this.cachedClient;
    const { apihost, auth, insecure } = this.globals;
    const connection = resolveConnection({ ...(apihost !== undefined ? { apihost } : {}), ...(auth !== undefined ? { auth } : {}), insecure: insecure === true }, this.cli.env, this.props());
    this.cachedClient = new WhiskClient(connection, this.cli.transport, `wisp-cli/${this.cli.version} (OpenWhisk-CLI compatible) node/${process.versions.node}`);
    return this.cachedClient;
  }

  name(name: string): QualifiedName {
    return parseQualifiedName(name, this.client().connection.namespace);
  }

  /** `--json`: the value as one JSON document; otherwise the human text, as wsk words it. */
  report(value: unknown, human: () => string): void {
    this.cli.out.stdout(this.json ? jsonDocument(value) : ensureNewline(human()));
  }

  stdout(text: string): void {
    this.cli.out.stdout(ensureNewline(text));
  }

  stderr(text: string): void {
    this.cli.out.stderr(ensureNewline(text));
  }
}

function ensureNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}
