/**
 * The "built and checked here" mark that lets the gate skip a second field-by-field check of packets
 * and chains this library made. It must never travel to an object the library did not make.
 */
import { describe, expect, it } from 'vitest';
import { freezeChecked, isChecked } from '../../src/packet/checked.js';
import {
  AgentIdentity,
  createChain,
  createTaskPacket,
  parsePacket,
  serializePacket,
  signPacket,
} from '../support/api.js';

const identity = AgentIdentity.generate();
const signed = signPacket(
  createTaskPacket({ from_agent: identity.agentId, to_agent: 'agent:b', intent: 'x' }),
  identity,
);

describe('checked mark', () => {
  it('marks what the library builds: drafts, signed and parsed packets, chains', () => {
    expect(isChecked(createTaskPacket({ from_agent: 'agent:a', to_agent: 'agent:b', intent: 'x' }))).toBe(
      true,
    );
    expect(isChecked(signed)).toBe(true);
    expect(isChecked(parsePacket(serializePacket(signed)))).toBe(true);
    expect(isChecked(createChain(signed))).toBe(true);
  });

  it('freezes what it marks', () => {
    const value = freezeChecked({ a: 1 });
    expect(Object.isFrozen(value)).toBe(true);
    expect(isChecked(value)).toBe(true);
    expect(isChecked(freezeChecked(value))).toBe(true); // marking twice is harmless
  });

  it('does not travel with copies, clones, serializations or proxies', () => {
    expect(isChecked({ ...signed })).toBe(false);
    expect(isChecked(Object.assign({}, signed))).toBe(false);
    expect(isChecked(structuredClone({ ...signed, issued_at: null, expires_at: null }))).toBe(false);
    expect(isChecked(JSON.parse(JSON.stringify(signed)))).toBe(false);
    expect(isChecked(new Proxy(signed, {}))).toBe(false);
    expect(isChecked(Object.create(signed))).toBe(false);
  });

  it('is invisible: no own key, symbol or JSON trace', () => {
    const plain = Object.freeze({ ...signed });
    expect(Reflect.ownKeys(signed)).toEqual(Reflect.ownKeys(plain));
    expect(JSON.stringify(signed)).toBe(JSON.stringify(plain));
    expect(Object.getPrototypeOf(signed)).toBe(Object.prototype);
  });

  it('is false for anything that is not an object', () => {
    for (const value of [null, undefined, 0, 'packet', true, 1n]) expect(isChecked(value)).toBe(false);
  });
});
