/** Process state the ops routes report; set by the server when it starts draining. */
export interface Lifecycle {
  draining: boolean;
  startedAt: number;
}
