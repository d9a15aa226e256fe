import { decodeCursor, encodeCursor } from './cursor';

describe('order list cursor', () => {
  it('round-trips the position of the last order of a page', () => {
    const last = {
      createdAt: new Date('2026-11-25T17:00:00.123Z'),
      id: '6f1c1f7e-4b1a-4c53-9d7a-0a1b2c3d4e5f',
    };
    expect(decodeCursor(encodeCursor(last))).toEqual(last);
  });

  it.each([
    '',
    'not-a-cursor',
    Buffer.from('[1,2]').toString('base64url'),
    Buffer.from('["2026-11-25T17:00:00Z","x"]').toString('base64url'),
  ])('rejects %j', (text) => {
    expect(decodeCursor(text)).toBeUndefined();
  });
});
