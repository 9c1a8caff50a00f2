// Minimal types for the parts of autocannon the benchmarks use (it ships none).
declare module 'autocannon' {
  namespace autocannon {
    interface Options {
      url: string;
      connections?: number;
      duration?: number;
      /** Requests to send in all (instead of `duration`). */
      amount?: number;
      method?: string;
      headers?: Record<string, string>;
      body?: string;
      /** Seconds before a request counts as a timeout (default 10). */
      timeout?: number;
      /** Request templates; setupRequest may change each request (e.g. its path) before it is sent. */
      requests?: {
        method?: string;
        path?: string;
        setupRequest?: (req: RequestParams) => RequestParams;
      }[];
    }
    interface RequestParams {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string;
    }
    interface Histogram {
      average: number;
      p50: number;
      p99: number;
      /** Requests: how many in all (autocannon's requests.total). */
      total?: number;
    }
    interface Result {
      requests: Histogram;
      latency: Histogram;
      non2xx: number;
      /** responses with a 2xx status */
      '2xx': number;
      errors: number;
    }
  }
  function autocannon(opts: autocannon.Options): Promise<autocannon.Result>;
  export default autocannon;
}
