/**
 * Local time back to UTC. tcpdump prints its default (time of day) and -tttt
 * stamps in the local time of the machine and user that ran it (localtime(3),
 * so TZ applies); the reader must read them in that same zone, or every time is
 * off by the zone's offset. The zone's rules (DST) come from the ICU data Node
 * ships (Intl), not from the host's zoneinfo files.
 */

/** A zone as TZ gives it (`America/New_York`, `:Europe/Paris`, `UTC`), or null when Intl does not know it. */
export function normalizeZone(name: string): string | null {
  const z = name.startsWith(':') ? name.slice(1) : name;
  if (z === '') return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: z }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** The zone this process's local time is in (TZ, else the system's). */
export function processZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
}

/** Converts local wall-clock seconds (counted as if they were UTC) to epoch seconds in one zone. */
export class LocalZone {
  private readonly fmt: Intl.DateTimeFormat | null;
  /** The offset found for the last 15-minute slice of local time (zones change offset on such boundaries). */
  private slice = Number.NaN;
  private offset = 0;

  constructor(readonly name: string) {
    const utc = name === 'UTC' || name === 'Etc/UTC' || name === 'GMT' || name === 'Etc/GMT';
    this.fmt = utc
      ? null
      : new Intl.DateTimeFormat('en-US', {
          timeZone: name,
          hourCycle: 'h23',
          year: 'numeric',
          month: 'numeric',
          day: 'numeric',
          hour: 'numeric',
          minute: 'numeric',
          second: 'numeric',
        });
  }

  /** Seconds east of UTC at the instant `utc` (epoch seconds). */
  offsetAt(utc: number): number {
    if (this.fmt === null) return 0;
    const whole = Math.floor(utc);
    const p = { year: NaN, month: NaN, day: NaN, hour: NaN, minute: NaN, second: NaN };
    for (const part of this.fmt.formatToParts(new Date(whole * 1000))) {
      if (part.type in p) p[part.type as keyof typeof p] = Number(part.value);
    }
    const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) / 1000;
    return wall - whole;
  }

  /**
   * Epoch seconds of local wall-clock seconds. A local time that a DST change
   * repeats (or skips) is read with one of the offsets around the change.
   */
  toUtc(wall: number): number {
    if (this.fmt === null) return wall;
    const slice = Math.floor(wall / 900);
    if (slice !== this.slice) {
      const first = this.offsetAt(wall);
      this.offset = this.offsetAt(wall - first);
      this.slice = slice;
    }
    return wall - this.offset;
  }

  /** Epoch seconds of local midnight (as wall seconds) of the local day that holds the instant `utc`. */
  localDay(utc: number): number {
    const wall = utc + this.offsetAt(utc);
    return Math.floor(wall / 86400) * 86400;
  }
}
