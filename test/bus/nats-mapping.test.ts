import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BusError, matchesTopic } from '../../src/bus/bus.js';
import {
  decodeBucket,
  decodeKey,
  directoryMayMatch,
  encodeBucket,
  encodeKey,
  LIVENESS_BUCKET,
  parseNatsUrl,
  planSubjects,
  planSubscription,
  subjectToTopic,
  topicToKv,
} from '../../src/bus/nats-mapping.js';

describe('NATS mapping: topics to buckets and keys', () => {
  it.each([
    ['chinook/home/state/lighting', 'chinook_home_state', 'lighting'],
    ['chinook/home/status/lighting-service', 'chinook_home_status', 'lighting-service'],
    ['chinook/home-lab/state/a_b', 'chinook_home--lab_state', 'a_b'],
    ['a//b', 'a_', 'b'],
    ['a/b/', 'a_b', '='],
    ['t', '-', 't'],
    ['$chinook/x/y', '-24chinook_x', 'y'],
    ['dé/k.v', 'd-C3-A9', 'k=2Ev'],
  ])('%s → bucket %s, key %s', (topic, bucket, key) => {
    expect(topicToKv(topic)).toEqual({ bucket, key });
    expect(subjectToTopic(`$KV.${bucket}.${key}`)).toBe(topic);
    expect(subjectToTopic(`chinook.live.${bucket}.${key}`)).toBe(topic);
  });

  it('round-trips every topic, and names only valid buckets, keys and single subject tokens', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 5 }), (levels) => {
        const topic = levels.join('/');
        const { bucket, key } = topicToKv(topic);
        expect(bucket).toMatch(/^[-\w]+$/);
        expect(key).toMatch(/^[-\w=]+$/);
        expect(subjectToTopic(`$KV.${bucket}.${key}`)).toBe(topic);
        // No topic's bucket is the liveness bucket.
        expect(bucket).not.toBe(LIVENESS_BUCKET);
      }),
    );
  });

  it('decodes only names the encoding makes', () => {
    expect(decodeBucket(LIVENESS_BUCKET)).toBeUndefined();
    expect(decodeBucket('a-ZZ')).toBeUndefined();
    expect(decodeKey('=4')).toBeUndefined();
    expect(encodeBucket(['a', 'b-c'])).toBe('a_b--c');
    expect(encodeKey('')).toBe('=');
    expect(subjectToTopic('$KV.a.b.c')).toBeUndefined();
    expect(subjectToTopic('other.a.b')).toBeUndefined();
    expect(subjectToTopic('$KV.chinook-liveness.x')).toBeUndefined();
  });
});

describe('NATS mapping: subscriptions', () => {
  it('a literal directory reads one bucket; anything else scans', () => {
    expect(planSubscription('chinook/home/state/+')).toEqual({ kind: 'bucket', bucket: 'chinook_home_state', keyFilter: '*' });
    expect(planSubscription('chinook/home/state/x')).toEqual({ kind: 'bucket', bucket: 'chinook_home_state', keyFilter: 'x' });
    expect(planSubscription('a/#')).toEqual({ kind: 'scan' });
    expect(planSubscription('a/+/x')).toEqual({ kind: 'scan' });
    expect(planSubjects(planSubscription('c/h/state/+'))).toEqual(['$KV.c_h_state.*', 'chinook.live.c_h_state.*']);
    expect(planSubjects({ kind: 'scan' })).toEqual(['$KV.*.*', 'chinook.live.*.*']);
  });

  it('never rules out a bucket holding a topic the pattern matches', () => {
    const level = fc.constantFrom('a', 'b', 'x', '');
    const patternLevel = fc.constantFrom('a', 'b', 'x', '+');
    fc.assert(
      fc.property(fc.array(level, { minLength: 1, maxLength: 4 }), fc.array(patternLevel, { minLength: 1, maxLength: 4 }), fc.boolean(), (topicLevels, patternLevels, hash) => {
        const pattern = [...patternLevels, ...(hash ? ['#'] : [])].join('/');
        const topic = topicLevels.join('/');
        if (matchesTopic(pattern, topic)) expect(directoryMayMatch(pattern, topicLevels.slice(0, -1)), `${pattern} ~ ${topic}`).toBe(true);
      }),
    );
    expect(directoryMayMatch('a/b/+', ['a', 'c'])).toBe(false);
    expect(directoryMayMatch('a/+', ['a', 'b'])).toBe(false);
  });
});

describe('parseNatsUrl', () => {
  it('reads several servers, credentials and replicas', () => {
    expect(parseNatsUrl('nats://127.0.0.1:4001,127.0.0.1:4002?replicas=3')).toEqual({
      servers: ['127.0.0.1:4001', '127.0.0.1:4002'],
      replicas: 3,
      where: 'nats://127.0.0.1:4001,127.0.0.1:4002',
    });
    expect(parseNatsUrl('nats://me:s%40cret@h1,nats://h2:5')).toMatchObject({ servers: ['h1:4222', 'h2:5'], user: 'me', pass: 's@cret', replicas: 1 });
    expect(parseNatsUrl('nats://tok@h')).toMatchObject({ token: 'tok', servers: ['h:4222'] });
  });

  it.each(['nats://', 'nats://h?replicas=0', 'nats://h?replicas=x', 'nats://h?bucket=1', 'nats://h:0', 'nats://h:70000', 'nats://a b', 'mqtt://h', 'nats://user:hunter2@?replicas=9'])(
    'rejects %j with bus-url-invalid, never repeating a password',
    (url) => {
      try {
        parseNatsUrl(url);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(BusError);
        expect((error as BusError).code).toBe('bus-url-invalid');
        expect((error as Error).message).not.toContain('hunter2');
      }
    },
  );
});
