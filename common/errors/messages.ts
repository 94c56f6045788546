// Every user-facing sentence the platform says lives here, as OpenWhisk keeps them in one
// `Messages` object. Strings marked "OpenWhisk" are byte-for-byte what its clients and tests match.

export const Messages = {
  // OpenWhisk
  resourceDoesNotExist: 'The requested resource does not exist.',
  routeNotFound: 'The requested resource could not be found.',
  namedResourceDoesNotExist: (what: string) => `The requested resource '${what}' does not exist.`,
  authenticationRequired: 'The resource requires authentication, which was not supplied with the request',
  authenticationInvalid: 'The supplied authentication is invalid',
  notAuthorized: (what: string) => `The supplied authentication is not authorized to access '${what}'.`,
  kindNotAuthorized: (kind: string) => `The supplied authentication is not authorized to access actions of kind '${kind}'.`,
  resourceExists: 'resource already exists',
  wrongCollection: 'Resource by this name exists but is not in this collection.',
  concurrentModification: 'Concurrent modification to resource detected.',
  malformedContent: (detail: string) => `The request content was malformed:\n${detail}`,
  malformedQuery: (param: string, detail: string) => `The query parameter '${param}' was malformed:\n${detail}`,
  illegalEntityName: 'The name of the entity contains illegal characters.',
  illegalNamespace: 'The namespace contains illegal characters.',
  nameTooLong: (length: number) => `Name segement longer than allowed: ${length} > 256.`,
  unsupportedRuntime: (kind: string, valid: readonly string[]) =>
    `The specified runtime '${kind}' is not supported by this platform. Valid values are: '${valid.join("', '")}'.`,
  timeoutInvalid: 'Timeout must be number of milliseconds up to 60000.',
  entityTooLarge: (field: string, size: number, max: number) => `${field} larger than allowed: ${size} > ${max} bytes.`,
  unsupportedContentType: "The request's Content-Type is not supported. Expected:\napplication/json",
  methodNotAllowed: (methods: string) => `HTTP method not allowed, supported methods: ${methods}`,
  activationIdLength: (length: number) => `Activation id length is ${length} but must be 32.`,
  activationIdInvalid: 'The activation id is not valid.',
  noInvokers: 'No invokers available',
  noGpuInvokers: (memoryMb: number, count: number) =>
    `No healthy invoker has a GPU: the action asks for ${count} device(s) with ${memoryMb} MB each (limits.gpu), and no invoker of this deployment declares or detected one.`,
  noGpuLargeEnough: (memoryMb: number, count: number, largest: number) =>
    `No healthy invoker has ${count} GPU device(s) with ${memoryMb} MB each (limits.gpu); the largest fleet device has ${largest} MB.`,
  internalError: 'There was an internal server error.',
  throttledRate: (count: number, allowed: number) => `Too many requests in the last minute (count: ${count}, allowed: ${allowed}).`,
  throttledConcurrent: (count: number, allowed: number) => `Too many concurrent requests in flight (count: ${count}, allowed: ${allowed}).`,
  sequenceTooLong: 'Too many actions in the sequence.',
  sequenceNoComponents: 'No component specified for the sequence.',
  sequenceIsCyclic: 'Sequence may not refer to itself.',
  sequenceComponentMissing: 'Sequence component does not exist.',
  sequenceComponentTimeout: (activationId: string) => `Timeout reached when retrieving activation ${activationId} for sequence component.`,
  sequenceFailed: 'Sequence failed.',
  sequenceExpired: (windowMs: number) => `Sequence failed: it was not finished within ${Math.round(windowMs / 1000)} s of being accepted, and was not run further.`,
  compositionTooLong: 'Too many actions in the composition.',
  compositionFailed: 'Composition failed.',
  compositionStepMalformed: (step: number, reason: string) => `Composition step ${step}: the conductor asked for a next step that cannot be run (${reason}).`,
  compositionComponentMissing: (step: number, name: string) => `Composition step ${step}: action '${name}' does not exist or is not accessible.`,
  compositionComponentTimeout: (step: number, activationId: string) => `Composition step ${step}: timeout reached when retrieving activation ${activationId}.`,
  compositionTimeLimit: (limitMs: number) => `The composition did not finish within its time limit of ${Math.round(limitMs / 1000)} s.`,
  mapItemsInvalid: (max: number, value: unknown) => `The request content was malformed:\n"items" must be a non-empty array of at most ${max} items, not ${value === undefined ? 'missing' : JSON.stringify(value).slice(0, 40)}.`,
  mapTooManyItems: (count: number, max: number) => `The request content was malformed:\n"items" has ${count} items; a map takes at most ${max}.`,
  mapConcurrencyInvalid: (max: number) => `The query parameter "concurrency" must be an integer from 1 to ${max}.`,
  mapItemTimeout: (activationId: string) => `Timeout reached when retrieving activation ${activationId} for the map item.`,
  mapItemNotInvoked: 'The map item could not be invoked.',
  undecodableSequence: (reason: string) => `The sequence could not be decoded (${reason}); it was not run.`,
  blackboxImageUndefined: "'image' must be a string defined in 'exec' for 'blackbox' actions",
  ruleNeedsTriggerAndAction: 'rule requires a valid trigger and a valid action',
  triggerDoesNotExist: (path: string) => `trigger ${path} does not exist`,
  actionDoesNotExist: (path: string) => `action ${path} does not exist`,
  feedNameInvalid: 'Feed name is not valid',
  ruleStateUnknown: (state: string) => `'${state}' is not a recognized rule state, must be one of ['active', 'inactive']`,
  ruleTriggerMissing: 'Only rules with existing triggers can be activated',
  ruleInactive: (rule: string, action: string) => `Rule '${rule}' is inactive, action '${action}' was not activated.`,
  ruleNotEntitled: (rule: string, action: string) => `Rule '${rule}' is not entitled to run action '${action}', it was not activated.`,
  packageNotEmpty: (count: number) =>
    `Package not empty (contains ${count} ${count === 1 ? 'entity' : 'entities'}). Set force param or delete package contents.`,
  packageNameReserved: (name: string) => `Package name '${name}' is reserved.`,
  bindingDoesNotExist: 'Binding references a package that does not exist.',
  bindingCannotReferenceBinding: 'Cannot bind to another package binding.',
  bindingNotAPackage: 'Cannot bind to a resource that is not a package.',
  packageCannotBecomeBinding: 'Resource is a package and cannot be converted into a binding.',
  notAllowedOnBinding: 'Operation not permitted on package binding.',
  parametersNotAllowed: 'Request defines parameters that are not allowed (e.g., reserved properties).',
  // OpenWhisk, web actions (CTL/WebActions.scala, HTTP/ErrorResponse.scala)
  webAuthenticationFailed: 'Authentication is possible but has failed or not yet been provided.',
  webExtensionNotSupported: (extensions: readonly string[]) => `Extension must be specified and one of [${extensions.join(', ')}].`,
  webInvalidMedia: (mediaType: string) => `Response is not valid '${mediaType}'.`,
  webPropertyNotFound: 'Response does not include requested property.',
  webUnknownContentType: 'Response did not specify a known content-type.',
  webContentTypeMismatch: 'Response type in header did not match generated content type.',
  webErrorProcessingRequest: 'There was an error processing your request.',
  webResponseNotReady: 'Response not yet ready.',
  // OpenWhisk's API gateway and apimgmt actions, in Wisp's words where those have none
  apiSwaggerUnsupported: "Creating an API from a swagger document is not supported; create its routes one by one.",
  apiBasePathInvalid: (given: string) => `The base path '${given}' is not valid: it must start with '/' and hold only letters, digits and '-._~' between slashes.`,
  apiRelPathInvalid: (given: string) => `The relative path '${given}' is not valid: it must start with '/' and hold letters, digits, '-._~' or '{parameter}' segments.`,
  apiVerbInvalid: (given: string, verbs: readonly string[]) => `The verb '${given}' is not valid; it must be one of ${verbs.join(', ')}.`,
  apiResponseTypeInvalid: (given: string, types: readonly string[]) => `The response type '${given}' is not valid; it must be one of ${types.join(', ')}.`,
  apiActionInvalid: (given: string) => `The action '${given}' is not a valid action name.`,
  apiActionNotWeb: (path: string) => `Action '${path}' is not a web action. Issue 'wsk action update "${path}" --web true' to convert the action to a web action.`,
  apiDoesNotExist: (what: string) => `API '${what}' does not exist.`,
  apiRateLimited: 'Too many requests to this API in the last minute.',

  // Wisp's own: name the field, the value given and the rule it broke.
  fieldType: (field: string, value: unknown, expected: string) =>
    `'${field}' must be ${expected}, but was ${describeValue(value)}.`,
  fieldRequired: (field: string) => `'${field}' is required.`,
  limitOutOfRange: (what: string, value: number, unit: string, min: number, max: number) =>
    `${what} ${value} ${unit} is outside the allowed range of ${min} to ${max} ${unit}.`,
  bodyNotJson: 'The request body is not valid JSON.',
  bodyNotObject: (value: unknown) => `The request body must be a JSON object, but was ${describeValue(value)}.`,
  queryBoolean: (param: string, value: string) => `The query parameter '${param}' must be 'true' or 'false', but was '${value}'.`,
  serviceUnavailable: 'The service is temporarily unavailable.',
  execUndefined: 'exec undefined',
  archiveInvalid: (reason: string) => `The action's zip archive was refused: ${reason}.`,
  codeUndefined: (kind: string) => `'code' must be a non-empty string for kind '${kind}'.`,
  imageInvalid: (image: string) => `'exec.image' must be a Docker image reference like 'name', 'name:tag' or 'registry:5000/team/name:tag', but was '${image.length > 64 ? `${image.slice(0, 64)}...` : image}'.`,
  componentNameInvalid: (index: number, value: unknown) =>
    `'exec.components[${index}]' must be a fully qualified action name like '/namespace/action' or '/namespace/package/action', but was ${describeValue(value)}.`,
  limitAbove: (what: string, value: number, unit: string, max: number) => `${what} ${value}${unit} exceeds allowed threshold of ${max}${unit}`,
  limitBelow: (what: string, value: number, unit: string, min: number) => `${what} ${value}${unit} below allowed threshold of ${min}${unit}`,
  gpuLimitAbove: (field: string, value: number, unit: string, max: number) => `${field} ${value}${unit} exceeds allowed threshold of ${max}${unit}`,
  gpuLimitBelowOne: (field: string, value: number) => `${field} ${value} must be at least 1`,
  /** Written by the invoker, or by the controller's reaper, for an envelope whose activation id alone could be read. */
  undecodableMessage: (reason: string) => `The activation message could not be decoded (${reason}); the action was not run.`,
  // Feeds (the alarms package): OpenWhisk's alarmWebAction sentences where it has one.
  feedUnknown: (feed: unknown, known: readonly string[]) => `'feed' must be one of '${known.join("', '")}', but was ${describeValue(feed)}.`,
  feedParameterMissing: (feed: string, param: string) => `${feed} trigger feed is missing the ${param} parameter`,
  cronInvalid: (cron: unknown, reason: string) => `cron pattern ${describeValue(cron)} is not valid: ${reason}`,
  cronFieldCount: (count: number) => `cron pattern must have 5 fields (minute to weekday) or 6 (with seconds first), but had ${count}`,
  timezoneInvalid: (zone: unknown) => `timezone ${describeValue(zone)} is not a known IANA time zone`,
  minutesNotInteger: 'the minutes parameter must be an integer',
  minutesOutOfRange: (max: number) => `the minutes parameter must be an integer greater than zero and at most ${max}`,
  dateInvalid: (param: string, date: unknown) => `${param} parameter ${describeValue(date)} is not a valid Date`,
  dateNotFuture: (param: string, date: unknown) => `${param} parameter ${describeValue(date)} must be in the future`,
  dateNotAfterStart: (param: string, date: unknown, start: unknown) => `${param} parameter ${describeValue(date)} must be greater than the startDate parameter ${describeValue(start)}`,
  noTickBeforeStop: (cron: string) => `cron pattern '${cron}' has no scheduled time between the startDate and the stopDate`,
  deleteAfterFireInvalid: 'deleteAfterFire parameter must be one of [false, true, rules].',
  payloadInvalid: 'trigger_payload must be a JSON object or a string',
  // The messaging feeds (kafkaFeed, natsFeed).
  feedParameterType: (param: string, value: unknown, expected: string) => `the ${param} parameter must be ${expected}, but was ${describeValue(value)}`,
  feedBrokerUnreachable: (what: string, detail: string) => `could not reach ${what}: ${detail}`,
  feedHostRefused: (host: string) => `feeds may not connect to ${host.length > 64 ? `${host.slice(0, 64)}...` : host}: it is not among the brokers this deployment allows (WISP_FEED_ALLOWED_HOSTS)`,
  feedTopicUnknown: (topic: string, brokers: string) => `topic '${topic}' does not exist on ${brokers}`,
  feedStreamUnknown: (stream: string, subject: string) => `JetStream stream '${stream}' does not exist or does not take subject '${subject}'`,
  fireInProgress: (fireId: string) => `a fire with id '${fireId}' is being dispatched; try again shortly`,
  feedRegistrationMissing: (trigger: string) => `trigger ${trigger} has no feed registration`,
  feedRegistrationExists: (trigger: string) => `trigger ${trigger} already has an active feed registration; delete it first`,
  activationFilterInvalid: (field: string, value: string, expected: string) => `The query parameter '${field}' must be ${expected}, but was '${value.length > 64 ? `${value.slice(0, 64)}...` : value}'.`,
  activationRangeInverted: (since: number, upto: number) => `The query parameter 'since' (${since}) is later than 'upto' (${upto}).`,
  activationCursorInvalid: "The query parameter 'cursor' is not a cursor this platform gave out.",
  activationQueryTooBroad: (budget: number) =>
    `The query parameter 'minDuration' (or 'cause' with other filters) makes a count check more than ${budget} records; narrow it with 'since' and 'upto'.`,
  concurrencyUnsupported: (kind: string, value: number) =>
    `concurrency ${value} exceeds allowed threshold of 1 for kind '${kind}': only nodejs actions run activations concurrently`,
} as const;

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  // Before any String(): a hostile body's object may carry its own toString (or a null one).
  if (typeof value === 'object') return 'an object';
  const shown = typeof value === 'string' ? `'${value.length > 64 ? `${value.slice(0, 64)}...` : value}'` : String(value);
  return `${typeof value} ${shown}`;
}
