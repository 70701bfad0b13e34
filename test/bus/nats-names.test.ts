import { describe, expect, it } from 'vitest';
import { subjectToTopic, topicToKv } from '../../src/bus/nats-mapping.js';
import { createNatsNames } from '../../src/bus/nats-names.js';

describe('NATS names, remembered per bus', () => {
  const topics = ['chinook/home/state/lighting', 'chinook/home/status/lighting-service', 'a/b c/ünïcode', 'top', '/lead'];

  it('answer exactly what the mapping answers', () => {
    const names = createNatsNames();
    for (const topic of topics) {
      const { bucket, key } = topicToKv(topic);
      expect(names.address(topic)).toEqual({ bucket, key, retainedSubject: `$KV.${bucket}.${key}`, liveSubject: `chinook.live.${bucket}.${key}` });
      expect(names.topicOf(names.address(topic).retainedSubject)).toBe(topic);
      expect(names.topicOf(names.address(topic).liveSubject)).toBe(topic);
    }
    for (const subject of ['_INBOX.x', '$KV.bad-ZZ.k', '$KV.b']) expect(names.topicOf(subject)).toBe(subjectToTopic(subject));
  });

  it('compute each name once, and start over past the bound (a flood costs time, never memory)', () => {
    const names = createNatsNames(3);
    const first = names.address('x/one');
    expect(names.address('x/one')).toBe(first);
    for (const t of ['x/two', 'x/three', 'x/four']) names.address(t);
    const again = names.address('x/one');
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });
});
