// Tests sign in as OpenWhisk's public guest, as the upstream client's tests do, so every
// controller a test starts allows the development keys (a real deployment refuses them).

/** Spread into a controller's env. */
export const DEV_KEYS_ENV = { WISP_ALLOW_DEV_KEYS: 'true' } as const;
