import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../shared/config.js';
import { useTestRuntime } from '../support/runtime.js';

/**
 * Nothing the local runtime starts is reachable from another host: DynamoDB Local (no credentials, every table) and
 * the gateway listen on 127.0.0.1 only. Proven by connecting to this machine's own non-loopback address, which is
 * what another host on the LAN would reach.
 */
const external = Object.values(networkInterfaces())
  .flat()
  .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;

function connectOutcome(host: string, port: number): Promise<'connected' | string> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

const env = useTestRuntime();

describe('local listeners', () => {
  it('the gateway listens on 127.0.0.1 unless HOST says otherwise', () => {
    expect(parseConfig({ HOST: undefined }).HOST).toBe('127.0.0.1');
    expect(parseConfig({ HOST: '0.0.0.0' }).HOST).toBe('0.0.0.0');
  });

  it.skipIf(!external)('DynamoDB Local answers on 127.0.0.1 and refuses connections to the host\'s other addresses', async () => {
    const port = Number(new URL(inject('dynamoEndpoint')).port);
    expect(await connectOutcome('127.0.0.1', port)).toBe('connected');
    expect(await connectOutcome(external!, port)).toBe('ECONNREFUSED');
  });

  it.skipIf(!external)('the gateway answers on 127.0.0.1 and refuses connections to the host\'s other addresses', async () => {
    expect(await connectOutcome('127.0.0.1', env.runtime.port)).toBe('connected');
    expect(await connectOutcome(external!, env.runtime.port)).toBe('ECONNREFUSED');
  });
});
