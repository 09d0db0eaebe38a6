import { randomInt } from 'node:crypto';

// A run without a name gets a memorable one, as MLflow's server gives ("bouncy-owl-123").
const ADJECTIVES = [
  'able', 'amber', 'ample', 'brave', 'bright', 'bold', 'calm', 'clever', 'crisp', 'curious', 'dapper', 'eager',
  'fair', 'fancy', 'fleet', 'gentle', 'glad', 'grand', 'handy', 'honest', 'humble', 'jolly', 'keen', 'kind',
  'lively', 'lucid', 'merry', 'mighty', 'neat', 'nimble', 'noble', 'plucky', 'polite', 'proud', 'quick', 'quiet',
  'rare', 'ruddy', 'sharp', 'shiny', 'silent', 'smart', 'snappy', 'steady', 'sunny', 'swift', 'tidy', 'tough',
  'upbeat', 'vivid', 'warm', 'wise', 'witty', 'zesty',
];
const NOUNS = [
  'ant', 'bass', 'bear', 'bee', 'bird', 'boar', 'carp', 'cat', 'colt', 'crab', 'crane', 'crow', 'deer', 'dove',
  'duck', 'eel', 'elk', 'finch', 'fox', 'frog', 'gnat', 'goat', 'hare', 'hawk', 'hen', 'heron', 'ibis', 'jay',
  'koi', 'lamb', 'lark', 'lion', 'lynx', 'mole', 'moth', 'mouse', 'newt', 'owl', 'ox', 'panda', 'pike', 'quail',
  'ram', 'robin', 'seal', 'shrew', 'snail', 'stag', 'swan', 'toad', 'trout', 'vole', 'wasp', 'whale', 'wolf', 'wren',
  'yak', 'zebra',
];

/** @example generateRunName() // 'plucky-heron-417' */
export function generateRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000)}`;
}
