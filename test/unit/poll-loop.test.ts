import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PollLoop, type PollResult } from '../../infra/local/poll-loop.js';

/** A pass that records when it ran (fake time) and answers what the test queues up, else "idle". */
function recorder() {
  const at: number[] = [];
  const answers: PollResult[] = [];
  const pass = async (): Promise<PollResult> => {
    at.push(Date.now());
    return answers.shift() ?? { busy: false };
  };
  return { at, answers, pass };
}

/** A started loop whose first pass (at 0) is still running until `release()`. */
async function firstPassHeld() {
  let release!: () => void;
  const at: number[] = [];
  const loop = new PollLoop(
    async () => {
      at.push(Date.now());
      if (at.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return { busy: false };
    },
    { name: 't', intervalMs: 100, maxIdleMs: 60_000 },
  );
  loop.start();
  await vi.advanceTimersByTimeAsync(0);
  return { at, loop, release: () => release() };
}

describe('PollLoop', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits longer and longer while idle, doubling from the interval up to the maximum', async () => {
    const r = recorder();
    const loop = new PollLoop(r.pass, { name: 't', intervalMs: 100, maxIdleMs: 1_000 });
    loop.start();
    await vi.advanceTimersByTimeAsync(5_000);
    await loop.stop();
    const gaps = r.at.slice(1).map((t, i) => t - r.at[i]!);
    expect(gaps.slice(0, 6)).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    // Five idle seconds cost 8 passes instead of the 50 a fixed 100 ms interval would.
    expect(r.at.length).toBeLessThanOrEqual(9);
  });

  it('polls again at once while a pass finds work, then starts the idle waits over', async () => {
    const r = recorder();
    r.answers.push({ busy: true }, { busy: true }, { busy: false });
    const loop = new PollLoop(r.pass, { name: 't', intervalMs: 100, maxIdleMs: 1_000 });
    loop.start();
    await vi.advanceTimersByTimeAsync(350);
    await loop.stop();
    // (A zero timeout is 1 ms in Node.)
    expect(r.at).toEqual([0, 1, 2, 102, 302]);
  });

  it('a wake() cuts an idle wait short and resets the backoff', async () => {
    const r = recorder();
    const loop = new PollLoop(r.pass, { name: 't', intervalMs: 100, maxIdleMs: 60_000 });
    loop.start();
    await vi.advanceTimersByTimeAsync(10_000); // the wait has grown to several seconds
    const before = r.at.length;
    loop.wake();
    await vi.advanceTimersByTimeAsync(0);
    expect(r.at.length).toBe(before + 1);
    expect(r.at.at(-1)).toBe(10_000);
    await vi.advanceTimersByTimeAsync(100);
    expect(r.at.at(-1)).toBe(10_100);
    await loop.stop();
  });

  it('a wake() during a pass runs one more pass right after it (what woke it may have come after the look)', async () => {
    const { at, loop, release } = await firstPassHeld();
    loop.wake();
    await vi.advanceTimersByTimeAsync(50);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(at).toEqual([0, 50]);
    await loop.stop();
  });

  it('never sleeps past work known to be due, however long the idle wait has grown', async () => {
    const r = recorder();
    const loop = new PollLoop(r.pass, { name: 't', intervalMs: 100, maxIdleMs: 60_000 });
    loop.start();
    await vi.advanceTimersByTimeAsync(20_000);
    r.answers.push({ busy: false, nextDueInMs: 250 });
    const last = r.at.at(-1)!;
    await vi.advanceTimersByTimeAsync(60_000);
    await loop.stop();
    const afterDue = r.at.filter((t) => t > last);
    // The pass that learnt of the due message came at most one max wait later; the next came 250 ms after it.
    expect(afterDue[1]! - afterDue[0]!).toBe(250);
  });

  it('a wakeBy() polls by the time the new work is due, and not at all when a pass is planned by then anyway', async () => {
    const r = recorder();
    r.answers.push({ busy: false, nextDueInMs: 5_000 });
    const loop = new PollLoop(r.pass, { name: 't', intervalMs: 100, maxIdleMs: 60_000 });
    loop.start();
    await vi.advanceTimersByTimeAsync(0); // the first pass plans the next one at 100 (the interval)
    await vi.advanceTimersByTimeAsync(100);
    expect(r.at).toEqual([0, 100]); // ...which plans the next at 300 (200 of backoff)
    // A timer due in 15 minutes: the pass planned at 300 finds it, no extra pass for it.
    loop.wakeBy(900_000);
    await vi.advanceTimersByTimeAsync(199);
    expect(r.at).toEqual([0, 100]);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.at).toEqual([0, 100, 300]); // planned next at 700
    // A message due sooner than that brings the pass forward to its due time; one due now, to at once.
    loop.wakeBy(50);
    await vi.advanceTimersByTimeAsync(50);
    expect(r.at).toEqual([0, 100, 300, 350]);
    loop.wakeBy(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(r.at).toEqual([0, 100, 300, 350, 350]);
    await loop.stop();
  });

  it('a wakeBy() during a pass is kept: the pass may have looked before that work existed', async () => {
    const { at, loop, release } = await firstPassHeld();
    loop.wakeBy(30);
    await vi.advanceTimersByTimeAsync(10);
    release();
    await vi.advanceTimersByTimeAsync(20);
    expect(at).toEqual([0, 30]); // not at 110, the end of the idle wait
    await loop.stop();
  });

  it('keeps polling after a failed pass, and stop() waits for the pass under way', async () => {
    let calls = 0;
    const loop = new PollLoop(
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('engine restarting');
        return { busy: false };
      },
      { name: 't', intervalMs: 100, maxIdleMs: 100 },
    );
    loop.start();
    await vi.advanceTimersByTimeAsync(250);
    await loop.stop();
    const stoppedAt = calls;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(stoppedAt).toBe(3);
    expect(calls).toBe(stoppedAt);
  });
});
