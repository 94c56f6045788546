"""Wisp's python runtime: OpenWhisk's /init + /run action protocol over HTTP, stdlib only.

The same contract and the same answers as the nodejs runtime (actions/README.md,
actions/runtime-nodejs/protocol.ts): one /init, then one /run per activation, each
activation's output ended by a sentinel line on stdout and on stderr. It runs in the
wisp-runtime-python image (listening on 0.0.0.0:8080) and as a process container
(127.0.0.1 and the PORT the invoker chose). It prints nothing of its own on stdout, which
belongs to the action; its own complaints go to stderr.
"""

import asyncio
import base64
import binascii
import errno
import hashlib
import hmac
import importlib.util
import inspect
import io
import json
import os
import signal
import site
import sys
import tempfile
import threading
import traceback
import zipfile
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SENTINEL = 'XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX'
# /init carries the action's code (up to 48 MB, base64 inside JSON).
MAX_BODY_BYTES = 128 * 1024 * 1024
ZIP_MAGIC = b'PK\x03\x04'
# As the nodejs proxy's ZIP_LIMITS: checked on the sizes the central directory declares, which
# zipfile never reads past (a lying size fails its CRC instead).
MAX_ZIP_ENTRIES = 65535
MAX_INFLATED_BYTES = 512 * 1024 * 1024
ZIP_ENTRY = '__main__.py'
# The action is loaded as this module, so an `if __name__ == '__main__':` block does not run
# at /init (as upstream's python runtime imports it as `main__`).
ACTION_MODULE = '__wisp_action__'
OW_PREFIX = '__OW_'
# The container's secret (common/protocol/runtime-protocol.ts PROXY_TOKEN_ENV and _HEADER): taken
# out of the environment before any action code loads, then wanted on every request.
PROXY_TOKEN_ENV = '__WISP_PROXY_TOKEN'
PROXY_TOKEN_HEADER = 'X-Wisp-Proxy-Token'
# A refused request's body is read (so the connection closes cleanly) only up to this size.
REFUSED_BODY_DRAIN_BYTES = 64 * 1024


class Messages:
    """Byte for byte the strings of actions/runtime-nodejs/protocol.ts, where one exists."""

    init_twice = 'Cannot initialize the action more than once.'
    missing_code = 'Missing main/no code to execute.'
    zip_without_entry = 'Zipped actions must contain __main__.py at the root.'
    unsupported_archive = 'There was an error uncompressing the action archive. The file type is unsupported'
    broken_archive = 'There was an error uncompressing the action archive.'
    not_initialized = 'System not initialized.'
    not_a_dictionary = 'The action did not return a dictionary.'
    bad_request = 'Bad request.'
    wrong_proxy_token = 'Missing or wrong proxy token.'

    @staticmethod
    def init_failed(detail):
        return 'Initialization has failed due to: ' + detail

    @staticmethod
    def not_a_function(main):
        return "Action entrypoint '%s' is not a function." % main

    @staticmethod
    def not_ready(status):
        return 'System not ready, status is %s.' % status

    @staticmethod
    def argument_not_dictionary(kind):
        return "Internal system error: the argument must be a dictionary but has type '%s'." % kind

    @staticmethod
    def error_occurred(detail):
        return 'An error has occurred: ' + detail


class InitError(Exception):
    """A load failure whose message is the whole answer (no traceback prefix)."""


def error_reply(status, message):
    return status, {'error': message}


def env_string(value):
    """Init env values are strings; anything else is stringified as the invoker would have."""
    if isinstance(value, str):
        return value
    if value is None:
        return ''
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(',', ':'), ensure_ascii=False)
    return str(value)


def js_type(value):
    """The argument's type as the nodejs runtime names it (JavaScript's typeof)."""
    if isinstance(value, bool):
        return 'boolean'
    if isinstance(value, (int, float)):
        return 'number'
    if isinstance(value, str):
        return 'string'
    return 'object'


def write_sentinels():
    """Ends the activation's output on both streams; flushed, since pipes are block-buffered."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
            stream.write(SENTINEL + '\n')
            stream.flush()
        except (OSError, ValueError):
            pass  # the action closed or replaced the stream; nothing left to mark


def describe_exception(error):
    text = str(error)
    return '%s: %s' % (type(error).__name__, text) if text else type(error).__name__


def load_action(main, code, binary):
    """Inline source, or a base64 zip with __main__.py at its root -> the entry-point callable."""
    if binary:
        path = unpack_zip(code)
    else:
        directory = tempfile.mkdtemp(prefix='wisp-action-')
        path = os.path.join(directory, ZIP_ENTRY)
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(code)
    directory = os.path.dirname(path)
    # The action's own modules (and a bundled virtualenv's packages) import as on upstream.
    os.chdir(directory)
    sys.path.insert(0, directory)
    venv_lib = os.path.join(directory, 'virtualenv', 'lib')
    if os.path.isdir(venv_lib):
        for version in sorted(os.listdir(venv_lib)):
            site.addsitedir(os.path.join(venv_lib, version, 'site-packages'))
    spec = importlib.util.spec_from_file_location(ACTION_MODULE, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[ACTION_MODULE] = module
    spec.loader.exec_module(module)
    target = module
    for part in main.split('.'):
        target = getattr(target, part, None)
        if target is None:
            break
    if not callable(target):
        raise InitError(Messages.not_a_function(main))
    return target


def unpack_zip(code):
    try:
        data = base64.b64decode(code, validate=False)
    except (binascii.Error, ValueError):
        raise InitError(Messages.unsupported_archive)
    if not data.startswith(ZIP_MAGIC):
        raise InitError(Messages.unsupported_archive)
    directory = tempfile.mkdtemp(prefix='wisp-action-')
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ZIP_ENTRIES or sum(entry.file_size for entry in entries) > MAX_INFLATED_BYTES:
                raise InitError(Messages.broken_archive)
            # extractall drops absolute paths and '..', so an entry cannot land outside.
            archive.extractall(directory)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, ValueError, EOFError, NotImplementedError):
        raise InitError(Messages.broken_archive)
    path = os.path.join(directory, ZIP_ENTRY)
    if not os.path.isfile(path):
        raise InitError(Messages.zip_without_entry)
    return path


class ActionRuntime:
    """The state machine, free of HTTP: uninitialized -> starting -> ready | failed."""

    def __init__(self):
        self.state = 'uninitialized'
        self.main = None
        self.state_lock = threading.Lock()
        # One run at a time; a second is refused while the first runs, as the nodejs proxy does.
        self.run_lock = threading.Lock()
        self.run_env = set()

    def init(self, body):
        with self.state_lock:
            if self.state in ('ready', 'failed'):
                return error_reply(403, Messages.init_twice)
            if self.state == 'starting':
                return error_reply(403, Messages.not_ready(self.state))
            message = body.get('value') if isinstance(body, dict) else None
            message = message if isinstance(message, dict) else {}
            main, code = message.get('main'), message.get('code')
            if not isinstance(main, str) or main == '' or not isinstance(code, str) or code == '':
                return error_reply(403, Messages.missing_code)
            self.state = 'starting'
        # Init parameters are visible while the code loads, as a module's top level may read them.
        env = message.get('env')
        if isinstance(env, dict):
            for name, value in env.items():
                os.environ[str(name)] = env_string(value)
                # The first activation's context (its caller's __OW_API_KEY too) belongs to that
                # activation only: a run that lacks a field drops it, as it drops the previous run's.
                if str(name).startswith(OW_PREFIX):
                    self.run_env.add(str(name))
        try:
            self.main = load_action(main, code, message.get('binary') is True)
            self.state = 'ready'
            return 200, {'OK': True}
        except BaseException as error:  # noqa: BLE001 - a SystemExit at load time is an init failure too
            self.state = 'failed'
            sys.stderr.write('Error during initialization: %s\n' % traceback.format_exc())
            write_sentinels()
            if isinstance(error, InitError):
                return error_reply(502, str(error))
            return error_reply(502, Messages.init_failed(traceback.format_exc().rstrip()))

    def run(self, body):
        if self.state != 'ready' or self.main is None:
            return error_reply(403, Messages.not_initialized)
        if not self.run_lock.acquire(blocking=False):
            return error_reply(403, Messages.not_ready('running'))
        try:
            request = body if isinstance(body, dict) else {}
            # Only strings are exported, as upstream does: a number here would be a platform bug.
            exported = {OW_PREFIX + field.upper(): value for field, value in request.items() if field != 'value' and isinstance(value, str)}
            # A variable the previous run had and this one lacks (its caller's __OW_API_KEY) must not leak into it.
            for name in self.run_env - exported.keys():
                os.environ.pop(name, None)
            os.environ.update(exported)
            self.run_env = set(exported)
            params = request.get('value')
            if params is None:
                params = {}
            if not isinstance(params, (dict, list)):
                return error_reply(403, Messages.argument_not_dictionary(js_type(params)))
            return self.call(params)
        finally:
            write_sentinels()
            self.run_lock.release()

    def call(self, params):
        try:
            result = self.main(params)
            if inspect.isawaitable(result):
                result = asyncio.run(_awaited(result))
        except BaseException as error:  # noqa: BLE001 - sys.exit() in an action must not end the runtime
            sys.stderr.write(traceback.format_exc())
            return error_reply(502, Messages.error_occurred(describe_exception(error)))
        if not isinstance(result, (dict, list)):
            return error_reply(502, Messages.not_a_dictionary)
        try:
            return 200, Encoded(json.dumps(result, ensure_ascii=False, allow_nan=False))
        except (TypeError, ValueError, RecursionError) as error:
            return error_reply(502, Messages.error_occurred(describe_exception(error)))


async def _awaited(awaitable):
    return await awaitable


class Encoded:
    """A result already encoded, so it is not serialized twice."""

    def __init__(self, text):
        self.text = text


def take_proxy_token(environ):
    """Reads the token and removes it from the environment (os.environ.pop unsets it for children too)."""
    token = environ.pop(PROXY_TOKEN_ENV, None)
    return token or None


def token_matcher(token):
    """Whether a header value is the token, compared in constant time (digests of equal length)."""
    if token is None:
        return None
    expected = hashlib.sha256(token.encode('utf-8')).digest()

    def matches(given):
        if given is None:
            return False
        return hmac.compare_digest(hashlib.sha256(given.encode('utf-8', 'surrogateescape')).digest(), expected)

    return matches


def make_handler(runtime, proxy_token=None):
    matches = token_matcher(proxy_token)

    class Handler(BaseHTTPRequestHandler):
        # Keep-alive: the invoker reuses one connection across activations.
        protocol_version = 'HTTP/1.1'
        server_version = 'wisp-python-runtime'
        sys_version = ''

        def allowed(self):
            """With a token, a request without it is 403 and its connection closes; nothing runs."""
            if matches is None:
                return True
            values = self.headers.get_all(PROXY_TOKEN_HEADER) or []
            if len(values) == 1 and matches(values[0]):
                return True
            # A small body is read so the connection closes cleanly; a large one is left unread.
            try:
                length = int(self.headers.get('Content-Length', '0'))
            except ValueError:
                length = -1
            if 0 < length <= REFUSED_BODY_DRAIN_BYTES:
                self.rfile.read(length)
            self.send(403, {'error': Messages.wrong_proxy_token}, close=True)
            return False

        def do_POST(self):
            if not self.allowed():
                return
            path = self.path.split('?', 1)[0]
            if path not in ('/init', '/run'):
                self.drain()
                return self.send(500, {'error': Messages.bad_request})
            body = self.read_json()
            if body is _INVALID:
                return self.send(500, {'error': Messages.bad_request})
            status, answer = runtime.init(body) if path == '/init' else runtime.run(body)
            self.send(status, answer)

        def bad_request(self):
            if not self.allowed():
                return
            self.drain()
            self.send(500, {'error': Messages.bad_request})

        do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = bad_request

        def read_json(self):
            try:
                length = int(self.headers.get('Content-Length', '0'))
            except ValueError:
                self.close_connection = True
                return _INVALID
            if length < 0 or length > MAX_BODY_BYTES:
                self.close_connection = True
                return _INVALID
            raw = self.rfile.read(length) if length > 0 else b''
            try:
                return json.loads(raw.decode('utf-8'))
            except (UnicodeDecodeError, ValueError):
                return _INVALID

        def drain(self):
            try:
                length = int(self.headers.get('Content-Length', '0'))
            except ValueError:
                length = -1
            if 0 < length <= MAX_BODY_BYTES:
                self.rfile.read(length)
            elif length != 0:
                self.close_connection = True

        def send(self, status, answer, close=False):
            text = answer.text if isinstance(answer, Encoded) else json.dumps(answer, ensure_ascii=False)
            payload = text.encode('utf-8')
            self.send_response(status)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(payload)))
            if close:
                self.send_header('Connection', 'close')  # also sets close_connection
            self.end_headers()
            if self.command != 'HEAD':
                self.wfile.write(payload)

        def log_message(self, format, *args):  # noqa: A002 - the base class's signature
            pass  # an access log would land in the action's logs

    return Handler


_INVALID = object()


def exit_with_stdin():
    """A process container exits when its invoker's end of the stdin pipe closes, however it died."""

    def watch():
        try:
            while sys.stdin.buffer.read(65536):
                pass
        except (OSError, ValueError):
            pass
        os._exit(0)

    threading.Thread(target=watch, name='stdin-watch', daemon=True).start()


def main():
    # Taken out of the environment first, before anything can load the action's code.
    proxy_token = take_proxy_token(os.environ)
    try:
        port = int(os.environ.get('PORT', '8080'))
        if not 0 <= port <= 65535:
            raise ValueError(port)
    except ValueError:
        sys.stderr.write("runtime: PORT must be a port number, but was '%s'\n" % os.environ.get('PORT'))
        sys.exit(2)
    host = os.environ.get('WISP_RUNTIME_HOST', '0.0.0.0')
    # Line buffering keeps the action's output in order with the sentinels that end it.
    sys.stdout.reconfigure(line_buffering=True)
    sys.stderr.reconfigure(line_buffering=True)
    # As PID 1 in a container python would ignore SIGTERM; exit promptly instead.
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    if os.environ.get('WISP_RUNTIME_EXIT_WITH_STDIN') == 'true':
        exit_with_stdin()
    try:
        server = ThreadingHTTPServer((host, port), make_handler(ActionRuntime(), proxy_token))
    except OSError as error:
        name = errno.errorcode.get(error.errno, 'error') if error.errno else 'error'
        sys.stderr.write('runtime: cannot listen on %s:%s (%s): %s\n' % (host, port, name, error))
        sys.exit(1)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == '__main__':
    main()
