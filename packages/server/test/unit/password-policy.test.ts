import { describe, expect, it } from 'vitest';
import { passwordProblem } from '../../src/domain/password-policy.js';

describe('password policy (NIST SP 800-63B)', () => {
  it('needs 8 characters, each code point counting once', () => {
    expect(passwordProblem('1234567')).toBe('at least 8 characters');
    expect(passwordProblem('12345678')).toBeUndefined();
    expect(passwordProblem('😀🔑🦊🎲')).toBe('at least 8 characters'); // 8 code units
    expect(passwordProblem('😀🔑🦊🎲😀🔑🦊🎲')).toBeUndefined();
    expect(passwordProblem('correct horse battery staple')).toBeUndefined();
  });

  it('bounds the size', () => {
    expect(passwordProblem('x'.repeat(1024))).toBeUndefined();
    expect(passwordProblem('x'.repeat(1025))).toBe('at most 1024 characters');
  });
});
