import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { atExpression, scheduleName, SchedulerTimers, schedulerTimersFromConfig } from '../../shared/adapters/aws/scheduler-timers.js';
import { parseConfig } from '../../shared/config.js';
import type { Timer } from '../../shared/ports/timers.js';

const scheduler = mockClient(SchedulerClient);
afterEach(() => scheduler.reset());

const NOW = Date.UTC(2026, 10, 27, 15, 0, 0, 0);
const options = {
  groupName: 'pay-timers',
  roleArn: 'arn:aws:iam::123456789012:role/scheduler',
  queueArn: 'arn:aws:sqs:eu-west-1:123456789012:timers',
  deadLetterQueueArn: 'arn:aws:sqs:eu-west-1:123456789012:timers-dlq',
  now: () => NOW,
};
const timers = () => new SchedulerTimers(new SchedulerClient({ region: 'eu-west-1' }), options);
const timer: Timer = { key: 'payment.query:pay_01jabc', kind: 'payment.query', dueAtMs: NOW + 60_000, payload: { attempt: 0 } };
const notFound = () => new ResourceNotFoundException({ message: 'Schedule not found', Message: 'Schedule not found', $metadata: {} });
const conflict = () => new ConflictException({ message: 'Schedule already exists', Message: 'Schedule already exists', $metadata: {} });

describe('schedule names', () => {
  it('are at most 64 characters of [0-9a-zA-Z-_.], stable for a key', () => {
    for (const key of ['payment.query:pay_01jabc', `order.expire:${'x'.repeat(180)}`, 'a']) {
      const name = scheduleName(key);
      expect(name).toMatch(/^[0-9a-zA-Z_.-]{1,64}$/);
      expect(scheduleName(key)).toBe(name);
    }
    expect(scheduleName('payment.query:pay_01jabc')).toMatch(/^payment\.query_pay_01jabc-[0-9a-f]{20}$/);
  });

  it('differ for keys whose readable parts collide', () => {
    expect(scheduleName('a:b')).not.toBe(scheduleName('a_b'));
    const long = 'order.expire:' + 'y'.repeat(100);
    expect(scheduleName(`${long}1`)).not.toBe(scheduleName(`${long}2`));
  });

  it('refuse a key outside the port rules', () => {
    expect(() => scheduleName('has space')).toThrow(/timer key/);
    expect(() => scheduleName('')).toThrow(/timer key/);
  });
});

describe('at() expressions', () => {
  it('are UTC whole seconds, rounded up so a timer never fires early', () => {
    expect(atExpression(Date.UTC(2026, 11, 1, 8, 30, 15, 0), NOW)).toBe('at(2026-12-01T08:30:15)');
    expect(atExpression(Date.UTC(2026, 11, 1, 8, 30, 15, 1), NOW)).toBe('at(2026-12-01T08:30:16)');
  });

  it('move a past or imminent due time a few seconds ahead instead of into the past', () => {
    expect(atExpression(NOW - 3_600_000, NOW)).toBe('at(2026-11-27T15:00:05)');
    expect(atExpression(NOW + 1_000, NOW)).toBe('at(2026-11-27T15:00:05)');
  });
});

describe('EventBridge Scheduler timers', () => {
  it('create a one-time schedule in the group, UTC, no flexible window, deleted after it fires, to the queue with a DLQ', async () => {
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:x' });
    await timers().schedule(timer);
    const calls = scheduler.commandCalls(CreateScheduleCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input).toMatchObject({
      Name: scheduleName(timer.key),
      GroupName: 'pay-timers',
      ScheduleExpression: 'at(2026-11-27T15:01:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: options.queueArn,
        RoleArn: options.roleArn,
        DeadLetterConfig: { Arn: options.deadLetterQueueArn },
      },
    });
    expect(JSON.parse(input.Target!.Input!)).toEqual({ key: timer.key, kind: 'payment.query', dueAtMs: timer.dueAtMs, payload: { attempt: 0 } });
    expect(input.Target!.RetryPolicy!.MaximumEventAgeInSeconds).toBeGreaterThan(0);
  });

  it('replace the schedule of a key that already has one (ConflictException → UpdateSchedule, same definition)', async () => {
    scheduler.on(CreateScheduleCommand).rejects(conflict());
    scheduler.on(UpdateScheduleCommand).resolves({ ScheduleArn: 'arn:x' });
    const later = { ...timer, dueAtMs: NOW + 300_000, payload: { attempt: 1 } };
    await timers().schedule(later);
    const update = scheduler.commandCalls(UpdateScheduleCommand);
    expect(update).toHaveLength(1);
    expect(update[0]!.args[0].input).toEqual(scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input);
    expect(update[0]!.args[0].input.ScheduleExpression).toBe('at(2026-11-27T15:05:00)');
    expect(JSON.parse(update[0]!.args[0].input.Target!.Input!).payload).toEqual({ attempt: 1 });
  });

  it('create again when the conflicting schedule fired and was deleted before the update', async () => {
    scheduler.on(CreateScheduleCommand).rejectsOnce(conflict()).resolves({ ScheduleArn: 'arn:x' });
    scheduler.on(UpdateScheduleCommand).rejects(notFound());
    await timers().schedule(timer);
    expect(scheduler.commandCalls(CreateScheduleCommand)).toHaveLength(2);
    expect(scheduler.commandCalls(UpdateScheduleCommand)).toHaveLength(1);
  });

  it('give up with an error when the schedule keeps flickering, and pass other errors on', async () => {
    scheduler.on(CreateScheduleCommand).rejects(conflict());
    scheduler.on(UpdateScheduleCommand).rejects(notFound());
    await expect(timers().schedule(timer)).rejects.toThrow(/appearing and disappearing/);
    scheduler.reset();
    scheduler.on(CreateScheduleCommand).rejects(new ValidationException({ message: 'bad', Message: 'bad', $metadata: {} }));
    await expect(timers().schedule(timer)).rejects.toThrow('bad');
    expect(scheduler.commandCalls(UpdateScheduleCommand)).toHaveLength(0);
  });

  it('refuse a malformed timer before calling AWS', async () => {
    const bad: Timer[] = [
      { ...timer, key: 'not a key' },
      { ...timer, kind: 'coffee.brew' as Timer['kind'] },
      { ...timer, dueAtMs: 1.5 },
      { ...timer, payload: { blob: 'x'.repeat(5_000) } },
    ];
    for (const t of bad) await expect(timers().schedule(t)).rejects.toThrow();
    expect(scheduler.calls()).toHaveLength(0);
  });

  it('cancel by deleting the schedule of the key; one that already fired or never existed is fine', async () => {
    scheduler.on(DeleteScheduleCommand).resolvesOnce({}).rejects(notFound());
    await timers().cancel(timer.key);
    await timers().cancel(timer.key);
    const calls = scheduler.commandCalls(DeleteScheduleCommand);
    expect(calls.map((c) => c.args[0].input)).toEqual([
      { Name: scheduleName(timer.key), GroupName: 'pay-timers' },
      { Name: scheduleName(timer.key), GroupName: 'pay-timers' },
    ]);
  });

  it('cancel passes on errors other than not-found', async () => {
    scheduler.on(DeleteScheduleCommand).rejects(new ValidationException({ message: 'denied', Message: 'denied', $metadata: {} }));
    await expect(timers().cancel(timer.key)).rejects.toThrow('denied');
  });
});

describe('timers from the deployed configuration', () => {
  it('schedule with the TIMER_* settings the Timers construct gives a function', async () => {
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:x' });
    const config = parseConfig({
      TIMER_SCHEDULE_GROUP: 'grp',
      TIMER_SCHEDULER_ROLE_ARN: options.roleArn,
      TIMER_QUEUE_ARN: options.queueArn,
      TIMER_DLQ_ARN: options.deadLetterQueueArn,
    });
    await schedulerTimersFromConfig(new SchedulerClient({ region: 'eu-west-1' }), config).schedule({ ...timer, dueAtMs: Date.now() + 600_000 });
    expect(scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input).toMatchObject({
      GroupName: 'grp',
      Target: { Arn: options.queueArn, RoleArn: options.roleArn, DeadLetterConfig: { Arn: options.deadLetterQueueArn } },
    });
  });

  it('refuse to start without them, loudly', () => {
    expect(() => schedulerTimersFromConfig(new SchedulerClient({ region: 'eu-west-1' }), parseConfig({ TIMER_SCHEDULE_GROUP: 'grp' }))).toThrow(
      /TIMER_SCHEDULER_ROLE_ARN must be set/,
    );
  });
});
