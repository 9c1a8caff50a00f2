/**
 * The record of one write command: how to undo each in-memory change, and the list of
 * persistence operations to commit to SQLite in one transaction.
 */
import type { Document } from 'bson';

export type StoreOp =
  | { kind: 'put'; ns: string; idKey: string; bytes: Buffer }
  | { kind: 'del'; ns: string; idKey: string }
  | { kind: 'createColl'; ns: string; options: Document }
  | { kind: 'dropColl'; ns: string }
  | { kind: 'putIndex'; ns: string; name: string; spec: Document }
  | { kind: 'dropIndex'; ns: string; name: string };

export class WriteTxn {
  private undos: (() => void)[] = [];
  readonly ops: StoreOp[] = [];

  constructor(readonly durable = false) {}

  record(undo: () => void, op?: StoreOp): void {
    this.undos.push(undo);
    if (op) this.ops.push(op);
  }

  get empty(): boolean {
    return this.undos.length === 0 && this.ops.length === 0;
  }

  mark(): { u: number; o: number } {
    return { u: this.undos.length, o: this.ops.length };
  }

  /** Undo everything recorded after `m` (a failed statement inside a batch). */
  rollbackTo(m: { u: number; o: number }): void {
    for (let i = this.undos.length - 1; i >= m.u; i--) this.undos[i]();
    this.undos.length = m.u;
    this.ops.length = m.o;
  }

  rollbackAll(): void {
    this.rollbackTo({ u: 0, o: 0 });
  }
}
