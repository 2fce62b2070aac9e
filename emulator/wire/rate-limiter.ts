interface Bucket {
  tokens: number;
  refilledAt: number;
}

/** Token bucket per (AccessKey, action): holds at most `qps` tokens and refills `qps` per real second. */
export class ActionRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  tryTake(accessKeyId: string, action: string, qps: number, now: number): boolean {
    if (qps <= 0) return true;
    const key = `${accessKeyId}\u0000${action}`;
    const bucket = this.buckets.get(key) ?? { tokens: qps, refilledAt: now };
    bucket.tokens = Math.min(qps, bucket.tokens + ((now - bucket.refilledAt) / 1000) * qps);
    bucket.refilledAt = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  reset(): void {
    this.buckets.clear();
  }
}
