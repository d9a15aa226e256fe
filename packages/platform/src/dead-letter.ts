import type { IHeaders, KafkaMessage, Producer } from 'kafkajs';
import { errorCode } from './errors';
import { maskPersonalText } from './personal-data';

/** The suffix of a topic's dead-letter twin: `order_created` → `order_created.DLT`. */
export const DLT_SUFFIX = '.DLT';

/** Headers a dead-lettered message carries next to its original headers (correlation, trace, causation). */
export const DltHeaders = {
  /** The topic the message was consumed from. */
  originalTopic: 'dlt-original-topic',
  /** Its partition there. */
  originalPartition: 'dlt-original-partition',
  /** Its offset there. */
  originalOffset: 'dlt-original-offset',
  /** The consumer group that gave up on it. */
  consumerGroup: 'dlt-consumer-group',
  /** A stable code: `<ErrorName>:<code>`, e.g. `CodecError:INVALID_DATA`. */
  errorCode: 'dlt-error-code',
  /**
   * The error's message (at most 1,000 characters), email addresses and excerpts of customer fields
   * masked: the message value itself still holds the original bytes, personal data included.
   */
  errorMessage: 'dlt-error-message',
  /** permanent | bounded (an unknown error after the allowed attempts). */
  errorClass: 'dlt-error-class',
  /** How many times the message was tried. */
  attempts: 'dlt-attempts',
  /** When it was dead-lettered (ISO-8601). */
  deadLetteredAt: 'dlt-dead-lettered-at',
  /** Set by `npm run dlt -- replay` on the message it puts back on the original topic. */
  replayedFrom: 'dlt-replayed-from',
} as const;

/** The dead-letter topic of `topic`. */
export function deadLetterTopic(topic: string): string {
  return `${topic}${DLT_SUFFIX}`;
}

/** What dead-lettering needs of a producer (a kafkajs Producer or the platform's ManagedProducer). */
export type DeadLetterProducer = Pick<Producer, 'send'>;

/** Why and where a message is dead-lettered. */
export interface DeadLetterCause {
  topic: string;
  partition: number;
  groupId: string;
  error: unknown;
  errorClass: 'permanent' | 'bounded';
  attempts: number;
}

/** The headers of the dead letter: the original ones (correlation-id, traceparent…) plus the DltHeaders. */
export function deadLetterHeaders(message: KafkaMessage, cause: DeadLetterCause, now = new Date()): IHeaders {
  const reason = maskPersonalText(cause.error instanceof Error ? cause.error.message : String(cause.error));
  return {
    ...message.headers,
    [DltHeaders.originalTopic]: cause.topic,
    [DltHeaders.originalPartition]: String(cause.partition),
    [DltHeaders.originalOffset]: message.offset,
    [DltHeaders.consumerGroup]: cause.groupId,
    [DltHeaders.errorCode]: errorCode(cause.error),
    [DltHeaders.errorMessage]: reason.slice(0, 1000),
    [DltHeaders.errorClass]: cause.errorClass,
    [DltHeaders.attempts]: String(cause.attempts),
    [DltHeaders.deadLetteredAt]: now.toISOString(),
  };
}

/** Sends `message` unchanged (key and value bytes) to `<topic>.DLT` with the error in its headers; acks=all. */
export async function deadLetter(
  producer: DeadLetterProducer,
  message: KafkaMessage,
  cause: DeadLetterCause,
): Promise<void> {
  await producer.send({
    topic: deadLetterTopic(cause.topic),
    acks: -1,
    messages: [{ key: message.key, value: message.value, headers: deadLetterHeaders(message, cause) }],
  });
}
