export interface ScheduledEvent {
  at: number;
  order: number;
  kind: 'taskDue' | 'removeBackup';
  id: string;
}

/** Binary min-heap on (at, order): due events fire in time order, ties in scheduling order. */
export class EventQueue {
  private heap: ScheduledEvent[] = [];
  private order = 0;

  get size(): number {
    return this.heap.length;
  }

  push(at: number, kind: ScheduledEvent['kind'], id: string): void {
    if (!Number.isFinite(at)) return; // never-ending (stuck) work is simply not scheduled
    this.heap.push({ at, order: this.order++, kind, id });
    this.siftUp(this.heap.length - 1);
  }

  popDue(now: number): ScheduledEvent | undefined {
    const top = this.heap[0];
    if (!top || top.at > now) return undefined;
    const last = this.heap.pop() as ScheduledEvent;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  clear(): void {
    this.heap = [];
  }

  /** Pending events in firing order, for the state file. */
  toList(): { at: number; kind: ScheduledEvent['kind']; id: string }[] {
    return [...this.heap].sort((a, b) => (this.less(a, b) ? -1 : 1)).map(({ at, kind, id }) => ({ at, kind, id }));
  }

  private less(a: ScheduledEvent, b: ScheduledEvent): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.less(heap[index], heap[parent])) return;
      [heap[index], heap[parent]] = [heap[parent], heap[index]];
      index = parent;
    }
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    for (;;) {
      const left = index * 2 + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && this.less(heap[left], heap[smallest])) smallest = left;
      if (right < heap.length && this.less(heap[right], heap[smallest])) smallest = right;
      if (smallest === index) return;
      [heap[index], heap[smallest]] = [heap[smallest], heap[index]];
      index = smallest;
    }
  }
}
