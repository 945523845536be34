// Types for `progress` (node-progress 2.0.3), which ships none; only what the client uses.
declare module 'progress' {
  interface ProgressBarOptions {
    total: number;
    curr?: number;
    width?: number;
    stream?: NodeJS.WritableStream;
    complete?: string;
    incomplete?: string;
    renderThrottle?: number;
    clear?: boolean;
  }
  class ProgressBar {
    constructor(format: string, options: ProgressBarOptions);
    tick(delta?: number, tokens?: Record<string, string>): void;
    render(tokens?: Record<string, string>, force?: boolean): void;
    terminate(): void;
    curr: number;
    complete: boolean;
  }
  export = ProgressBar;
}
