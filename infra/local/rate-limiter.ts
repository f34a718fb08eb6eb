import type { IncomingHttpHeaders } from 'node:http';
import type { WafRule, WafStatement } from '../../shared/domain/rate-limits.js';
import type { RateLimitRuleSink } from '../../shared/ports/rate-limits.js';

/** What a rule sees of a request, as WAF does: the raw path and the headers (names lower-cased). */
export interface InspectedRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
}

export type RateLimitVerdict = { readonly limited: false } | { readonly limited: true; readonly rule: string; readonly retryAfterSeconds: number };

interface Evaluation {
  readonly labels: Set<string>;
}

/**
 * The local gateway's stand-in for AWS WAF: it evaluates the web ACL rules rendered by shared/domain/rate-limits.ts,
 * the same JSON CDK deploys and the ops API applies (decisions, 227), for the statement kinds that renderer emits:
 * ByteMatch on the URI path or a header, label match, And / Or / Not, and rate-based statements aggregated on one
 * header. Rules run in priority order; a Count rule adds its labels, a rate-based rule counts every request in its
 * scope (blocked ones too, as WAF does) in a rolling window per key and blocks above its limit. Counters live in this
 * process: the gateway is the one process in front of every function, as WAF is in AWS.
 */
export class LocalRateLimiter implements RateLimitRuleSink {
  private rules: readonly WafRule[] = [];
  /** Request times (ms) per rule and aggregation key, oldest first, within the rule's window. */
  private readonly counts = new Map<string, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Installs new rules at once; counters of a rate rule whose statement did not change carry over (WAF resets changed ones). */
  async apply(render: () => Promise<readonly WafRule[]>): Promise<readonly WafRule[]> {
    const rules = [...(await render())].sort((a, b) => a.Priority - b.Priority);
    for (const rule of rules) assertSupported(rule.Statement);
    const kept = new Set(rules.filter((r) => this.rules.some((old) => old.Name === r.Name && JSON.stringify(old.Statement) === JSON.stringify(r.Statement))).map((r) => r.Name));
    for (const key of this.counts.keys()) if (!kept.has(key.slice(0, key.indexOf('\u0000')))) this.counts.delete(key);
    this.rules = rules;
    return rules;
  }

  /** Runs the request through the rules: the first Block decides, as in WAF; without one the request goes on. */
  check(request: InspectedRequest): RateLimitVerdict {
    const evaluation: Evaluation = { labels: new Set() };
    for (const rule of this.rules) {
      const statement = rule.Statement;
      if ('RateBasedStatement' in statement) {
        const verdict = this.count(rule.Name, statement.RateBasedStatement, request, evaluation);
        if (verdict.limited && 'Block' in rule.Action) return verdict;
      } else if (matches(statement, request, evaluation)) {
        for (const label of rule.RuleLabels ?? []) evaluation.labels.add(label.Name);
        if ('Block' in rule.Action) return { limited: true, rule: rule.Name, retryAfterSeconds: 1 };
      }
    }
    return { limited: false };
  }

  private count(
    name: string,
    rate: Extract<WafStatement, { RateBasedStatement: unknown }>['RateBasedStatement'],
    request: InspectedRequest,
    evaluation: Evaluation,
  ): RateLimitVerdict {
    // A request without the aggregation key is not rate limited by this rule (WAF's behaviour for custom keys).
    const key = headerValue(request.headers, rate.CustomKeys[0]!.Header.Name);
    if (key === undefined || !matches(rate.ScopeDownStatement, request, evaluation)) return { limited: false };
    const nowMs = this.now();
    const windowMs = rate.EvaluationWindowSec * 1000;
    const counter = `${name}\u0000${key}`;
    const times = (this.counts.get(counter) ?? []).filter((t) => t > nowMs - windowMs);
    times.push(nowMs);
    this.counts.set(counter, times);
    if (times.length <= rate.Limit) return { limited: false };
    // The next request passes once enough of the oldest have left the window that it is within the limit again.
    const freesAt = times[times.length - rate.Limit]! + windowMs;
    return { limited: true, rule: name, retryAfterSeconds: Math.max(1, Math.ceil((freesAt - nowMs) / 1000)) };
  }
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(',') : value;
}

function matches(statement: WafStatement, request: InspectedRequest, evaluation: Evaluation): boolean {
  if ('AndStatement' in statement) return statement.AndStatement.Statements.every((s) => matches(s, request, evaluation));
  if ('OrStatement' in statement) return statement.OrStatement.Statements.some((s) => matches(s, request, evaluation));
  if ('NotStatement' in statement) return !matches(statement.NotStatement.Statement, request, evaluation);
  if ('LabelMatchStatement' in statement) {
    const { Scope, Key } = statement.LabelMatchStatement;
    return [...evaluation.labels].some((label) => (Scope === 'LABEL' ? label === Key : label.startsWith(Key)));
  }
  if ('ByteMatchStatement' in statement) {
    const { FieldToMatch, PositionalConstraint, SearchString } = statement.ByteMatchStatement;
    const field = 'UriPath' in FieldToMatch ? request.path : headerValue(request.headers, FieldToMatch.SingleHeader.Name);
    if (field === undefined) return false;
    if (PositionalConstraint === 'EXACTLY') return field === SearchString;
    if (PositionalConstraint === 'STARTS_WITH') return field.startsWith(SearchString);
    return field.includes(SearchString);
  }
  throw new Error('a rate-based statement cannot be nested');
}

/** Refuses, when applied, a rule the evaluator would misread: rules are data, and data from a newer renderer may not fit. */
function assertSupported(statement: WafStatement): void {
  const s = statement as unknown as Record<string, any>;
  const kind = Object.keys(s)[0];
  if (kind === 'RateBasedStatement') {
    const rate = s.RateBasedStatement;
    if (rate.AggregateKeyType !== 'CUSTOM_KEYS' || rate.CustomKeys?.length !== 1 || !rate.CustomKeys[0].Header) throw new Error('the local rate limiter aggregates on one header only');
    return assertSupported(rate.ScopeDownStatement);
  }
  if (kind === 'AndStatement' || kind === 'OrStatement') return s[kind].Statements.forEach(assertSupported);
  if (kind === 'NotStatement') return assertSupported(s.NotStatement.Statement);
  if (kind === 'LabelMatchStatement') return;
  if (kind === 'ByteMatchStatement') {
    const b = s.ByteMatchStatement;
    const transformed = b.TextTransformations.some((t: { Type: string }) => t.Type !== 'NONE');
    if (transformed || !['EXACTLY', 'CONTAINS', 'STARTS_WITH'].includes(b.PositionalConstraint)) throw new Error('the local rate limiter has no text transformations');
    return;
  }
  throw new Error(`the local rate limiter does not evaluate ${kind ?? 'an empty statement'}`);
}
