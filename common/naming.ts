// Every name placed on shared infrastructure (Kafka topics, NATS subjects, Redis keys, Docker
// labels and names) is built here from one prefix, never as a literal at a call site, so that
// parallel test runs and several developers on one broker never see each other's traffic.

export interface Naming {
  readonly prefix: string;
  invokerTopic(invokerId: string): string;
  invokerGroup(invokerId: string): string;
  completionSubject(controllerId: string): string;
  healthSubject(): string;
  cacheInvalidationSubject(): string;
  /** Keys revoked, namespaces' limits changed: controllers drop what they cached about them. */
  identityChangeSubject(): string;
  /** Where invokers put raw messages that carry no readable activation id (counted, kept for inspection). */
  deadLetterTopic(): string;
  /** Topmost sequences from acceptance until their record is written (ADR 0016). */
  sequenceTopic(): string;
  /** Every controller consumes the sequence topic in this one group: a dead one's jobs move to another. */
  sequenceGroup(): string;
  /** Every completed activation as an OpenWhisk user event, for downstream consumers (issue #15). */
  userEventsTopic(): string;
  /** A messaging feed's own consumer group on the user's Kafka (ADR 0026): one per registration. */
  feedGroup(registrationId: string): string;
  /** A messaging feed's durable JetStream consumer (no dots: NATS consumer names forbid them). */
  feedDurable(registrationId: string): string;
  redisKey(...parts: string[]): string;
  containerName(invokerId: string, suffix: string): string;
  containerLabels(invokerId: string): Record<string, string>;
  readonly containerLabelKey: string;
  readonly invokerLabelKey: string;
  networkName(): string;
}

export function createNaming(prefix: string): Naming {
  const labelKey = 'org.wisp.prefix';
  const invokerLabelKey = 'org.wisp.invoker';
  return {
    prefix,
    invokerTopic: (invokerId) => `${prefix}.${invokerId}`,
    invokerGroup: (invokerId) => `${prefix}.${invokerId}.consumer`,
    completionSubject: (controllerId) => `${prefix}.completed.${controllerId}`,
    healthSubject: () => `${prefix}.health`,
    cacheInvalidationSubject: () => `${prefix}.cache-invalidation`,
    identityChangeSubject: () => `${prefix}.identity-change`,
    deadLetterTopic: () => `${prefix}.dead-letter`,
    sequenceTopic: () => `${prefix}.sequences`,
    sequenceGroup: () => `${prefix}.sequences.consumer`,
    userEventsTopic: () => `${prefix}.events`,
    feedGroup: (registrationId) => `${prefix}.feed.${registrationId}`,
    feedDurable: (registrationId) => `${prefix.replace(/[^\w-]/g, '_')}-feed-${registrationId}`,
    redisKey: (...parts) => [prefix, ...parts].join(':'),
    containerName: (invokerId, suffix) => `${prefix}_${invokerId}_${suffix}`,
    containerLabels: (invokerId) => ({ [labelKey]: prefix, [invokerLabelKey]: invokerId }),
    containerLabelKey: labelKey,
    invokerLabelKey,
    networkName: () => `${prefix}-actions`,
  };
}
