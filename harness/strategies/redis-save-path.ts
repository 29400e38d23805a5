/** phpredis session.save_path with explicit timeouts (read_timeout defaults to 0 = hang forever). */
export function redisSavePath(redis: { host: string; port: number }, options: { timeoutS?: number; readTimeoutS?: number } = {}): string {
  const timeout = options.timeoutS ?? 2;
  const readTimeout = options.readTimeoutS ?? 2;
  return `tcp://${redis.host}:${redis.port}?timeout=${timeout}&read_timeout=${readTimeout}&persistent=0&prefix=PHPREDIS_SESSION:`;
}
