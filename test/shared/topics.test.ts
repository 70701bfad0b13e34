import { describe, expect, it } from 'vitest';
import { allStates, allStatuses, stateTopic, stateTopicPrefix, statusTopic, statusTopicPrefix } from '../../src/shared/topics.js';

describe('topic layout (PROTOCOL.md)', () => {
  it('names state and status topics under the prefix, and their wildcards', () => {
    expect(stateTopic('chinook/home', 'lighting')).toBe('chinook/home/state/lighting');
    expect(statusTopic('chinook/home', 'lighting-service')).toBe('chinook/home/status/lighting-service');
    expect(allStates('chinook/home')).toBe('chinook/home/state/+');
    expect(allStatuses('chinook/home')).toBe('chinook/home/status/+');
    expect(stateTopicPrefix('chinook/home')).toBe('chinook/home/state/');
    expect(statusTopicPrefix('chinook/home')).toBe('chinook/home/status/');
  });
});
