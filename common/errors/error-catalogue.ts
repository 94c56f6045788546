// Every condition the platform refuses a request for, named for what went wrong rather than for
// its HTTP status. A PlatformError carries one of these codes; the status comes from here and the
// user-facing sentence from messages.ts. docs/errors.md lists the same codes (a unit test checks).

export interface ErrorEntry {
  readonly status: number;
  readonly description: string;
}

export const ERROR_CATALOGUE = {
  // 400: the request names or carries something invalid
  'entity-name-invalid': { status: 400, description: 'An entity name has illegal characters or is longer than 256 characters.' },
  'namespace-name-invalid': { status: 400, description: 'A namespace name has illegal characters or is longer than 256 characters.' },
  'body-not-json': { status: 400, description: 'The request body could not be parsed as JSON.' },
  'body-unreadable': { status: 400, description: 'The request body stream failed before it ended.' },
  'body-not-object': { status: 400, description: 'The request body is JSON but not an object.' },
  'field-invalid': { status: 400, description: 'A field of the entity is missing or has the wrong type or shape.' },
  'exec-missing': { status: 400, description: 'A new action was given no `exec`.' },
  'kind-unsupported': { status: 400, description: "The action's runtime kind is not one this platform runs." },
  'action-code-missing': { status: 400, description: "The action's `exec.code` is missing or empty." },
  'action-archive-invalid': { status: 400, description: "A zip action's archive is corrupt, has too many entries, inflates past the cap, or has an entry outside the action's folder." },
  'image-invalid': { status: 400, description: "A blackbox action's `exec.image` is missing or not a Docker image reference." },
  'limit-out-of-range': { status: 400, description: "An action's limit (timeout, memory, logs, concurrency, gpu.memory, gpu.count) is outside the allowed range." },
  'concurrency-unsupported': { status: 400, description: "The action's kind cannot run activations concurrently." },
  'sequence-components-missing': { status: 400, description: 'A sequence was given no components.' },
  'sequence-component-name-invalid': { status: 400, description: 'A sequence component is not a fully qualified action name.' },
  'sequence-too-long': { status: 400, description: 'A sequence has more actions than allowed, counting nested sequences.' },
  'sequence-cyclic': { status: 400, description: 'A sequence refers to itself, directly or through another sequence.' },
  'sequence-component-not-found': { status: 400, description: 'A sequence component names an action that does not exist.' },
  'feed-name-invalid': { status: 400, description: "A trigger's `feed` annotation is not an entity path." },
  'feed-parameter-invalid': { status: 400, description: "A feed action's parameter is missing or invalid (a cron pattern, a date, a time zone, `minutes`, `deleteAfterFire`, `brokers`, `topic`, `servers`, `subject`, `batchSize`, `batchWindowMs`)." },
  'feed-source-unreachable': { status: 400, description: "A messaging feed's CREATE or UPDATE could not reach the Kafka brokers or NATS servers it names within a few seconds." },
  'feed-source-refused': { status: 403, description: "A messaging feed names a Kafka broker or NATS server that this deployment does not let feeds reach (`WISP_FEED_ALLOWED_HOSTS`)." },
  'feed-source-not-found': { status: 400, description: "A messaging feed names a Kafka topic, or a JetStream stream (for its subject), that its broker does not have." },
  'rule-incomplete': { status: 400, description: 'A rule does not name both a trigger and an action.' },
  'rule-state-unknown': { status: 400, description: "A rule's requested state is neither 'active' nor 'inactive'." },
  'rule-trigger-unknown': { status: 400, description: 'A rule names a trigger that does not exist.' },
  'rule-action-unknown': { status: 400, description: 'A rule names an action that does not exist.' },
  'package-name-reserved': { status: 400, description: 'A package name is reserved for the system.' },
  'binding-target-not-found': { status: 400, description: 'A package binding refers to a package that does not exist.' },
  'binding-of-binding': { status: 400, description: 'A package binding refers to another binding.' },
  'binding-operation-not-allowed': { status: 400, description: 'The operation is not allowed on a package binding (e.g. putting an action in it).' },
  'list-parameter-invalid': { status: 400, description: "A list's `limit` or `skip` is not an integer or is out of range." },
  'query-parameter-invalid': { status: 400, description: 'A query parameter has a value of the wrong form.' },
  'query-parameters-exclusive': { status: 400, description: 'Two query parameters were given that cannot be used together.' },
  'activation-filter-invalid': { status: 400, description: 'An activation list filter (`status`, `start`, `trigger`, `cause`, `minDuration`) has a value it does not take.' },
  'activation-range-inverted': { status: 400, description: "An activation list's `since` is later than its `upto`." },
  'activation-cursor-invalid': { status: 400, description: "An activation list's `cursor` is not one the platform gave out." },
  'activation-query-too-broad': { status: 400, description: 'A count with filters checked record by record (`minDuration`, or `cause` with other filters) would check more records than allowed.' },
  'activation-id-invalid': { status: 400, description: 'An activation id is not 32 lowercase hex characters.' },
  'timeout-invalid': { status: 400, description: 'A blocking invoke asked for a wait outside 1 to 60000 ms.' },
  'map-items-invalid': { status: 400, description: 'A map (`?map=true`) was not given `items` as a non-empty array of at most 1000 entries.' },
  'map-concurrency-invalid': { status: 400, description: "A map's `concurrency` query parameter is not an integer from 1 to 64." },
  'parameters-not-allowed': { status: 400, description: "An invoke's parameters override ones the action or package fixed." },
  'web-response-invalid': { status: 400, description: "A web action's result does not fit the extension asked for (e.g. `.json` of a string, a malformed `.http` shape)." },
  'web-response-content-type-unknown': { status: 400, description: "A web action's `.http` result names a content type that cannot be parsed." },
  'web-response-content-type-mismatch': { status: 400, description: "A web action's `.http` body does not fit its content type (e.g. a binary type with a body that is not base64)." },
  'web-action-failed': { status: 400, description: 'A web action ended in a developer or platform error; the details are in its activation record.' },
  'api-route-invalid': { status: 400, description: 'An API route to create has a bad base path, relative path, verb, response type or action name.' },
  'api-action-not-web': { status: 400, description: 'An API route names an action that is not a web action (`web-export: true`).' },

  // 401, 403: who is asking, and whether they may
  'authentication-missing': { status: 401, description: 'The request carries no Basic authentication.' },
  'authentication-invalid': { status: 401, description: 'The Basic authentication is malformed, unknown, revoked or wrong.' },
  'web-authentication-failed': { status: 401, description: "A web action's `require-whisk-auth` was not met: a wrong or missing `X-Require-Whisk-Auth` secret, or no valid key of the owner's namespace." },
  'namespace-not-authorized': { status: 403, description: "The path names a namespace other than the caller's." },
  'entity-not-authorized': { status: 403, description: 'The entity belongs to another namespace and is not shared with the caller.' },
  'kind-not-authorized': { status: 403, description: "The namespace's limits do not allow actions of this kind." },

  // 404, 405: what the request names is not there
  'action-not-found': { status: 404, description: 'No action of that name exists.' },
  'package-not-found': { status: 404, description: 'No package of that name exists (or a binding refers to one that is gone).' },
  'trigger-not-found': { status: 404, description: 'No trigger of that name exists.' },
  'rule-not-found': { status: 404, description: 'No rule of that name exists.' },
  'rule-trigger-missing': { status: 404, description: 'A rule cannot be activated because its trigger no longer exists.' },
  'feed-registration-not-found': { status: 404, description: 'The trigger has no feed registration (READ, UPDATE or DELETE of a feed never created, or deleted).' },
  'activation-not-found': { status: 404, description: 'No activation record of that id exists in the namespace.' },
  'web-action-not-found': { status: 404, description: 'No web action answers at that path: the namespace, package or action is missing, not readable, or not exported (one answer, so existence does not leak).' },
  'web-property-not-found': { status: 404, description: "A web action's result lacks the property the path projects (or an application error without `error`)." },
  'api-action-not-found': { status: 404, description: 'An API route names an action that does not exist.' },
  'api-not-found': { status: 404, description: "No API of the caller's namespace has that base path or name (or no route of it matches the relative path and verb given)." },
  'api-route-not-found': { status: 404, description: 'No API route answers that method and path under `/api/{namespace}`.' },
  'method-not-allowed': { status: 405, description: 'The HTTP method is not one this collection answers.' },
  'web-extension-not-acceptable': { status: 406, description: 'A web action was asked for with an extension other than `.http`, `.json`, `.html`, `.svg` or `.text`.' },

  // 409: the request conflicts with what is stored
  'entity-exists': { status: 409, description: 'An entity of that name exists and `overwrite` was not set.' },
  'entity-in-other-collection': { status: 409, description: 'An entity of that name exists in another collection (e.g. an action where a trigger was asked for).' },
  'feed-registration-exists': { status: 409, description: 'The trigger already has an active feed registration; DELETE it first.' },
  'trigger-fire-in-progress': { status: 409, description: 'A fire with the same `X-Wisp-Fire-Id` is being dispatched (or its controller died doing so less than 30 s ago); try again.' },
  'revision-conflict': { status: 409, description: 'The entity changed between reading and writing it; the write was not made.' },
  'package-not-empty': { status: 409, description: 'A package still holds actions and `force` was not set.' },
  'binding-target-not-a-package': { status: 409, description: 'A package binding refers to an entity that is not a package.' },
  'package-cannot-become-binding': { status: 409, description: 'An existing package cannot be turned into a binding.' },

  // 413, 415: the body's size and type
  'body-too-large': { status: 413, description: 'The request body is larger than the route allows.' },
  'field-too-large': { status: 413, description: 'Parameters or annotations are larger than allowed.' },
  'content-type-unsupported': { status: 415, description: 'The request body is not `application/json`.' },

  // 429: throttles
  'namespace-throttled': { status: 429, description: 'The namespace invoked more actions in the last minute than its limit.' },
  'namespace-fires-throttled': { status: 429, description: 'The namespace fired more triggers in the last minute than its limit.' },
  'namespace-concurrency-throttled': { status: 429, description: 'The namespace has as many activations in flight as its limit.' },
  'api-rate-limited': { status: 429, description: "An API was called more often in the last minute than the gateway's per-API limit." },

  // 500, 503: the platform's own failures
  'internal-error': { status: 500, description: 'Something failed that the caller cannot fix; the details are only in the log.' },
  'no-healthy-invoker': { status: 503, description: 'No healthy invoker has room for the action.' },
  'no-gpu-invoker': { status: 503, description: 'The action asks for a GPU (limits.gpu) and no healthy invoker has a device that could ever hold it.' },
  'activation-not-queued': { status: 503, description: 'The activation could not be handed to the message bus.' },
} as const satisfies Readonly<Record<string, ErrorEntry>>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
