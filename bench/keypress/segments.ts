/**
 * The keypress bench's arithmetic, kept pure so it can be tested: one sample's moments (epoch ms, each taken in the
 * page where it happened) → the rows of its table, keypress → request → answer → B's feed → B's DOM.
 */

/** The moments of one sample. A's are on A's clock, B's on B's (corrected by {@link splitSamples}). */
export interface KeypressTimes {
  /** The key event's own timestamp (`event.timeStamp`): when the browser took the input. */
  keyEventAt: number;
  /** A's capturing `keydown` listener ran: the keypress as the page sees it. */
  keydownAt: number;
  /** A's DOM shows the new todo (its optimistic update). */
  aDomAt: number;
  /** The mutation's request started in A (Resource Timing `startTime`: the app called fetch). */
  requestStartAt: number;
  /** The first byte of the server's answer reached A (`responseStart`: sent once committed). */
  responseStartAt: number;
  /** B received the change-feed message carrying the change. */
  bFeedAt: number;
  /** B's DOM shows the new todo. */
  bDomAt: number;
}

type Moment = keyof KeypressTimes;

/** One row of the table: the interval between two moments. */
export interface KeypressRow {
  readonly key: string;
  readonly label: string;
  readonly from: Moment;
  readonly to: Moment;
}

/**
 * The table's rows, in order: first everything measured from the keypress (cumulative, as a user would feel it),
 * then the steps between (they add up to the headline row, except that B's feed may beat A's own answer).
 */
export const KEYPRESS_ROWS = [
  { key: 'keyToBDom', label: 'keypress → B DOM (what the user sees)', from: 'keydownAt', to: 'bDomAt' },
  { key: 'keyToADom', label: 'keypress → A DOM (optimistic)', from: 'keydownAt', to: 'aDomAt' },
  { key: 'keyToRequest', label: 'keypress → request start', from: 'keydownAt', to: 'requestStartAt' },
  { key: 'keyToAnswer', label: 'keypress → server answer', from: 'keydownAt', to: 'responseStartAt' },
  { key: 'keyToBFeed', label: "keypress → B's feed message", from: 'keydownAt', to: 'bFeedAt' },
  {
    key: 'requestToAnswer',
    label: '  request start → answer',
    from: 'requestStartAt',
    to: 'responseStartAt',
  },
  { key: 'answerToBFeed', label: "  answer → B's feed message", from: 'responseStartAt', to: 'bFeedAt' },
  { key: 'bFeedToBDom', label: "  B's feed message → B DOM", from: 'bFeedAt', to: 'bDomAt' },
  { key: 'inputDelay', label: 'key event timestamp → keydown listener', from: 'keyEventAt', to: 'keydownAt' },
] as const satisfies readonly KeypressRow[];

export type KeypressRowKey = (typeof KEYPRESS_ROWS)[number]['key'];

/** B's moments; the others are A's. */
const B_MOMENTS: ReadonlySet<Moment> = new Set<Moment>(['bFeedAt', 'bDomAt']);

/**
 * Each row's intervals over all samples, in ms. `clockOffsetB` is B's clock minus A's (measured between the two
 * pages): it is subtracted from B's moments, so that every interval is on A's clock (B → B rows are unaffected).
 */
export function splitSamples(
  samples: readonly KeypressTimes[],
  clockOffsetB: number,
): Record<KeypressRowKey, number[]> {
  const onA = (sample: KeypressTimes, moment: Moment) =>
    B_MOMENTS.has(moment) ? sample[moment] - clockOffsetB : sample[moment];
  const rows = Object.fromEntries(KEYPRESS_ROWS.map((row) => [row.key, [] as number[]])) as Record<
    KeypressRowKey,
    number[]
  >;
  for (const sample of samples) {
    for (const row of KEYPRESS_ROWS) rows[row.key].push(onA(sample, row.to) - onA(sample, row.from));
  }
  return rows;
}

/** Issue 17's target for keypress in tab A → tab B's DOM. */
export const KEYPRESS_TARGET = { p50: 25, p99: 50 } as const;

/** Whether a distribution meets {@link KEYPRESS_TARGET} (both percentiles; NaN, an empty run, never does). */
export function meetsKeypressTarget(distribution: { p50: number; p99: number }): boolean {
  return distribution.p50 <= KEYPRESS_TARGET.p50 && distribution.p99 <= KEYPRESS_TARGET.p99;
}
