// The warnings board's state, kept outside Vue's deep reactivity: warnings arrive in bursts
// (50 a second and more), so they are queued and merged once per animation frame, and the
// screen re-renders from a single version counter instead of per warning.
import { shallowRef, triggerRef } from "vue";

export type Level = "RED" | "ORANGE" | "YELLOW";
export type Status = "OPEN" | "ACKNOWLEDGED" | "RESOLVED";

export const LEVELS: readonly Level[] = ["RED", "ORANGE", "YELLOW"];

export interface BoardWarning {
  id: string;
  cursor: string;
  level: Level;
  kind: string;
  message: string;
  status: Status;
  createdAt: string;
  enterprise: { id: string; name: string; uscc: string };
  loan: { id: string } | null;
  contagionSource: { id: string; name: string } | null;
}

/** What one column shows: the newest `limit` warnings of a level and how many there are. */
export interface Column {
  level: Level;
  shown: BoardWarning[];
  total: number;
  fresh: number;
}

/** Cards drawn per level at first: older ones are counted, not drawn, so the DOM stays
 *  small (people ask for more). */
export const COLUMN_LIMIT = 50;
/** At most this often (ms) is the board redrawn: a burst becomes one redraw, and 50
 *  warnings a second are five redraws of ten, well inside the 1 s a new one may take. */
export const MIN_REDRAW_MS = 200;

export class Board {
  private byId = new Map<string, BoardWarning>();
  private pending: BoardWarning[] = [];
  private scheduled = false;
  private lastFlush = -Infinity;
  /** ids of RED warnings that arrived live and nobody has looked at yet */
  readonly freshRed = new Set<string>();
  /** the newest cursor seen: a reconnect resumes after it */
  lastCursor: string | null = null;
  private lastKey = -1;
  /** bumped once per merged batch; the screen's computed values read it */
  readonly version = shallowRef(0);
  /** merged batches and their cost, for the screen's throughput figure */
  stats = { batches: 0, received: 0, lastBatch: 0, lastMergeMs: 0 };

  constructor(private schedule: (fn: () => void) => void = defaultSchedule) {}

  /** Take warnings from the first page load (no cue). */
  load(list: BoardWarning[]): void {
    for (const w of list) {
      if (!this.byId.has(w.id)) this.byId.set(w.id, w);
      this.seeCursor(w.cursor);
    }
    this.bump();
  }

  /** A reconnect resumes after this cursor, unless a newer one is known. */
  resumeAfter(cursor: string): void {
    this.seeCursor(cursor);
  }

  /** Queue a warning from the live feed; merged on the next frame. */
  push(w: BoardWarning): void {
    this.stats.received++;
    this.seeCursor(w.cursor);
    this.pending.push(w);
    if (!this.scheduled) {
      this.scheduled = true;
      const wait = MIN_REDRAW_MS - (performance.now() - this.lastFlush);
      if (wait <= 0) this.schedule(() => this.flush());
      else setTimeout(() => this.schedule(() => this.flush()), wait);
    }
  }

  /** Merge queued warnings now (also called by the frame scheduler). */
  flush(): void {
    this.scheduled = false;
    if (!this.pending.length) return;
    const t0 = performance.now();
    this.lastFlush = t0;
    const batch = this.pending;
    this.pending = [];
    for (const w of batch) {
      const known = this.byId.get(w.id);
      if (known) {
        // a replay after reconnect: keep the newest status we know
        if (rank(w.status) > rank(known.status)) this.byId.set(w.id, w);
        continue;
      }
      this.byId.set(w.id, w);
      if (w.level === "RED" && w.status === "OPEN") this.freshRed.add(w.id);
    }
    this.stats.batches++;
    this.stats.lastBatch = batch.length;
    this.stats.lastMergeMs = performance.now() - t0;
    this.bump();
  }

  /** Replace a warning after a staff action; resolved ones leave the board. */
  update(w: BoardWarning): void {
    this.freshRed.delete(w.id);
    if (w.status === "RESOLVED") this.byId.delete(w.id);
    else this.byId.set(w.id, w);
    this.bump();
  }

  /** The new-RED cue has been seen. */
  seen(id?: string): void {
    if (id === undefined) this.freshRed.clear();
    else this.freshRed.delete(id);
    this.bump();
  }

  get size(): number {
    return this.byId.size;
  }

  /** Columns by level, newest first, the resolved left out. */
  columns(
    filter: (w: BoardWarning) => boolean = () => true,
    limits: Partial<Record<Level, number>> = {},
  ): Column[] {
    const groups: Record<Level, BoardWarning[]> = { RED: [], ORANGE: [], YELLOW: [] };
    for (const w of this.byId.values()) {
      if (w.status !== "RESOLVED" && filter(w)) groups[w.level]?.push(w);
    }
    return LEVELS.map((level) => {
      const all = groups[level].sort(newestFirst);
      const fresh = level === "RED" ? all.filter((w) => this.freshRed.has(w.id)).length : 0;
      return { level, shown: all.slice(0, limits[level] ?? COLUMN_LIMIT), total: all.length, fresh };
    });
  }

  private seeCursor(cursor: string): void {
    const key = cursorKey(cursor);
    if (key === null) {
      this.lastCursor = cursor;
    } else if (key > this.lastKey) {
      this.lastKey = key;
      this.lastCursor = cursor;
    }
  }

  private bump(): void {
    this.version.value++;
    triggerRef(this.version);
  }
}

function defaultSchedule(fn: () => void): void {
  // a hidden tab gets no animation frames: fall back to a timer so the queue still drains
  if (typeof document !== "undefined" && document.hidden) setTimeout(fn, 100);
  else requestAnimationFrame(() => fn());
}

function rank(s: Status): number {
  return s === "OPEN" ? 0 : s === "ACKNOWLEDGED" ? 1 : 2;
}

function newestFirst(a: BoardWarning, b: BoardWarning): number {
  return a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : b.id.localeCompare(a.id);
}

/**
 * Order of cursors: they are opaque, but a later warning's cursor must win. When a cursor
 * decodes (URL-safe base64) to text ending in a number, that number orders them; otherwise
 * the last one seen wins (the server sends the feed in raising order).
 */
function cursorKey(cursor: string): number | null {
  try {
    const b64 = cursor.replace(/-/g, "+").replace(/_/g, "/");
    const m = /(\d+)\s*$/.exec(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}
