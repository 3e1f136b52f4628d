import { describe, expect, it } from 'vitest';
import { matchTopic, stripSharePrefix } from '../src/messaging/topic-filter';

describe('stripSharePrefix', () => {
  it.each([
    ['$share/group/a/b', 'a/b'],
    ['$share/group/#', '#'],
    ['$share/g/$SYS/#', '$SYS/#'],
    ['$share/group//a', '/a'],
    ['$share/group/', ''],
    ['$queue/jobs/+', 'jobs/+'],
    ['$queue/', ''],
    ['a/b', 'a/b'],
    ['$SYS/#', '$SYS/#'],
    ['$sharex/a', '$sharex/a'],
    ['$share', '$share'],
    ['$share/group', '$share/group'], // malformed: left alone
    ['share/group/a', 'share/group/a'],
  ])('%j -> %j', (filter, expected) => {
    expect(stripSharePrefix(filter)).toBe(expected);
  });
});

describe('matchTopic', () => {
  const cases: [filter: string, topic: string, matches: boolean][] = [
    // exact
    ['a', 'a', true],
    ['a/b', 'a/b', true],
    ['a/b', 'a/c', false],
    ['a/b', 'a', false],
    ['a', 'a/b', false],
    ['A', 'a', false], // case-sensitive
    ['a/b/', 'a/b', false],
    // single level
    ['sport/tennis/+', 'sport/tennis/player1', true],
    ['sport/tennis/+', 'sport/tennis/player2', true],
    ['sport/tennis/+', 'sport/tennis/player1/ranking', false],
    ['sport/tennis/+', 'sport/tennis', false],
    ['sport/tennis/+', 'sport/tennis/', true], // '+' matches the empty last level
    ['sport/+', 'sport', false],
    ['sport/+', 'sport/', true],
    ['+/+', '/finance', true],
    ['/+', '/finance', true],
    ['+', '/finance', false],
    ['+', 'a', true],
    ['+', '', true],
    ['+/b', 'a/b', true],
    ['+/b', 'a/c', false],
    ['a/+/c', 'a//c', true],
    ['+/+/+', 'a/b/c', true],
    ['+/+/+', 'a/b', false],
    // multi level
    ['#', 'a', true],
    ['#', 'a/b/c', true],
    ['#', '/', true],
    ['#', '', true],
    ['sport/#', 'sport', true], // parent level
    ['sport/#', 'sport/', true],
    ['sport/#', 'sport/tennis/player1', true],
    ['sport/#', 'sports', false],
    ['sport/tennis/#', 'sport/tennis/player1/ranking', true],
    ['a/#', 'a', true],
    ['a/#', 'b', false],
    ['+/#', 'a', true],
    ['+/#', 'a/b/c', true],
    ['/#', '/a', true],
    ['/#', 'a', false],
    ['a/+/#', 'a', false],
    ['a/+/#', 'a/b', true],
    // empty levels
    ['a//b', 'a//b', true],
    ['a//b', 'a/b', false],
    ['a/+/b', 'a//b', true],
    ['/a', '/a', true],
    ['/a', 'a', false],
    ['+/+', '/a', true],
    ['+', '/a', false],
    ['//', '//', true],
    // $-topics
    ['#', '$SYS/x', false],
    ['+/x', '$SYS/x', false],
    ['+', '$SYS', false],
    ['+/#', '$SYS/x', false],
    ['$SYS/#', '$SYS/x', true],
    ['$SYS/#', '$SYS', true],
    ['$SYS/+', '$SYS/x', true],
    ['$SYS/x', '$SYS/x', true],
    ['a/#', 'a/$x', true], // '$' only matters in the first level
    ['a/+', 'a/$x', true],
    // shared subscriptions: prefix ignored for matching
    ['$share/group/a/b', 'a/b', true],
    ['$share/group/a/+', 'a/b', true],
    ['$share/group/#', 'a/b', true],
    ['$share/group/#', '$SYS/x', false],
    ['$share/group/$SYS/#', '$SYS/x', true],
    ['$share/group/a', '$share/group/a', false],
    ['$queue/a/#', 'a/b', true],
    ['$queue/+', 'a', true],
  ];

  it.each(cases)('%j vs %j -> %s', (filter, topic, expected) => {
    expect(matchTopic(filter, topic)).toBe(expected);
  });
});
