/** The canary's outbound call to a probe: one HTTP request, never following redirects. */
export interface ProbeRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

export type ProbeAnswer =
  | { readonly status: number; readonly error?: undefined }
  /** No HTTP answer: refused, reset, timed out. `error` says which, and holds no header value. */
  | { readonly status: 0; readonly error: string };

export interface ProbeClient {
  call(request: ProbeRequest): Promise<ProbeAnswer>;
}
