/** The part of fontkit (pdfkit's font engine) the credit report uses: opening one font of a file or collection. */
declare module 'fontkit' {
  export interface Font {
    readonly postscriptName: string;
    readonly familyName: string;
    layout(text: string, ...rest: unknown[]): unknown;
  }
  export interface FontCollection {
    readonly type: string;
    readonly fonts: Font[];
  }
  export function create(buffer: Uint8Array, postscriptName?: string): Font | FontCollection | null;
}
