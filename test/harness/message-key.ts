import { generateMessageKeyText, parseMessageKey, type MessageKey } from '../../common/protocol/message-seal';

// One WISP_MESSAGE_KEY per test file (jest loads this module once per file): every controller
// and invoker a file starts, in process or spawned, seals and opens with it.

export const TEST_MESSAGE_KEY_TEXT = generateMessageKeyText();
export const TEST_MESSAGE_KEY: MessageKey = parseMessageKey(TEST_MESSAGE_KEY_TEXT)!;
/** Spread into a config loader's env. */
export const TEST_MESSAGE_KEY_ENV = { WISP_MESSAGE_KEY: TEST_MESSAGE_KEY_TEXT } as const;
