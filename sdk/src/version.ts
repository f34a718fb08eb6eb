/** Sent in User-Agent; a test keeps it equal to sdk/package.json's version. */
export const SDK_VERSION = '0.5.0';
