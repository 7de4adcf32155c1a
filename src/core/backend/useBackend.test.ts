import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { useBackend } from './useBackend.ts';

describe('useBackend', () => {
  afterAll(() => {
    tf.removeBackend('broken-test');
  });

  it('switches to a backend, proves it computes, and leaves no tensor behind', async () => {
    const before = tf.memory().numTensors;
    await useBackend('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names an unknown backend and the known ones', async () => {
    await expect(useBackend('nonesuch', { who: 'test' })).rejects.toThrow(
      /^test: tfjs backend "nonesuch" could not be started: it is not registered \(known: .*cpu/,
    );
  });

  it('says when a backend fails to start, and stays on the one before', async () => {
    await useBackend('cpu');
    tf.registerBackend('broken-test', () => {
      throw new Error('no device');
    });
    await expect(useBackend('broken-test')).rejects.toThrow(/tfjs backend "broken-test" could not be started/);
    await useBackend('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });
});
