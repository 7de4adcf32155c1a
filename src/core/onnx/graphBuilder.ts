/**
 * Builds an ONNX graph one operator at a time: constants become initializers,
 * every node output gets a unique name, attributes are written with small helpers
 * (`attr.int('axis', -1)`). The result is an `OnnxGraph` for `encodeModel`.
 */
import { ONNX_DTYPE, type OnnxAttribute, type OnnxDataType, type OnnxGraph, type OnnxValueInfo } from './onnxProto.ts';
import type { OnnxNode, OnnxTensor } from './onnxProto.ts';

export const attr = {
  int: (name: string, value: number): OnnxAttribute => ({ name, kind: 'int', value }),
  float: (name: string, value: number): OnnxAttribute => ({ name, kind: 'float', value }),
  ints: (name: string, value: number[]): OnnxAttribute => ({ name, kind: 'ints', value }),
};

function bytesOf(a: Float32Array | Int32Array | Uint8Array | BigInt64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export class GraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxTensor[] = [];
  private readonly inputs: OnnxValueInfo[] = [];
  private readonly outputs: OnnxValueInfo[] = [];
  private readonly used = new Set<string>();
  private counter = 0;
  private readonly scalars = new Map<string, string>();

  constructor(private readonly name: string) {}

  private unique(base: string): string {
    let n = base;
    while (this.used.has(n)) n = `${base}_${++this.counter}`;
    this.used.add(n);
    return n;
  }

  /** A graph input. */
  input(name: string, elemType: OnnxDataType, shape: (number | string)[]): string {
    this.used.add(name);
    this.inputs.push({ name, elemType, shape });
    return name;
  }

  /** Declares an existing value as a graph output. */
  output(value: string, elemType: OnnxDataType, shape: (number | string)[]): void {
    this.outputs.push({ name: value, elemType, shape });
  }

  /** A constant tensor (initializer) with the given bytes; returns its name. */
  constant(name: string, dataType: OnnxDataType, dims: number[], raw: Uint8Array): string {
    const unique = this.unique(name);
    this.initializers.push({ name: unique, dataType, dims, raw });
    return unique;
  }

  floats(name: string, data: Float32Array, dims: number[]): string {
    return this.constant(name, ONNX_DTYPE.FLOAT, dims, bytesOf(data));
  }

  uint8s(name: string, data: Uint8Array, dims: number[]): string {
    return this.constant(name, ONNX_DTYPE.UINT8, dims, data);
  }

  /** int64 constant; dims [] makes a scalar. */
  int64s(name: string, values: number[], dims: number[] = [values.length]): string {
    return this.constant(name, ONNX_DTYPE.INT64, dims, bytesOf(BigInt64Array.from(values.map(BigInt))));
  }

  /** A float scalar constant, shared by every use of the same name and value. */
  scalar(name: string, value: number): string {
    const key = `${name}=${value}`;
    let found = this.scalars.get(key);
    if (found === undefined) {
      found = this.floats(name, Float32Array.of(value), []);
      this.scalars.set(key, found);
    }
    return found;
  }

  /** Adds a node; returns its outputs' names (made unique from `outNames`, or from the op type). */
  op(opType: string, inputs: string[], attributes: OnnxAttribute[] = [], outNames: string[] = [opType]): string[] {
    const outputs = outNames.map((n) => this.unique(n));
    this.nodes.push({ opType, name: this.unique(`${opType}_node`), inputs, outputs, attributes });
    return outputs;
  }

  /** A single-output node. */
  op1(opType: string, inputs: string[], attributes: OnnxAttribute[] = [], outName = opType): string {
    return this.op(opType, inputs, attributes, [outName])[0];
  }

  graph(): OnnxGraph {
    return {
      name: this.name,
      nodes: this.nodes,
      initializers: this.initializers,
      inputs: this.inputs,
      outputs: this.outputs,
    };
  }
}
