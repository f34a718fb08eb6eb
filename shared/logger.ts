import { AsyncLocalStorage } from 'node:async_hooks';
import { getConfig } from './config.js';

/**
 * Structured JSON logs on stdout (CloudWatch in AWS). Callers pass ids and codes, never card data or secrets; as a
 * second line of defence, values under sensitive keys are redacted.
 */
type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };
const SENSITIVE = /^(number|cvc|card|secret|password|otp|authorization|x-signature|plaintext)$/i;

let threshold: number | undefined;
const currentThreshold = (): number => (threshold ??= ORDER[getConfig().LOG_LEVEL]);

export function setLogLevel(level: Level | 'silent'): void {
  threshold = ORDER[level];
}

function redact(value: unknown, depth = 0): unknown {
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SENSITIVE.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

export function isLogging(level: Level): boolean {
  return ORDER[level] >= currentThreshold();
}

/** Fields every line logged within a request (or workflow step) carries: request id, order id. */
const context = new AsyncLocalStorage<Readonly<Record<string, unknown>>>();

export function withLogContext<T>(fields: Readonly<Record<string, unknown>>, fn: () => T): T {
  return context.run({ ...context.getStore(), ...fields }, fn);
}

export type LogSink = (line: Readonly<Record<string, unknown>>) => void;

const stdoutSink: LogSink = (line) => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};
let sink: LogSink = stdoutSink;

/** Replaces where log lines go (tests read them); `undefined` goes back to stdout. The level still applies. */
export function setLogSink(value: LogSink | undefined): void {
  sink = value ?? stdoutSink;
}

function write(level: Level, message: string, fields: Record<string, unknown>): void {
  if (!isLogging(level)) return;
  sink({ level, time: new Date().toISOString(), message, ...context.getStore(), ...(redact(fields) as object) });
}

export const logger = {
  debug: (message: string, fields: Record<string, unknown> = {}) => write('debug', message, fields),
  info: (message: string, fields: Record<string, unknown> = {}) => write('info', message, fields),
  warn: (message: string, fields: Record<string, unknown> = {}) => write('warn', message, fields),
  error: (message: string, fields: Record<string, unknown> = {}) => write('error', message, fields),
};
