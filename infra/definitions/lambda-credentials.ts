import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (bundling.ts, `alias`). Lambda hands every
 * function its execution role's credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, so the
 * rest of the default chain (SSO, shared ini files, web identity, container and instance metadata, with the STS and
 * SSO clients they carry) is dead weight there: about 140 KB of every bundle and of its cold start
 * (docs/decisions.md, entry 46). Everything that runs unbundled (local runtime, CLIs, tests) keeps the full chain.
 */
export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
