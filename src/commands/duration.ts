/** "30d", "12h", "30m", "900s" (or plain seconds) → seconds, or why not (naming `option`). */
export function parseDuration(text: string, option = '--expires'): number | string {
  const match = /^(\d{1,7})([smhd]?)$/.exec(text.trim());
  if (!match) return `${option} expects a duration such as 30d, 12h, 30m or 900s, received "${text}"`;
  const seconds = Number(match[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  if (seconds < 1) return `${option} must be at least 1 second`;
  return seconds;
}
