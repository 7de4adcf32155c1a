/**
 * The order training items are visited in: a seeded shuffle per epoch,
 * continued across epochs. Its whole state is three numbers and an RNG state,
 * saved with each checkpoint, so a resumed run sees the same items in the
 * same order as an uninterrupted one.
 */
import { Rng, type RngState } from '../random/rng.ts';

export interface DataOrderState {
  epoch: number;
  /** position inside the current epoch's order */
  offset: number;
  /** the RNG's state before this epoch's shuffle */
  epochRngState: RngState;
}

export class DataOrder {
  private readonly rng: Rng;
  private state: DataOrderState;
  private order: number[];

  constructor(
    private readonly size: number,
    seed: number,
  ) {
    this.rng = new Rng(seed);
    this.state = { epoch: 0, offset: 0, epochRngState: this.rng.getState() };
    this.order = this.shuffled();
  }

  private shuffled(): number[] {
    this.rng.setState(this.state.epochRngState);
    return this.rng.shuffle([...Array(this.size).keys()]);
  }

  /** The next n item indices, wrapping into a freshly shuffled epoch. */
  next(n: number): number[] {
    const out: number[] = [];
    while (out.length < n) {
      if (this.state.offset >= this.order.length) {
        this.state = { epoch: this.state.epoch + 1, offset: 0, epochRngState: this.rng.getState() };
        this.order = this.shuffled();
      }
      const take = Math.min(n - out.length, this.order.length - this.state.offset);
      out.push(...this.order.slice(this.state.offset, this.state.offset + take));
      this.state.offset += take;
    }
    return out;
  }

  getState(): DataOrderState {
    return { ...this.state };
  }

  setState(state: DataOrderState): void {
    this.state = { ...state };
    this.order = this.shuffled();
  }
}
