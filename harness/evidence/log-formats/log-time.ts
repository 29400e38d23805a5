/**
 * Timestamps of the logs into epoch ms. Local-time formats (php-fpm, nginx, redis) are read
 * in the harness's own time zone: the local provider's servers run on this machine with the
 * same TZ. PHP's error_log names its zone (date.timezone), HAProxy's ISO stamps carry an offset.
 */

const months: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

/** 0-11 for Jan..Dec, undefined for anything else. */
export function monthIndex(name: string): number | undefined {
  return months[name];
}

export interface WallClock {
  year: number;
  month: number; // 0-11
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
}

function valid(t: WallClock): boolean {
  return t.month >= 0 && t.month <= 11 && t.day >= 1 && t.day <= 31 && t.hour <= 23 && t.minute <= 59 && t.second <= 60;
}

/** A wall-clock time of the harness's local zone; null when the fields are out of range. */
export function localEpochMs(t: WallClock): number | null {
  if (!valid(t)) return null;
  const ms = new Date(t.year, t.month, t.day, t.hour, t.minute, t.second, t.ms).getTime();
  return Number.isNaN(ms) ? null : ms;
}

function utcEpochMs(t: WallClock): number {
  return Date.UTC(t.year, t.month, t.day, t.hour, t.minute, t.second, t.ms);
}

const zoneFormats = new Map<string, Intl.DateTimeFormat | null>();

function zoneFormat(zone: string): Intl.DateTimeFormat | null {
  let format = zoneFormats.get(zone);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      format = null; // not a zone this runtime knows: the line is untimed
    }
    zoneFormats.set(zone, format);
  }
  return format;
}

/** Offset (ms) of an IANA zone from UTC at a given instant. */
function zoneOffsetMs(format: Intl.DateTimeFormat, atMs: number): number {
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(atMs)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  const asUtc = Date.UTC(parts.year ?? 0, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
  return asUtc - (atMs - (atMs % 1000 + 1000) % 1000);
}

const offsetPattern = /^([+-])(\d{2}):?(\d{2})$/;

/**
 * A wall-clock time in a named zone: `UTC`, `Z`, an offset (`+02:00`) or an IANA name
 * (`Europe/Berlin`, what PHP writes for date.timezone). Null for a zone nobody knows.
 */
export function zonedEpochMs(t: WallClock, zone: string): number | null {
  if (!valid(t)) return null;
  const utc = utcEpochMs(t);
  if (zone === 'UTC' || zone === 'Z' || zone === 'GMT') return utc;
  const offset = offsetPattern.exec(zone);
  if (offset) {
    const minutes = Number(offset[2]) * 60 + Number(offset[3]);
    return utc - (offset[1] === '-' ? -minutes : minutes) * 60_000;
  }
  const format = zoneFormat(zone);
  if (!format) return null;
  // The offset at the guess, then once more at the corrected instant (DST edges).
  const guess = utc - zoneOffsetMs(format, utc);
  return utc - zoneOffsetMs(format, guess);
}

/**
 * A reader of wall-clock stamps written in `zone`, or in this host's zone when none is named
 * (LogSource.zone).
 */
export function wallClock(zone: string | undefined): (t: WallClock) => number | null {
  return zone === undefined ? localEpochMs : (t) => zonedEpochMs(t, zone);
}

/**
 * Lines of a second-resolution log share their timestamp text with their neighbours: convert
 * each distinct text once.
 */
export function memoizeLast(convert: (text: string) => number | null): (text: string) => number | null {
  let lastText = '';
  let lastValue: number | null = null;
  return (text) => {
    if (text !== lastText) {
      lastText = text;
      lastValue = convert(text);
    }
    return lastValue;
  };
}

/**
 * A reader of logs whose lines open with a bracketed stamp (`[05-Dec-2026 10:15:53 UTC] ...`):
 * the bracket's text converted once per distinct value; null for a line without one.
 */
export function bracketStampReader(convert: (text: string) => number | null, maxStampChars: number): (line: string) => number | null {
  const cached = memoizeLast(convert);
  return (line) => {
    if (line.charCodeAt(0) !== 91 /* [ */) return null;
    const end = line.indexOf(']');
    return end > 0 && end < maxStampChars ? cached(line.slice(0, end + 1)) : null;
  };
}
