/** What a HEAD of an image URL says: its exact size, or why it cannot be used as a record's url. */
export async function fetchImageHead(url: string, timeoutMs = 30_000): Promise<{ size?: number; problem?: string }> {
  let response: Response;
  try {
    // sregistry-cli does not follow redirects, so a record's URL must answer itself.
    response = await fetch(url, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { problem: `could not be reached (${cause?.code ?? cause?.message ?? (error as Error).message})` };
  }
  if (response.status >= 300 && response.status < 400) return { problem: `redirects (HTTP ${response.status} to ${response.headers.get('location') ?? '?'}); give the final URL` };
  if (response.status !== 200) return { problem: `answers HTTP ${response.status}` };
  const length = response.headers.get('content-length');
  const size = length !== null && /^\d+$/.test(length) ? Number(length) : undefined;
  if (size === undefined) return { problem: 'sends no Content-Length (the shub client needs one)' };
  return { size };
}
