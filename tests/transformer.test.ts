/**
 * The wire format: superjson, with messages marked `serializeOnce` serialized once for every stream that sends them.
 */
import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import { serializeOnce, transformer } from '@/framework/server/transformer';

const message = () => ({
  type: 'changes',
  at: new Date('2026-11-21T10:00:00.000Z'),
  rows: [{ id: 'a', n: 1 }],
});

describe('transformer', () => {
  it('serializes a marked message once, and it still reads back as the same value', () => {
    const shared = serializeOnce(message());
    const first = transformer.output.serialize(shared);
    expect(transformer.output.serialize(shared)).toBe(first);
    expect(superjson.deserialize(JSON.parse(JSON.stringify(first)))).toEqual(message());
  });

  it('serializes anything unmarked afresh, exactly as superjson does', () => {
    const plain = message();
    const first = transformer.output.serialize(plain);
    expect(transformer.output.serialize(plain)).not.toBe(first);
    expect(first).toEqual(superjson.serialize(message()));
    expect(transformer.output.serialize(null)).toEqual(superjson.serialize(null));
  });
});
