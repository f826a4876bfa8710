/** Flipped when the process starts draining, so readiness turns false before connections close. */
export class ShutdownState {
  draining = false;
}
