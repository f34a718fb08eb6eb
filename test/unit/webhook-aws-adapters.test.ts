import { createHash, createPublicKey, generateKeyPairSync, sign as ecSign, verify } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBridgeBus } from '../../shared/adapters/aws/eventbridge-bus.js';
import { KmsWebhookSigner } from '../../shared/adapters/aws/kms-webhook-signer.js';
import { SqsNotificationQueue } from '../../shared/adapters/aws/sqs-notification-queue.js';
import type { DomainEvent } from '../../shared/ports/stores.js';

const kms = mockClient(KMSClient);
const sqs = mockClient(SQSClient);
const events = mockClient(EventBridgeClient);
afterEach(() => {
  kms.reset();
  sqs.reset();
  events.reset();
});

describe('KMS webhook signer', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

  it('signs the SHA-256 digest with ECDSA_SHA_256, and the DER signature verifies with the published PEM', async () => {
    const data = Buffer.from('1795560000.{"id":"evt_1"}');
    // KMS with MessageType DIGEST signs the given SHA-256 digest; the stand-in signs the same message the usual way.
    kms.on(SignCommand).resolves({ Signature: ecSign('sha256', data, privateKey) });
    kms.on(GetPublicKeyCommand).resolves({ PublicKey: publicKey.export({ type: 'spki', format: 'der' }) });
    const signer = new KmsWebhookSigner(new KMSClient({ region: 'eu-west-1' }), 'key-1');
    const signature = await signer.sign(data);
    expect(kms.commandCalls(SignCommand)[0]!.args[0].input).toMatchObject({
      KeyId: 'key-1',
      MessageType: 'DIGEST',
      SigningAlgorithm: 'ECDSA_SHA_256',
      Message: createHash('sha256').update(data).digest(),
    });
    const [published] = await signer.publicKeys();
    expect(published).toMatchObject({ keyId: 'key-1', algorithm: 'ECDSA_P256_SHA256', status: 'active' });
    expect(verify('sha256', data, createPublicKey(published!.publicKeyPem), signature)).toBe(true);
  });

  it('publishes retiring keys during a rotation, and does not cache a failed fetch', async () => {
    const signer = new KmsWebhookSigner(new KMSClient({ region: 'eu-west-1' }), 'new', ['old']);
    kms.on(GetPublicKeyCommand).rejectsOnce(new Error('throttled')).resolves({ PublicKey: publicKey.export({ type: 'spki', format: 'der' }) });
    await expect(signer.publicKeys()).rejects.toThrow('throttled');
    const keys = await signer.publicKeys();
    expect(keys.map((k) => [k.keyId, k.status])).toEqual([
      ['new', 'active'],
      ['old', 'retiring'],
    ]);
    await signer.publicKeys();
    expect(kms.commandCalls(GetPublicKeyCommand)).toHaveLength(4); // 2 in the failed fetch + 2, then cached
  });
});

describe('SQS notification queue', () => {
  it('sends retries with DelaySeconds rounded up and capped at 15 minutes, and dead letters to the DLQ', async () => {
    sqs.on(SendMessageCommand).resolves({});
    const queue = new SqsNotificationQueue(new SQSClient({ region: 'eu-west-1' }), 'https://q/main', 'https://q/dlq');
    await queue.send({ eventId: 'evt_1', attempt: 1, notBefore: 5 }, 1_500);
    await queue.send({ eventId: 'evt_1', attempt: 10 }, 3 * 3600_000);
    await queue.deadLetter({ eventId: 'evt_1', attempt: 16 });
    const inputs = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
    expect(inputs[0]).toEqual({ QueueUrl: 'https://q/main', MessageBody: '{"eventId":"evt_1","attempt":1,"notBefore":5}', DelaySeconds: 2 });
    expect(inputs[1]).toMatchObject({ QueueUrl: 'https://q/main', DelaySeconds: 900 });
    expect(inputs[2]).toEqual({ QueueUrl: 'https://q/dlq', MessageBody: '{"eventId":"evt_1","attempt":16}' });
  });
});

describe('EventBridge bus', () => {
  const event = (i: number, notifyUrl: string | null = 'https://m.example/h'): DomainEvent => ({
    id: `evt_${i}`,
    type: 'order.succeeded',
    merchantId: 'm_1',
    orderId: `ord_${i}`,
    objectType: 'order',
    objectId: `ord_${i}`,
    objectVersion: 3,
    object: {},
    notifyUrl,
    createdAt: '2026-11-24T00:00:00.000Z',
  });

  it('puts events in batches of 10 with the platform source, the type as detail-type, and the routing detail', async () => {
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    const bus = new EventBridgeBus(new EventBridgeClient({ region: 'eu-west-1' }), 'bus-1', 'openpay.payments');
    await bus.publish([...Array.from({ length: 11 }, (_, i) => event(i)), event(11, null)]);
    const calls = events.commandCalls(PutEventsCommand);
    expect(calls.map((c) => c.args[0].input.Entries!.length)).toEqual([10, 2]);
    const first = calls[0]!.args[0].input.Entries![0]!;
    expect(first).toMatchObject({ EventBusName: 'bus-1', Source: 'openpay.payments', DetailType: 'order.succeeded' });
    expect(JSON.parse(first.Detail!)).toEqual({ eventId: 'evt_0', attempt: 0, type: 'order.succeeded', merchantId: 'm_1', orderId: 'ord_0', notify: true });
    expect(JSON.parse(calls[1]!.args[0].input.Entries![1]!.Detail!).notify).toBe(false);
  });

  it('throws when EventBridge rejects entries, so the stream retries the batch', async () => {
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    const bus = new EventBridgeBus(new EventBridgeClient({ region: 'eu-west-1' }), 'bus-1', 'openpay.payments');
    await expect(bus.publish([event(1)])).rejects.toThrow(/InternalFailure/);
  });
});
