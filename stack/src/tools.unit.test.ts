import { StackError } from './errors';
import { checkJava, parseJavaMajor, parseReleaseFile, pickJava } from './tools';

test.each([
  ['openjdk version "17.0.15" 2025-04-15', 17],
  ['openjdk version "25.0.3" 2026-04-21 LTS', 25],
  ['java version "1.8.0_412"', 8],
  ['openjdk version "21" 2023-09-19', 21],
  ['something else', undefined],
])('parseJavaMajor(%s) = %s', (text, major) => {
  expect(parseJavaMajor(text)).toBe(major);
});

test('parseReleaseFile reads JAVA_VERSION', () => {
  expect(parseReleaseFile('IMPLEMENTOR="Eclipse Adoptium"\nJAVA_VERSION="25.0.3"\n')).toBe(25);
  expect(parseReleaseFile('JAVA_VERSION="1.8.0_412"')).toBe(8);
  expect(parseReleaseFile('nothing')).toBeUndefined();
});

test('pickJava takes the lowest version that is new enough', () => {
  const javas = [
    { java: '/jdk25/bin/java', major: 25 },
    { java: '/jdk17/bin/java', major: 17 },
    { java: '/jdk21/bin/java', major: 21 },
  ];
  expect(pickJava(javas, 21)).toEqual({ java: '/jdk21/bin/java', major: 21 });
  expect(pickJava(javas, 26)).toBeUndefined();
});

test('a missing java is a JAVA_MISSING error that says what to install', () => {
  let error: unknown;
  try {
    checkJava('/nonexistent/bin/java');
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(StackError);
  expect((error as StackError).code).toBe('JAVA_MISSING');
  expect((error as StackError).message).toContain('apt-get install openjdk-17');
});
